"""What the engine asks of a medium adapter, and the engine's own inbox items.

An adapter carries the core's decisions out on its medium (voice: ESL; chat, SMS, email: their
transports) and reports results back by posting core events to the engine. It never touches the
core: it reads the engine's `view` (`calldesk.acd.view.AcdView`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from calldesk.acd import events as ev
from calldesk.acd.decisions import Decision
from calldesk.interactions import EnqueueRequest
from calldesk.telephony.legs import LegRef


@dataclass(frozen=True)
class Repair:
    """A mismatch between the core and the world: a short text, the core event that fixes it,
    and what the adapter must do on its medium (hang a leg up, bridge two). `at`: when the
    medium says it happened (a hangup the switch timed), if it says; else the engine dates it
    when it was found."""

    subject: str
    what: str
    event: Any = None
    data: dict[str, Any] = field(default_factory=dict)
    kill: LegRef | None = None
    bridge: tuple[LegRef, LegRef] | None = None
    at: float | None = None


@dataclass(frozen=True)
class ReconcileAbsent:
    """Inbox item: reconcile now, judging these addresses (legs) gone."""

    absent: frozenset[str]


class MediumAdapter(Protocol):
    def on_enqueue(self, request: EnqueueRequest) -> None:
        """Before the arrival reaches the core: learn where the customer is."""

    def owns(self, item: Any) -> bool:
        """Whether an inbox item (not a core event) is this adapter's own."""

    def resolve(self, item: Any) -> list[ev.Event]:
        """One of its own inbox items, resolved against the state as of now (everything posted
        before it has been fed to the core)."""

    def carry_out(self, events: Sequence[ev.Event], decisions: list[Decision]) -> None:
        """After each batch: act on the decisions and the accepted events. No I/O here and
        never yield: what talks to the medium runs in a greenlet of its own, which starts once
        the worker yields, after the step's commit has made the batch durable (write ahead)."""

    def recover(self, legs: Mapping[str, LegRef]) -> None:
        """After a restart: rebuild what the adapter knew from the persisted maps."""

    def ready(self) -> bool:
        """Whether the medium can be observed now (reconciliation waits for it)."""

    def reconcile(self, recovery: bool, absent: frozenset[str]) -> list[Repair]:
        """The core's view against the medium's reality."""

    def apply(self, repair: Repair) -> None:
        """Carry out a repair's medium side (no core events: the engine feeds those)."""

    def after_reconcile(self) -> None:
        """After a periodic reconcile (e.g. take a fresh look at the switches' legs)."""
