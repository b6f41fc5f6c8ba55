"""Context assembly for a screen pop: the customer, the verified flags, the context stored for
them and for this interaction, the current journey and the last three contacts, one line each.

`assemble` is what the dispatcher's pop (or the HTTP offer) calls with the interaction id and,
when the interaction is not attached yet, the identities the medium gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from calldesk.customers.contexts import SqliteContexts, identity_key, interaction_key
from calldesk.customers.identity import Identity
from calldesk.customers.journey import Journeys, one_line, outcomes
from calldesk.customers.service import CustomerService

LAST = 3


def assemble(
    service: CustomerService,
    contexts: SqliteContexts,
    interaction: str,
    identities: Iterable[Identity] = (),
    raw_keys: Iterable[str] = (),
) -> dict[str, Any]:
    cs = service.customers
    customer = cs.customer_of(interaction)
    idents = list(identities)
    if customer is None:
        for ident in sorted(idents, key=lambda i: i.rank(), reverse=True):
            found = cs.by_identity(ident)
            if found:
                customer = found[0]
                break
    keys = [interaction_key(interaction), *raw_keys, *(identity_key(i) for i in idents)]
    record = cs.get(customer) if customer else None
    if record is not None:
        keys += [f"{i['kind']}:{i['value']}" for i in record["identities"]]
    stored = contexts.read_many(list(dict.fromkeys(keys)))
    context: dict[str, Any] = {}
    for key in reversed(list(dict.fromkeys(keys))):  # the interaction's own context wins
        context.update(stored.get(key, {}))
    pop: dict[str, Any] = {
        "interaction": interaction,
        "customer": None,
        "verified": False,
        "context": context,
        "journey": None,
        "last_contacts": [],
    }
    if record is None:
        return pop
    pop["customer"] = {
        "id": record["id"],
        "name": record["name"],
        "fields": record["fields"],
        "identities": [
            {"kind": i["kind"], "value": i["value"], "verified": i["verified"]}
            for i in record["identities"]
        ],
    }
    pop["verified"] = any(i["verified"] for i in record["identities"])
    journeys = Journeys(cs)
    recent = journeys.timeline(record["id"], limit=LAST + 1)
    past = [c for c in recent if c["interaction"] != interaction][:LAST]
    pop["last_contacts"] = [one_line(c) for c in past]
    current = next((c for c in recent if c["interaction"] == interaction), None)
    contacts = [*past, *([current] if current else [])]
    journeys_now = outcomes(
        contacts, service.settings.fcr_window_s, service.settings.resolved_dispositions
    )
    if journeys_now:
        mine = [j for j in journeys_now if interaction in j["interactions"]]
        pop["journey"] = (mine or journeys_now)[-1]
    return pop
