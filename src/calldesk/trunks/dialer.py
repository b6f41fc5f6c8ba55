"""Outbound dialing through trunks: the IO edge around the pure `OutboundRouter`.

`OutboundDialer.dial(number, variables)` checks the destination (allow-list, premium,
international), originates `sofia/gateway/<trunk>/<number>` into park on the first usable
trunk, and on a failover cause (NORMAL_TEMPORARY_FAILURE, GATEWAY_DOWN, ...) tries the next
one. The callee's own answers (USER_BUSY, NO_ANSWER, CALL_REJECTED) end the attempt. It returns
the answered leg or raises `OutboundRefused` / `OutboundFailed`. Journal: `outbound.refused`,
`outbound.attempt`, `outbound.failover`, `outbound.connected`, `outbound.failed`.

Leg limits: every leg carrying `calldesk_trunk` (ours, and inbound legs the rendered dialplan
tags) is counted by a `TrunkLegs` fed from the leg tracker. Legs that already existed when the
controller started are not counted until their next ANSWER/PARK event.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import gevent

from calldesk.errors import CalldeskError, CommandRefused
from calldesk.esl.commands import originate_args
from calldesk.telephony.legs import Leg
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks.config import Trunk
from calldesk.trunks.policy import OutboundPolicy, parse_outbound
from calldesk.trunks.routing import OutboundRouter, RouteDecision, TrunkLegs

log = logging.getLogger(__name__)

# Route codes that are a rule saying no (nothing was dialled).
REFUSALS = ("not_e164", "premium", "international", "not_allowed", "no_route")
DEFAULT_TIMEOUT_S = 30.0
_SWITCH_DOWN = "ESL_ERROR"  # the originate never reached the switch (not a trunk's cause)


class OutboundError(CalldeskError):
    """An outbound call did not connect. `cause` is a FreeSWITCH-style cause name."""

    def __init__(self, number: str, code: str, cause: str, reason: str) -> None:
        self.number, self.code, self.cause, self.reason = number, code, cause, reason
        super().__init__(f"outbound call to {number} {code}: {reason}")


class OutboundRefused(OutboundError):
    """A rule refused the destination (`code` names it: premium, international, not_allowed,
    not_e164, no_route). Nothing was dialled."""


class OutboundFailed(OutboundError):
    """Every attempt failed (`cause` is the last one) or every usable trunk was at its limit."""

    def __init__(self, number: str, code: str, cause: str, reason: str, tried: list[str]) -> None:
        self.tried = tried
        super().__init__(number, code, cause, reason)


@dataclass(frozen=True)
class Dialed:
    uuid: str
    switch: str
    trunk: str
    attempts: int


class Journal(Protocol):
    """The part of `calldesk.store.Journal` the dialer writes to."""

    def append(self, kind: str, subject: str, data: dict[str, Any] | None, at: float) -> int: ...


class OutboundDialer:
    def __init__(
        self,
        router: OutboundRouter,
        board: Switchboard,
        journal: Journal | None = None,
        clock: Callable[[], float] = time.time,
        time_scale: float = 1.0,
    ) -> None:
        self.router, self.board, self.journal = router, board, journal
        self.clock, self.time_scale = clock, time_scale
        self.legs = TrunkLegs()

    @classmethod
    def build(
        cls,
        trunks: tuple[Trunk, ...],
        outbound: OutboundPolicy | Mapping[str, Any] | None,
        board: Switchboard,
        journal: Journal | None = None,
        clock: Callable[[], float] = time.time,
        time_scale: float = 1.0,
    ) -> OutboundDialer:
        policy = outbound if isinstance(outbound, OutboundPolicy) else parse_outbound(outbound)
        return cls(OutboundRouter(trunks, policy), board, journal, clock, time_scale)

    def on_leg(self, leg: Leg, event: Any) -> None:
        # Runs in the ESL reader: only folds the event into the counter.
        self.legs.apply(event.headers)

    def _note(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        log.info("%s %s %s", kind, subject, data)
        if self.journal is not None:
            self.journal.append(kind, subject, data, self.clock())

    def check(self, number: str) -> RouteDecision:
        """The routing decision for `number` now, without dialling (e.g. for a flow's check)."""
        return self.router.route(number, self.legs)

    def allows(self, number: str, subject: str = "") -> bool:
        """Whether the rules let `number` out at all (limits and failures aside). A refusal
        is journaled as `outbound.refused` (used by the IVR's transfer step, before dialling)."""
        decision = self.router.route(number, self.legs)
        if decision.ok or decision.code not in REFUSALS:
            return True
        self._stop(decision, subject or number, [], "")
        return False

    def dial(
        self,
        number: str,
        variables: Mapping[str, object] | None = None,
        *,
        switch: str | None = None,
        subject: str = "",
    ) -> Dialed:
        """Originate `number` into park through a trunk, failing over. Blocks until answered.
        `switch` names the switch to use (the one holding the leg it will be bridged to)."""
        subject = subject or number
        decision = self.router.route(number, self.legs)
        if not decision.ok:
            raise self._stop(decision, subject, [], "")
        conn = self.board.switches[switch] if switch in self.board.switches else self.board.pick()
        given = dict(variables or {})
        wait = float(str(given.get("originate_timeout") or DEFAULT_TIMEOUT_S)) + 15
        tried: list[str] = []
        while True:
            trunk = decision.trunk or ""
            leg_uuid = str(uuidlib.uuid4())
            tried.append(trunk)
            self._note("outbound.attempt", subject, {
                "number": number, "trunk": trunk, "attempt": len(tried), "leg": leg_uuid,
                "dial": decision.dial_string, "skipped": [list(s) for s in decision.skipped],
            })  # fmt: skip
            self.legs.started(trunk, leg_uuid)
            cause = self._originate(conn, decision, given, leg_uuid, wait)
            if cause is None:
                self._note("outbound.connected", subject, {
                    "number": number, "trunk": trunk, "leg": leg_uuid, "attempts": len(tried),
                })  # fmt: skip
                return Dialed(leg_uuid, conn.name, trunk, len(tried))
            self.legs.ended(leg_uuid)
            if cause == _SWITCH_DOWN:
                why = f"switch {conn.name} did not take the originate"
                raise self._stop(RouteDecision(False, number, "switch_error", why), subject,
                                 tried, "NETWORK_OUT_OF_ORDER")  # fmt: skip
            nxt = self.router.after_failure(number, cause, self.legs, tried)
            if not nxt.ok:
                raise self._stop(nxt, subject, tried, cause)
            self._note("outbound.failover", subject, {
                "number": number, "from": trunk, "cause": cause, "to": nxt.trunk,
            })  # fmt: skip
            decision = nxt

    def _originate(
        self,
        conn: Any,
        decision: RouteDecision,
        variables: dict[str, object],
        leg_uuid: str,
        wait: float,
    ) -> str | None:
        """One attempt: None if answered, else the hangup cause."""
        # A carrier's 183 ringback is early media, which ends switch_ivr_originate by default
        # (early_ok): the customer must really answer before the leg counts as connected.
        dial_vars = {"ignore_early_media": "true", **variables,
                     "calldesk_trunk": decision.trunk, "origination_uuid": leg_uuid}  # fmt: skip
        args = originate_args(decision.dial_string or "", dial_vars, "park")  # may refuse
        try:
            text = conn.bgapi("originate", args).get(timeout=wait / self.time_scale)
        except CommandRefused:
            raise
        except gevent.Timeout:
            conn.hangup(leg_uuid, "ALLOTTED_TIMEOUT")
            return "ALLOTTED_TIMEOUT"
        except CalldeskError as exc:  # the switch, not the trunk: fails every trunk alike
            log.warning("originate of %s failed: %s", decision.dial_string, exc)
            return _SWITCH_DOWN
        words = (text or "").split()
        if len(words) >= 2 and words[0] == "+OK":
            return None
        return words[1].upper() if len(words) >= 2 and words[0] == "-ERR" else "UNKNOWN"

    def _stop(self, d: RouteDecision, subject: str, tried: list[str], cause: str) -> OutboundError:
        data = {"number": d.destination, "code": d.code, "reason": d.reason,
                "skipped": [list(s) for s in d.skipped]}  # fmt: skip
        if d.code in REFUSALS and not tried:
            self._note("outbound.refused", subject, data)
            return OutboundRefused(d.destination, d.code, "CALL_REJECTED", d.reason)
        if not cause:  # nothing dialled: every usable trunk is at its leg limit
            cause = "NORMAL_CIRCUIT_CONGESTION"
        reason = d.reason if d.code != "no_failover" else f"{cause}: {d.reason}"
        self._note("outbound.failed", subject, {**data, "cause": cause, "tried": tried})
        return OutboundFailed(d.destination, d.code, cause, reason, tried)
