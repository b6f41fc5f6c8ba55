"""Attach interactions to customers as they arrive, from the journal.

`identities_of` (pure) reads what the medium and the flow gave: the caller id of a voice
arrival is a phone number (unverified), a chat's is its visitor token, an email's its From
address, an SMS's its number; the flow's `identity_<name>` variables (with `verified_<name>`)
come from its last `ivr.*` entry. `Follower.on_entry` is a notifier subscriber;
`Follower.catch_up` does the same over the journal, so attachments are rebuildable.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from calldesk.customers.identity import Identity, IdentityError, from_flow, identity
from calldesk.customers.service import CustomerService
from calldesk.store.journal import Entry

log = logging.getLogger(__name__)

CALLER_KIND = {"voice": "phone", "sms": "phone", "chat": "chat", "email": "email"}


def identities_of(
    arrival: Entry, flow_entries: Iterable[Entry], country: str = "US"
) -> list[Identity]:
    out: list[Identity] = []
    medium = arrival.data.get("medium") or "voice"
    caller = arrival.data.get("customer")
    kind = CALLER_KIND.get(medium)
    if caller and kind:
        try:
            out.append(identity(kind, caller, False, country))
        except IdentityError:
            log.debug("%s: caller %r is not a %s identity", arrival.subject, caller, kind)
    variables: dict[str, Any] = {}
    for e in flow_entries:
        if e.kind.startswith("ivr.") and isinstance(e.data.get("variables"), dict):
            variables = e.data["variables"]
    out += from_flow(variables, country)
    return out


class Follower:
    def __init__(self, service: CustomerService) -> None:
        self.service = service
        self.journal = service.store.journal

    def on_entry(self, entry: Entry) -> None:
        if entry.kind == "interaction.arrived":
            self.attach(entry)

    def attach(self, arrival: Entry) -> str | None:
        cs = self.service.customers
        if cs.customer_of(arrival.subject) is not None:
            return None  # a requeue or a replay: attached already
        # The flow's identities are in its newest entry that carries its variables: decode that
        # one only (each entry holds the whole variable set).
        newest = self.journal.read(subject=arrival.subject, kind_prefix="ivr.", newest_first=True,
                                   settle=False)  # read in process: no commit of its own
        flow = next(([e] for e in newest if isinstance(e.data.get("variables"), dict)), [])
        idents = identities_of(arrival, flow, self.service.settings.country)
        medium = arrival.data.get("medium") or "voice"
        done = self.service.attach_interaction(arrival.subject, medium, idents, arrival.at)
        return done.customer if done else None

    def catch_up(self, after_id: int = 0) -> int:
        """Attach every arrival after `after_id` not attached yet; returns how many."""
        n = 0
        for e in list(self.journal.read(kind="interaction.arrived", after_id=after_id)):
            n += self.attach(e) is not None
        return n
