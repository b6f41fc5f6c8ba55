"""The `supervision:` config section.

supervision:
  notify: none          # none | tone | notice: tell the agent a supervisor joined (law differs)
  tone: "tone_stream://%(200,0,880)"
  switch_modes: dtmf    # dtmf (uuid_recv_dtmf, as in the eavesdrop trace) | event (sendevent
                        # with eavesdrop-command; works with supervisor keys disabled)
  supervisor_keys: true # eavesdrop_enable_dtmf: may supervisors change mode from their phone
  require_group: false  # also enforce teams on the switch (eavesdrop_require_group)
  answer_timeout: 30    # seconds the supervisor's phone may ring
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.errors import ConfigError

KEYS = {"notify", "tone", "switch_modes", "supervisor_keys", "require_group", "answer_timeout"}


@dataclass(frozen=True)
class Settings:
    notify: str = "none"
    tone: str = "tone_stream://%(200,0,880)"
    switch_modes: str = "dtmf"
    supervisor_keys: bool = True
    require_group: bool = False
    answer_timeout: float = 30.0

    @classmethod
    def from_config(cls, raw: Mapping[str, Any] | None, path: str = "supervision") -> Settings:
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise ConfigError(path, "must be a mapping")
        unknown = set(raw) - KEYS
        if unknown:
            raise ConfigError(
                f"{path}.{sorted(unknown)[0]}", f"unknown key (known: {', '.join(sorted(KEYS))})"
            )
        s = cls(**raw)
        if s.notify not in ("none", "tone", "notice"):
            raise ConfigError(f"{path}.notify", f"must be none, tone or notice, not {s.notify!r}")
        if s.switch_modes not in ("dtmf", "event"):
            raise ConfigError(
                f"{path}.switch_modes", f"must be dtmf or event, not {s.switch_modes!r}"
            )
        if s.switch_modes == "dtmf" and not s.supervisor_keys:
            raise ConfigError(
                f"{path}.supervisor_keys",
                "switch_modes: dtmf needs supervisor_keys (eavesdrop ignores digits without ED_DTMF); "
                "use switch_modes: event to lock the supervisor's keypad",
            )
        for key in ("supervisor_keys", "require_group"):
            if not isinstance(getattr(s, key), bool):
                raise ConfigError(f"{path}.{key}", "must be true or false")
        timeout = s.answer_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ConfigError(f"{path}.answer_timeout", "must be a positive number of seconds")
        if not isinstance(s.tone, str) or any(c in s.tone for c in "\r\n"):
            raise ConfigError(f"{path}.tone", "must be one line")
        return s
