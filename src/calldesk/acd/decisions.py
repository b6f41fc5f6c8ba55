"""Outputs of the ACD core: what a dispatcher must do, each with a short why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Why:
    """Why a routing decision was taken: queue, rule, candidates considered, agent chosen and reason."""

    queue: str
    rule: str
    considered: tuple[str, ...] = ()  # the candidates' ids, sorted (the first 16 of many)
    chosen: str | None = None
    reason: str = ""
    candidates: int | None = None  # how many were considered (None: len(considered))
    context: tuple[str, ...] = ()  # routing-by-context rules that applied (calldesk.acd.context)

    def __str__(self) -> str:
        n = len(self.considered) if self.candidates is None else self.candidates
        shown = ",".join(self.considered[:8]) + ("..." if n > 8 else "")
        ctx = f" context=[{'; '.join(self.context)}]" if self.context else ""
        return (
            f"queue={self.queue} rule={self.rule} considered=[{shown}] "
            f"chosen={self.chosen} reason={self.reason}{ctx}"
        )


@dataclass(frozen=True)
class Offer:
    """Reserve `agent` for `interaction` until `lease_until`; the dispatcher rings `contact`."""

    id: str
    agent: str
    contact: str
    interaction: str
    medium: str
    queue: str
    lease_until: float
    caller_id_name: str
    caller_id_number: str
    callback_number: str | None
    why: Why


@dataclass(frozen=True)
class Cancel:
    """Withdraw an offer (stop ringing, hang up the agent leg if it answered)."""

    offer: str
    agent: str
    interaction: str
    reason: str


@dataclass(frozen=True)
class DialCallback:
    """The agent is reserved and connected: now dial the customer back."""

    offer: str
    agent: str
    interaction: str
    number: str
    attempt: int


@dataclass(frozen=True)
class Announce:
    interaction: str
    position: int
    expected_wait_s: float


@dataclass(frozen=True)
class Overflow:
    """The interaction leaves its queue (or becomes a callback). kind: voicemail, callback, flow, exit."""

    interaction: str
    kind: str
    target: str
    why: Why


@dataclass(frozen=True)
class Ignored:
    """An event that no longer applied (a late answer, an unknown id); nothing was changed."""

    event: Any
    reason: str


Decision = Offer | Cancel | DialCallback | Announce | Overflow | Ignored


class JournalRecord(NamedTuple):
    """One append-only journal entry: statistics and reports are folds over these."""

    at: float
    kind: str
    subject: str
    data: dict[str, Any]
