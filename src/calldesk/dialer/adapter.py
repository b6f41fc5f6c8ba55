"""The dialer adapter: carries pacing decisions out to the trunks and the ACD, and writes the
ledger. The pacing core and the contact queue decide; this module only does the IO.

- Attempts go out through `calldesk.trunks.OutboundDialer.dial` (its routes, failover, leg
  limits and allow-list), with the campaign's caller ID and ring time.
- An answered attempt is handed to the ACD with one call, `Engine.enqueue(EnqueueRequest)`
  (medium "voice", the attempt's own interaction id, not the leg uuid).
- `connected(iid)` (the ACD connected an agent: `follow(journal)` reads its
  `interaction.answered` entries) or the grace timer end the answer's wait; at the
  grace end the safe-harbour port plays the campaign's flow on the leg and the attempt counts
  as abandoned.
Every pacing decision is journaled (`dialer.pacing`) with its inputs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from calldesk.dialer.config import Campaign
from calldesk.dialer.contacts import ContactQueue, Pick
from calldesk.dialer.events import (
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AttemptPlaced,
    AttemptResolved,
    PacingDecision,
)
from calldesk.dialer.pacing import Pacer
from calldesk.ivr.ports import EnqueueRequest
from calldesk.trunks.dialer import OutboundError

AGENT_STATES = {"available": "free", "offered": "talk", "busy": "talk", "wrap_up": "wrap"}
BUSY = {"USER_BUSY", "CALL_REJECTED"}
NO_ANSWER = {"NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL", "ALLOTTED_TIMEOUT",
             "PROGRESS_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE"}  # fmt: skip


def outcome_of(cause: str) -> str:
    if cause in BUSY:
        return "busy"
    return "no_answer" if cause in NO_ANSWER else "failed"


class Dialer(Protocol):
    def dial(self, number: str, variables: Mapping[str, object] | None = None, *,
             switch: str | None = None, subject: str = "") -> Any: ...  # fmt: skip


class Acd(Protocol):
    def enqueue(self, request: EnqueueRequest) -> None: ...


class Journal(Protocol):
    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int: ...


@dataclass
class Ports:
    dialer: Dialer
    acd: Acd
    ledger: Callable[[dict[str, Any]], Any]
    journal: Journal
    clock: Callable[[], float]
    spawn: Callable[..., Any]  # gevent.spawn in production; runs a blocking attempt
    safe_harbour: Callable[[str, str, Campaign], Any]  # (interaction, leg, campaign)
    later: Callable[[float, Callable[[], Any]], Any]  # run after seconds (gevent.spawn_later)


@dataclass
class _Attempt:
    iid: str
    pick: Pick
    placed: float
    row: dict[str, Any]
    leg: str = ""
    answered: float | None = None
    done: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class DialerAdapter:
    def __init__(self, campaign: Campaign, pacer: Pacer, queue: ContactQueue, ports: Ports,
                 trunk: str = "") -> None:  # fmt: skip
        self.campaign, self.pacer, self.queue, self.p = campaign, pacer, queue, ports
        self.trunk = trunk or campaign.trunk
        self.attempts: dict[str, _Attempt] = {}
        self.paused = campaign.paused
        self.journal_pos = 0

    def follow(self, journal: Any) -> None:
        """Read the ACD's journal since the last call (`read(after_id=)`): agents' states (of
        the campaign's agents, or all when it names none) and `interaction.answered` (an agent
        took one of our answered attempts)."""
        mine = set(self.campaign.agents)
        for e in journal.read(after_id=self.journal_pos):
            self.journal_pos = e.id
            if e.kind == "agent.state" and (not mine or e.subject in mine):
                state = AGENT_STATES.get(str(e.data.get("state")), "away")
                self.pacer.handle(AgentChanged(e.subject, state), self.p.clock())
            elif e.kind == "interaction.answered" and e.subject in self.attempts:
                self.connected(e.subject, str(e.data.get("agent", "")))

    def tick(self) -> PacingDecision:
        """Decide and place. Pausing stops new attempts; it never hangs up a live call."""
        now = self.p.clock()
        d = self.pacer.decide(now, dialable=0 if self.paused else self.queue.pending())
        self.p.journal.append("dialer.pacing", self.campaign.name, d.record(), now)
        for _ in range(d.place):
            pick = self.queue.next(now)  # DNC and the window are checked here, at dial time
            if pick is None:
                break
            self._place(pick, now)
        return d

    def _place(self, pick: Pick, now: float) -> None:
        c = self.campaign
        iid = f"out-{uuid.uuid4()}"
        row = {
            "at": now, "campaign": c.name, "contact": str(pick.contact.get("name", "")),
            "number": pick.number, "local_time": pick.window.local_time,
            "timezone": pick.window.timezone, "window": pick.window.window, "dnc_checked": 1,
            "dnc_hit": 0, "trunk": self.trunk, "caller_id": c.caller_id, "ring_limit_s": c.ring_s,
            "amd": "", "agent": "", "abandoned": 0, "safe_harbour": 0, "interaction": iid,
            "cause": "",
        }  # fmt: skip
        a = _Attempt(iid, pick, now, row)
        self.attempts[iid] = a
        self.pacer.handle(AttemptPlaced(iid), now)
        self.p.spawn(self._dial, a)

    def _dial(self, a: _Attempt) -> None:
        c = self.campaign
        variables = {
            "originate_timeout": int(c.ring_s), "origination_caller_id_number": c.caller_id,
            "calldesk_interaction": a.iid, "calldesk_campaign": c.name,
        }  # fmt: skip
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
        a.row["trunk"] = getattr(dialed, "trunk", self.trunk) or self.trunk
        self.pacer.handle(AttemptResolved(a.iid, "answer", now - a.placed), now)
        self.p.acd.enqueue(
            EnqueueRequest(
                interaction_id=a.iid, medium="voice", queue=c.queue, priority=0, skills={},
                language="", caller={"number": a.pick.number, "name": a.row["contact"]},
                variables=dict(a.pick.contact.get("fields") or {}),
                data={"campaign": c.name, "leg": a.leg, "attempt": a.pick.attempt_no},
                flow="", flow_version="", path=[], address=a.leg,
            )
        )
        self.p.later(self.pacer.config.grace_s, lambda: self._grace(a.iid))

    def connected(self, iid: str, agent: str) -> None:
        """The ACD bridged an agent to this answered attempt."""
        a = self.attempts.get(iid)
        if a is None or a.done or a.answered is None:
            return
        now = self.p.clock()
        wait = now - a.answered
        self.pacer.handle(AnswerConnected(iid, wait), now)
        self._finish(a, now, outcome="answer", agent=agent, answer_to_agent_s=wait,
                     ring_s=a.answered - a.placed)  # fmt: skip

    def _grace(self, iid: str) -> None:
        a = self.attempts.get(iid)
        if a is None or a.done or a.answered is None:
            return
        now = self.p.clock()
        self.pacer.handle(AnswerAbandoned(iid, now - a.answered), now)
        self.p.safe_harbour(iid, a.leg, self.campaign)
        self._finish(a, now, outcome="answer", abandoned=1, safe_harbour=1,
                     ring_s=a.answered - a.placed)  # fmt: skip

    def _finish(self, a: _Attempt, now: float, **fields: Any) -> None:
        a.done = True
        a.row.update(fields)
        self.attempts.pop(a.iid, None)
        self.queue.finished(a.pick.number, a.row["outcome"], now)
        self.p.ledger(a.row)
        self.p.journal.append("dialer.attempt", a.iid, dict(a.row), now)
