"""The `digital:` section of calldesk.yaml, checked here; every refusal names its key path.

```yaml
digital:
  flows: {chat: support, sms: support, email: support}  # the flow that greets each medium
  reply_timeout_s: 300      # a flow's question waits at least this long for a text reply
  thread_window_s: 86400    # SMS/email: a message within this of the last joins its conversation
  idle: {remind_after_s: 300, close_after_s: 900, queues: {sales: {remind_after_s: 120}}}
```"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from calldesk.digital.idle import IdlePolicy
from calldesk.errors import ConfigError

KEYS = {
    "flows",
    "reply_timeout_s",
    "thread_window_s",
    "idle",
    "chat",
    "sms",
    "email",
    "canned",
    "survey",
}
SURVEY_KEYS = {"queues", "question", "thanks", "answer_within_s"}
IDLE_KEYS = {"remind_after_s", "close_after_s", "reminder", "closing"}


@dataclass(frozen=True)
class Survey:
    """CSAT after an answered conversation in these queues: 1-5 and an optional comment."""

    queues: frozenset[str]
    question: str = "How did we do? Reply with a number from 1 (bad) to 5 (great), and a comment."
    thanks: str = "Thank you for your feedback."
    answer_within_s: float = 86400.0


@dataclass(frozen=True)
class DigitalSettings:
    flows: Mapping[str, str] = field(default_factory=dict)
    reply_timeout_s: float = 300.0
    thread_window_s: float = 86400.0
    idle: IdlePolicy = IdlePolicy()
    idle_by_queue: Mapping[str, IdlePolicy] = field(default_factory=dict)
    adapters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # chat/sms/email
    canned: Any = None  # calldesk.digital.canned.CannedResponses
    survey: Survey | None = None

    def idle_for(self, queue: str) -> IdlePolicy:
        return self.idle_by_queue.get(queue, self.idle)


def _seconds(v: Any, path: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
        raise ConfigError(path, f"must be a number of seconds >= 0, got {v!r}")
    return float(v)


def _mapping(v: Any, path: str, allowed: set[str] | None = None) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ConfigError(path, f"must be a mapping, not {type(v).__name__}")
    for k in v:
        if allowed is not None and k not in allowed:
            raise ConfigError(f"{path}.{k}", f"unknown key (known: {', '.join(sorted(allowed))})")
    return v


def _idle(v: Any, path: str, base: IdlePolicy) -> IdlePolicy:
    d = _mapping(v, path, IDLE_KEYS | {"queues"})
    out = base
    for k in ("remind_after_s", "close_after_s"):
        if k in d:
            out = replace(out, **{k: _seconds(d[k], f"{path}.{k}")})
    for k in ("reminder", "closing"):
        if k in d:
            if not isinstance(d[k], str) or not d[k].strip():
                raise ConfigError(f"{path}.{k}", "must be a non-empty text")
            out = replace(out, **{k: d[k]})
    if out.remind_after_s and out.close_after_s and out.close_after_s <= out.remind_after_s:
        raise ConfigError(f"{path}.close_after_s", "must be later than remind_after_s")
    return out


def load_digital(data: Any, path: str = "digital") -> DigitalSettings:
    d = _mapping(data or {}, path, KEYS)
    flows = _mapping(d.get("flows", {}), f"{path}.flows", {"chat", "sms", "email"})
    for medium, name in flows.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{path}.flows.{medium}", "must be a flow name")
    idle_raw = d.get("idle", {})
    idle = _idle(idle_raw, f"{path}.idle", IdlePolicy())
    by_queue = {}
    queues = _mapping(_mapping(idle_raw, f"{path}.idle").get("queues", {}), f"{path}.idle.queues")
    for q, spec in queues.items():
        if isinstance(spec, Mapping) and "queues" in spec:
            raise ConfigError(f"{path}.idle.queues.{q}.queues", "unknown key")
        by_queue[str(q)] = _idle(spec, f"{path}.idle.queues.{q}", idle)
    survey = None
    if "survey" in d:
        sv = _mapping(d["survey"], f"{path}.survey", SURVEY_KEYS)
        queues = sv.get("queues")
        if not isinstance(queues, list) or not all(isinstance(q, str) for q in queues):
            raise ConfigError(f"{path}.survey.queues", "a list of queue names")
        kw: dict[str, Any] = {"queues": frozenset(queues)}
        for k in ("question", "thanks"):
            if k in sv:
                if not isinstance(sv[k], str) or not sv[k].strip():
                    raise ConfigError(f"{path}.survey.{k}", "must be a non-empty text")
                kw[k] = sv[k]
        if "answer_within_s" in sv:
            kw["answer_within_s"] = _seconds(
                sv["answer_within_s"], f"{path}.survey.answer_within_s"
            )
        survey = Survey(**kw)
    canned = None
    if "canned" in d:
        from calldesk.digital.canned import CannedResponses

        canned = CannedResponses.load(d["canned"], f"{path}.canned")
    return DigitalSettings(
        canned=canned,
        survey=survey,
        flows=dict(flows),
        reply_timeout_s=_seconds(d.get("reply_timeout_s", 300.0), f"{path}.reply_timeout_s"),
        thread_window_s=_seconds(d.get("thread_window_s", 86400.0), f"{path}.thread_window_s"),
        idle=idle,
        idle_by_queue=by_queue,
        adapters={m: _mapping(d[m], f"{path}.{m}") for m in ("chat", "sms", "email") if m in d},
    )
