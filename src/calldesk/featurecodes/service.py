"""Carries feature-code decisions out: the ACD verb (through the dispatcher, so its decisions
are carried out as any other), a spoken confirmation on the phone's leg, then hangup.

Journal: `feature.<action>` (agent, leg, reason) or `feature.refused` (why). Tracker listeners
run on the ESL reader, so each code is handled in its own greenlet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import gevent

from calldesk.acd import events as ev
from calldesk.errors import CalldeskError
from calldesk.featurecodes.decide import Act, AgentView, Feature, Refuse, decide, read_feature

log = logging.getLogger(__name__)

# FreeSWITCH's stock sounds (sounds/en/us/callie/ivr/...), relative to sound_prefix.
PROMPTS = {
    "logged_in": "ivr/ivr-you_are_now_logged_in.wav",
    "logged_out": "ivr/ivr-you_are_now_logged_out.wav",
    "ok": "ivr/ivr-thank_you.wav",
    "already": "ivr/ivr-you_are_now_logged_in.wav",
    "not_logged_in": "ivr/ivr-you_are_now_logged_out.wav",
    "invalid": "ivr/ivr-that_was_an_invalid_entry.wav",
    "failed": "ivr/ivr-that_was_an_invalid_entry.wav",
}
DEFAULT_REASONS = ("break", "lunch", "training", "meeting", "admin")


class AgentsPort(Protocol):
    """What feature codes need from the ACD's owner (`AcdService` has all of it)."""

    acd: Any

    def login(self, agent: str, ready: bool = False, wait: float | None = 5.0) -> list[str]: ...
    def logout(self, agent: str, wait: float | None = 5.0) -> list[str]: ...
    def ready(self, agent: str, wait: float | None = 5.0) -> list[str]: ...
    def not_ready(
        self, agent: str, reason: str = "break", wait: float | None = 5.0
    ) -> list[str]: ...
    def post(self, *items: Any, wait: float | None = None) -> list[str]: ...


class FeatureCodes:
    def __init__(
        self,
        board: Any,
        port: AgentsPort,
        journal: Any,
        reasons: Sequence[str] = DEFAULT_REASONS,
        prompts: dict[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.board, self.port, self.journal, self.clock = board, port, journal, clock
        self.reasons = tuple(reasons)
        self.prompts = {**PROMPTS, **(prompts or {})}
        self.handled: set[str] = set()
        board.tracker.subscribe(self._on_leg)

    def _on_leg(self, leg: Any, event: Any) -> None:
        if event.name == "CHANNEL_DESTROY":
            self.handled.discard(leg.uuid)
            return
        if event.name != "CHANNEL_PARK" or leg.uuid in self.handled or not leg.alive:
            return
        f = read_feature(leg.variables)
        if f is not None:
            self.handled.add(leg.uuid)
            gevent.spawn(self.handle, leg.uuid, leg.switch, f)

    def view(self, agent: str) -> AgentView | None:
        a = self.port.acd.agents.get(agent)
        return AgentView(bool(a.logged_in), str(a.state)) if a is not None else None

    def handle(self, uuid: str, switch: str, f: Feature) -> Act | Refuse:
        d = decide(f, self.view(f.agent), self.reasons)
        base = {"leg": uuid, "feature": f.name, "agent": f.agent}
        if isinstance(d, Act):
            why = self._act(d)
            if why:
                d2: Act | Refuse = Refuse("; ".join(why), prompt="failed")
            else:
                d2 = d
                self._note(f"feature.{d.action}", f.agent or uuid,
                           {**base, **({"reason": d.reason} if d.reason else {})})  # fmt: skip
        else:
            d2 = d
        if isinstance(d2, Refuse):
            self._note("feature.refused", f.agent or uuid, {**base, "reason": d2.why})
        self._confirm(uuid, switch, d2.prompt)
        return d2

    def _act(self, d: Act) -> list[str]:
        """The ACD verb; the reasons the core ignored it (empty: done)."""
        p = self.port
        try:
            if d.action == "login":
                return p.login(d.agent, ready=False)
            if d.action == "logout":
                return p.logout(d.agent)
            if d.action == "ready":
                return p.ready(d.agent)
            if d.action == "not_ready":
                return p.not_ready(d.agent, d.reason)
            return p.post(ev.WrapUpDone(d.agent), wait=5.0)
        except (CalldeskError, gevent.Timeout) as exc:
            return [str(exc) or type(exc).__name__]

    def _confirm(self, uuid: str, switch: str, prompt: str) -> None:
        """Speak the result, then hang up (the phone hears its confirmation first)."""
        conn = self.board.switches.get(switch)
        if conn is None:
            return
        try:
            conn.execute(uuid, "answer", timeout=10)
            conn.execute(uuid, "playback", self.prompts.get(prompt, PROMPTS["ok"]), timeout=30)
            conn.hangup(uuid, "NORMAL_CLEARING")
        except (CalldeskError, gevent.Timeout) as exc:
            log.info("feature code confirmation on %s: %s", uuid, exc)

    def _note(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        self.journal.append(kind, subject, data, self.clock())
