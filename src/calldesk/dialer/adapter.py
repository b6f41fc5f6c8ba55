"""The dialer adapter: carries pacing decisions out to the trunks and the ACD, and writes the
ledger. The pacing core and the contact queue decide; this module only does the IO.

- Attempts go out through `calldesk.trunks.OutboundDialer.dial` (its routes, failover, leg
  limits and allow-list), with the campaign's caller ID and ring time.
- An answered attempt is handed to the ACD with one call, `Engine.enqueue(EnqueueRequest)`
  (medium "voice", the attempt's own interaction id, not the leg uuid). A notification
  campaign runs its flow on the leg instead; with AMD on, the classifier runs on the leg
  (`Ports.legs.amd`) and a machine leaves the ACD's queue for the machine flow or a retry.
- `connected(iid)` (the ACD connected an agent: `follow(journal)` reads its
  `interaction.answered` entries) or the grace timer end the answer's wait; at the grace end
  the safe-harbour port plays the campaign's flow on the leg and the attempt counts as
  abandoned. The grace starts at the answer, or with `safe_harbour_from: greeting_end` at the
  end of the callee's greeting as AMD measured it.
Every pacing decision is journaled (`dialer.pacing`) with its inputs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from calldesk.dialer.amd import AmdThresholds, Verdict
from calldesk.dialer.config import Campaign
from calldesk.dialer.contacts import ContactQueue, Pick
from calldesk.dialer.events import (
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AnswerWithdrawn,
    AttemptPlaced,
    AttemptResolved,
    InboundLoad,
    PacingDecision,
)
from calldesk.dialer.pacing import Pacer
from calldesk.ivr.ports import EnqueueRequest
from calldesk.trunks.dialer import OutboundError

AGENT_STATES = {"available": "free", "offered": "talk", "busy": "talk", "wrap_up": "wrap"}
BUSY = {"USER_BUSY", "CALL_REJECTED"}
NO_ANSWER = {
    "NO_ANSWER",
    "NO_USER_RESPONSE",
    "ORIGINATOR_CANCEL",
    "ALLOTTED_TIMEOUT",
    "PROGRESS_TIMEOUT",
    "RECOVERY_ON_TIMER_EXPIRE",
}


def outcome_of(cause: str) -> str:
    if cause in BUSY:
        return "busy"
    return "no_answer" if cause in NO_ANSWER else "failed"


class Dialer(Protocol):
    def dial(
        self,
        number: str,
        variables: Mapping[str, object] | None = None,
        *,
        switch: str | None = None,
        subject: str = "",
    ) -> Any: ...


class Acd(Protocol):
    def enqueue(self, request: EnqueueRequest) -> None: ...


class Journal(Protocol):
    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int: ...


class Legs(Protocol):
    """What the adapter does on an answered leg (`calldesk.dialer.legs.LegPorts`)."""

    def amd(
        self,
        leg: str,
        switch: str,
        t: AmdThresholds,
        active: Callable[[], bool],
        avmd: bool = False,
    ) -> Verdict | None: ...
    def wait_beep(
        self, leg: str, switch: str, done: Callable[[], bool], seconds: float
    ) -> bool: ...
    def run_flow(
        self, iid: str, leg: str, switch: str, flow: str, variables: dict[str, Any]
    ) -> bool: ...
    def withdraw(self, iid: str) -> None: ...
    def pull(self, iid: str, agent: str) -> None: ...
    def hangup(self, leg: str, switch: str, cause: str) -> None: ...


@dataclass
class Ports:
    dialer: Dialer
    acd: Acd
    ledger: Callable[[dict[str, Any]], Any]
    journal: Journal
    clock: Callable[[], float]
    spawn: Callable[..., Any]  # gevent.spawn in production; runs a blocking attempt
    safe_harbour: Callable[..., Any]  # (interaction, leg, campaign, variables) -> played?
    later: Callable[[float, Callable[[], Any]], Any]  # run after seconds (gevent.spawn_later)
    legs: Legs | None = None  # AMD, flows, withdraw and pull on answered legs
    amd: AmdThresholds = field(default_factory=AmdThresholds)
    source: Any = None  # the journal `follow` reads (caught up again when a grace ends)
    inbound: Callable[[], InboundLoad] | None = None  # blending: what inbound leaves


@dataclass
class _Attempt:
    iid: str
    pick: Pick
    placed: float
    row: dict[str, Any]
    leg: str = ""
    switch: str = ""
    answered: float | None = None
    clock_from: float | None = None  # when the 2 s started (the answer or the greeting's end)
    done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class DialerAdapter:
    def __init__(
        self, campaign: Campaign, pacer: Pacer, queue: ContactQueue, ports: Ports, trunk: str = ""
    ) -> None:
        self.campaign, self.pacer, self.queue, self.p = campaign, pacer, queue, ports
        self.trunk = trunk or campaign.trunk
        self.attempts: dict[str, _Attempt] = {}
        self.paused = campaign.paused
        self.journal_pos = 0
        self.members: set[str] = set(campaign.agents)  # agents who work it (all when empty)

    def follow(self, journal: Any) -> None:
        """Read the ACD's journal since the last call (`read(after_id=)`): agents' states (of
        the campaign's agents, or all when it names none), `interaction.answered` (an agent
        took one of our answered attempts) and `interaction.abandoned` (the callee hung up)."""
        mine = self.members
        for e in journal.read(after_id=self.journal_pos):
            self.journal_pos = e.id
            if e.kind == "agent.state" and (not mine or e.subject in mine):
                state = AGENT_STATES.get(str(e.data.get("state")), "away")
                self.pacer.handle(AgentChanged(e.subject, state), self.p.clock())
            elif e.kind == "interaction.answered" and e.subject in self.attempts:
                self.connected(e.subject, str(e.data.get("agent", "")), e.at)
            elif e.kind == "interaction.abandoned" and e.subject in self.attempts:
                self.hung_up(e.subject)

    def tick(self) -> PacingDecision:
        """Decide and place. Pausing stops new attempts; it never hangs up a live call."""
        now = self.p.clock()
        dialable = 0 if self.paused else self.queue.pending()
        if self.campaign.mode == "notification":  # no agent: a fixed number of lines
            n = max(0, min(dialable, self.campaign.lines - len(self.attempts)))
            d = PacingDecision(
                now, "notification", n, {"lines": self.campaign.lines, "active": len(self.attempts)}
            )
        else:
            inbound = self.p.inbound() if self.p.inbound is not None else None
            d = self.pacer.decide(now, dialable=dialable, inbound=inbound)
        self.p.journal.append("dialer.pacing", self.campaign.name, d.record(), now)
        for _ in range(d.place):
            pick = self.queue.next(now)  # DNC and the window are checked here, at dial time
            if pick is None:
                break
            self.place(pick, now)
        return d

    def place(self, pick: Pick, now: float) -> str:
        """Dial one picked contact (pacing's, a preview's or a callback's); its interaction id."""
        c = self.campaign
        iid = f"out-{uuid.uuid4()}"
        row = {
            "at": now,
            "campaign": c.name,
            "contact": str(pick.contact.get("name", "")),
            "number": pick.number,
            "local_time": pick.window.local_time,
            "timezone": pick.window.timezone,
            "window": pick.window.window,
            "dnc_checked": 1,
            "dnc_hit": 0,
            "trunk": self.trunk,
            "caller_id": c.caller_id,
            "ring_limit_s": c.ring_s,
            "amd": "",
            "agent": "",
            "abandoned": 0,
            "safe_harbour": 0,
            "interaction": iid,
            "cause": "",
            "grace_from": c.safe_harbour_from if c.amd else "answer",
        }
        a = _Attempt(iid, pick, now, row)
        self.attempts[iid] = a
        self.pacer.handle(AttemptPlaced(iid), now)
        self.p.spawn(self._dial, a)
        return iid

    def _dial(self, a: _Attempt) -> None:
        c = self.campaign
        variables = {
            "originate_timeout": int(c.ring_s),
            "origination_caller_id_number": c.caller_id,
            "calldesk_interaction": a.iid,
            "calldesk_campaign": c.name,
            "calldesk_role": "dialer",
        }
        try:
            dialed = self.p.dialer.dial(a.pick.number, variables, subject=a.iid)
        except OutboundError as e:
            now = self.p.clock()
            outcome = outcome_of(e.cause)
            self.pacer.handle(AttemptResolved(a.iid, outcome, now - a.placed), now)
            self._finish(a, now, outcome=outcome, cause=e.cause or e.code, ring_s=now - a.placed)
            return
        now = self.p.clock()
        a.leg, a.answered = str(dialed.uuid), now
        a.switch = str(getattr(dialed, "switch", "") or "")
        a.row["trunk"] = getattr(dialed, "trunk", self.trunk) or self.trunk
        a.row["ring_s"] = now - a.placed
        self.pacer.handle(AttemptResolved(a.iid, "answer", now - a.placed), now)
        if c.mode == "notification":
            self._flow(a, c.flow)
            self._finish(a, now, outcome="answer")
            return
        amd = c.amd and self.p.legs is not None
        if not (amd and c.safe_harbour_from == "greeting_end"):
            self._enqueue(a, now)  # else to the ACD once AMD heard a person
        if amd:
            self.p.spawn(self._amd, a)

    def _variables(self, a: _Attempt) -> dict[str, Any]:
        return {
            **dict(a.pick.contact.get("fields") or {}),
            "contact_name": a.row["contact"],
            "contact_number": a.pick.number,
            "campaign": self.campaign.name,
            "callback_number": self.campaign.caller_id,
        }

    def _flow(self, a: _Attempt, flow: str) -> bool:
        if not flow or self.p.legs is None:
            return False
        return self.p.legs.run_flow(a.iid, a.leg, a.switch, flow, self._variables(a))

    def _enqueue(self, a: _Attempt, clock_from: float) -> None:
        c = self.campaign
        a.clock_from = clock_from
        self.p.acd.enqueue(
            EnqueueRequest(
                interaction_id=a.iid,
                medium="voice",
                queue=c.queue,
                priority=0,
                skills={},
                language="",
                caller={"number": a.pick.number, "name": a.row["contact"]},
                variables=dict(a.pick.contact.get("fields") or {}),
                data={"campaign": c.name, "leg": a.leg, "attempt": a.pick.attempt_no},
                flow="",
                flow_version="",
                path=[],
                address=a.leg,
            )
        )
        if a.pick.agent and self.p.legs is not None:
            self.p.legs.pull(a.iid, a.pick.agent)  # a preview's or a callback's own agent
        left = max(0.0, clock_from + self.pacer.config.grace_s - self.p.clock())
        self.p.later(left, lambda: self._grace(a.iid))

    def _amd(self, a: _Attempt) -> None:
        legs, t, c = self.p.legs, self.p.amd, self.campaign
        assert legs is not None
        v = legs.amd(a.leg, a.switch, t, lambda: not a.done, avmd=c.avmd)
        if v is None or a.done:
            return  # an agent took it first (AMD stopped), or the leg is gone
        a.row["amd"] = v.result
        now = self.p.clock()
        if v.result == "human":
            if a.clock_from is None:  # greeting_end: the greeting ended before the silence
                quiet = t.after_greeting_s if v.reason == "silence_after_greeting" else 0.0
                self._enqueue(a, (a.answered or now) + max(0.0, v.after_s - quiet))
            # a beep while the answer waits for an agent: a machine after all (a short greeting)
            grace = self.pacer.config.grace_s + 1.0
            if not (c.avmd and legs.wait_beep(a.leg, a.switch, lambda: a.done, grace)):
                return
            if a.done:
                return
            a.row["amd"], v, now = "machine", Verdict("machine", "beep", v.after_s), self.p.clock()
        if a.clock_from is not None:
            legs.withdraw(a.iid)
        self.pacer.handle(AnswerWithdrawn(a.iid), now)
        self._finish(a, now, outcome="machine", cause=f"amd:{v.reason}")  # no agent, no grace
        if c.avmd and c.machine_flow and v.reason != "beep":  # leave the message after it
            legs.wait_beep(a.leg, a.switch, lambda: False, 30.0)
        if not self._flow(a, c.machine_flow):
            legs.hangup(a.leg, a.switch, "NORMAL_CLEARING")

    def connected(self, iid: str, agent: str, at: float | None = None) -> None:
        """The ACD bridged an agent to this answered attempt (`at`: when, by its journal)."""
        a = self.attempts.get(iid)
        if a is None or a.done or a.answered is None:
            return
        now = self.p.clock() if at is None else at
        wait = now - (a.clock_from if a.clock_from is not None else a.answered)
        self.pacer.handle(AnswerConnected(iid, wait), now)
        self._finish(a, now, outcome="answer", agent=agent, answer_to_agent_s=wait)

    def hung_up(self, iid: str) -> None:
        """The callee hung up while waiting for an agent, before the grace ended."""
        a = self.attempts.get(iid)
        if a is None or a.done or a.answered is None:
            return
        now = self.p.clock()
        self.pacer.handle(AnswerWithdrawn(iid), now)
        self._finish(a, now, outcome="answer", cause="callee hung up waiting")

    def _grace(self, iid: str) -> None:
        if self.p.source is not None:
            self.follow(self.p.source)  # an agent may have just been connected
        a = self.attempts.get(iid)
        if a is None or a.done or a.answered is None:
            return
        now = self.p.clock()
        self.pacer.handle(AnswerAbandoned(iid, now - (a.clock_from or a.answered)), now)
        a.done = True  # the withdrawal below journals an abandon, which is ours, not the callee's
        played = self.p.safe_harbour(iid, a.leg, self.campaign, self._variables(a))
        self._finish(a, now, outcome="answer", abandoned=1, safe_harbour=int(played is not False))

    def _finish(self, a: _Attempt, now: float, **fields: Any) -> None:
        a.done = True
        a.row.update(fields)
        self.attempts.pop(a.iid, None)
        self.queue.finished(a.pick.number, a.row["outcome"], now)
        self.p.ledger(a.row)
        self.p.journal.append("dialer.attempt", a.iid, dict(a.row), now)
