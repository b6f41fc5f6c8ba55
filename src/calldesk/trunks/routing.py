"""Outbound routing: which trunk carries a destination, failover, and per-trunk leg limits.

Pure: the leg counter is fed by events and the router reads it. No IO, no clock.

Use: `decision = router.route(number, legs)`; originate `decision.dial_string` with
`origination_uuid` chosen up front and call `legs.started(decision.trunk, uuid)` at once (the
later CHANNEL_CREATE folds into the same entry). On a failed attempt,
`router.after_failure(number, cause, legs, tried=...)` says whether and where to try next.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from calldesk.trunks.config import Trunk
from calldesk.trunks.patterns import first_match
from calldesk.trunks.policy import OutboundPolicy


class TrunkLegs:
    """Active legs per trunk, folded from events (or told directly). Idempotent per leg uuid."""

    def __init__(self) -> None:
        self._by_leg: dict[str, str] = {}
        self._count: dict[str, int] = {}

    def started(self, trunk: str, leg_uuid: str) -> None:
        if leg_uuid in self._by_leg:
            return
        self._by_leg[leg_uuid] = trunk
        self._count[trunk] = self._count.get(trunk, 0) + 1

    def ended(self, leg_uuid: str) -> None:
        trunk = self._by_leg.pop(leg_uuid, None)
        if trunk is not None:
            self._count[trunk] -= 1

    def active(self, trunk: str) -> int:
        return self._count.get(trunk, 0)

    def apply(self, event: Mapping[str, str]) -> None:
        """Fold one ESL event's headers: legs carrying `calldesk_trunk` count against it."""
        name = event.get("Event-Name", "")
        uuid = event.get("Unique-ID", "")
        if not uuid:
            return
        if name in ("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_PARK"):
            trunk = event.get("variable_calldesk_trunk", "")
            if trunk:
                self.started(trunk, uuid)
        elif name in ("CHANNEL_DESTROY", "CHANNEL_HANGUP_COMPLETE"):
            self.ended(uuid)


@dataclass(frozen=True)
class RouteDecision:
    ok: bool
    destination: str
    code: str  # routed | not_e164 | premium | international | not_allowed | no_route |
    #            all_at_limit | no_failover | exhausted
    reason: str
    trunk: str | None = None
    dial_string: str | None = None
    skipped: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (trunk, why)


class OutboundRouter:
    def __init__(self, trunks: tuple[Trunk, ...], policy: OutboundPolicy) -> None:
        self.trunks = trunks
        self.policy = policy

    def candidates(self, number: str) -> list[Trunk]:
        """Trunks whose `routes` match, in configuration order (first = preferred)."""
        return [t for t in self.trunks if first_match(number, t.routes) is not None]

    def route(self, number: str, legs: TrunkLegs, tried: Collection[str] = ()) -> RouteDecision:
        cands = self.candidates(number) if number.startswith("+") else []
        if not cands:
            verdict = self.policy.check(number)
            if not verdict.allowed:
                return RouteDecision(False, number, verdict.code, verdict.reason)
            return RouteDecision(False, number, "no_route", f"no trunk routes {number}")
        skipped: list[tuple[str, str]] = []
        first_block = None
        for t in cands:
            if t.name in tried:
                skipped.append((t.name, "already tried"))
                continue
            verdict = self.policy.check(number, t.country)
            if not verdict.allowed:
                skipped.append((t.name, verdict.reason))
                first_block = first_block or verdict
                continue
            if legs.active(t.name) >= t.max_legs:
                skipped.append((t.name, f"at its leg limit ({legs.active(t.name)}/{t.max_legs})"))
                continue
            return RouteDecision(
                True,
                number,
                "routed",
                f"trunk {t.name}: {verdict.reason}",
                trunk=t.name,
                dial_string=f"sofia/gateway/{t.name}/{t.dial_number(number)}",
                skipped=tuple(skipped),
            )
        why_not = tuple(skipped)
        if any("leg limit" in why for _, why in skipped):
            return RouteDecision(
                False,
                number,
                "all_at_limit",
                "every usable trunk for it is at its leg limit",
                skipped=why_not,
            )
        if first_block is not None and not any(why == "already tried" for _, why in skipped):
            return RouteDecision(
                False, number, first_block.code, first_block.reason, skipped=why_not
            )
        return RouteDecision(
            False,
            number,
            "exhausted",
            f"every usable trunk for {number} has been tried",
            skipped=why_not,
        )

    def after_failure(
        self, number: str, cause: str, legs: TrunkLegs, tried: Collection[str]
    ) -> RouteDecision:
        """The attempt on the last of `tried` failed with `cause`: try the next trunk or stop."""
        if cause not in self.policy.failover_causes:
            return RouteDecision(
                False,
                number,
                "no_failover",
                f"{cause} is the callee's answer, not a trunk failure: no other trunk is tried",
            )
        return self.route(number, legs, tried)
