"""What the simulated switch takes from its configuration: the settings whose absence the real
switch punishes (issue 10), read from a rendered `calldesk fsconf render` directory or set by hand.

- `rtp_timers`: rtp-timer-name per SIP profile. A sofia leg without a timer that gets no RTP (the
  sim's legs never do) blocks each media read for `READ_STALL` seconds, so what waits on the read
  (queued DTMF, sendmsg, a uuid_bridge) comes that late (no-rtp-bridge trace).
- `languages`: the `<language>`s of freeswitch.xml's languages section; `say` in another
  language does nothing (say-languages trace). None: the section is missing.
- `sessions_per_second`: switch.conf's session-rate throttle (originate-failures trace); None:
  not enforced.
- `directory`: the users `user/NNNN` can resolve (SUBSCRIBER_ABSENT for others); None: every user
  the sim has heard of (added or registered phones).
- `agent_hangup_order`: when the second uuid of a uuid_bridge (the agent) hangs up first, the real
  switch shows either order of the agent's CHANNEL_HANGUP and the caller's CHANNEL_UNBRIDGE:
  `hangup_first`, `unbridge_first`, or `alternate` (each such hangup takes the other order).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

READ_STALL = 5.0  # s: a timerless read with no RTP returns on this poll (switch_rtp.c)
ORDERS = ("hangup_first", "unbridge_first", "alternate")
ORDER_ENV = "CALLDESK_SIM_AGENT_HANGUP_ORDER"


@dataclass
class SiteConf:
    rtp_timers: dict[str, str] = field(
        default_factory=lambda: {"external": "soft", "internal": "soft"}
    )
    languages: set[str] | None = field(default_factory=lambda: {"en"})
    sessions_per_second: int | None = None
    directory: set[str] | None = None
    domains: set[str] | None = None
    agent_hangup_order: str = field(default_factory=lambda: os.environ.get(ORDER_ENV, "alternate"))
    _flip: bool = False

    def __post_init__(self) -> None:
        if self.agent_hangup_order not in ORDERS:
            raise ValueError(f"agent_hangup_order: one of {', '.join(ORDERS)}")

    def timer_of(self, profile: str) -> str:
        return self.rtp_timers.get(profile, "soft")

    def next_agent_hangup_order(self) -> str:
        """The order for this agent-first hangup (deterministic: alternate flips each time)."""
        if self.agent_hangup_order != "alternate":
            return self.agent_hangup_order
        self._flip = not self._flip
        return "hangup_first" if self._flip else "unbridge_first"


class Throttle:
    """switch_core_session_request's session-rate limit: each new session takes one from the
    second's budget *before* the check, so `sps N` admits N-1 sessions a second. The budget
    refills a second after the first session that used it (`reset` starts afresh)."""

    def __init__(self) -> None:
        self.window: float | None = None
        self.left = 0

    def reset(self) -> None:
        self.window = None

    def admit(self, total: int | None, now: float) -> bool:
        if total is None:
            return True
        if self.window is None or now - self.window >= 1.0:
            self.window, self.left = now, total
        self.left -= 1
        return self.left > 0


def _params(el: ET.Element | None) -> dict[str, str]:
    return {} if el is None else {p.get("name", ""): p.get("value", "") for p in el.iter("param")}


def load_fsconf(path: Path) -> SiteConf:
    """Read a rendered configuration directory. The trunks profile (it has gateways or refuses
    registrations) stands for the sim's `external` profile, the other for `internal`."""
    site = SiteConf(languages=None)
    for prof_file in sorted((path / "sip_profiles").glob("*.xml")):
        for prof in ET.parse(prof_file).getroot().iter("profile"):
            p = _params(prof.find("settings"))
            trunk = prof.find("gateways") is not None or p.get("disable-register") == "true"
            site.rtp_timers["external" if trunk else "internal"] = p.get("rtp-timer-name", "")
    root = ET.parse(path / "freeswitch.xml").getroot()
    for sec in root.iter("section"):
        if sec.get("name") == "languages":
            site.languages = {
                lang.get("name", "")
                for lang in sec.iter("language")
                if lang.find("phrases/macros") is not None
            }
    switch_conf = path / "autoload_configs" / "switch.conf.xml"
    if switch_conf.is_file():
        sps = _params(ET.parse(switch_conf).getroot()).get("sessions-per-second", "")
        site.sessions_per_second = int(sps) if sps.isdigit() else 30
    users: set[str] = set()
    for f in sorted((path / "directory").glob("*.xml")):
        for user in ET.parse(f).getroot().iter("user"):
            users.add(user.get("id", ""))
    site.directory = users
    return site
