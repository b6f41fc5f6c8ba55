"""What a flow sees of a customer: the `context` step with a `customer:` key loads the customer
and their recent journey into `context`, so a flow can branch on them:

```yaml
identify:
  kind: context
  action: read
  key: "customer:{{ caller.id }}"
  next: route
route:
  kind: branch
  conditions:
    - when: "context.customer and context.customer.fields.tier == 'vip'"
      goto: vip_queue
    - when: "context.last and context.last.intent == 'billing' and context.last.age_s < 7200"
      goto: ask_about_billing_chat
  default: menu
```
"""

from __future__ import annotations

from typing import Any

from calldesk.customers.identity import Identity, IdentityError, guess, identity
from calldesk.customers.journey import Journeys, one_line
from calldesk.customers.service import CustomerService

PREFIX = "customer:"
RECENT = 3


def parse(term: str, country: str) -> Identity | None:
    """`+1555…`, `ann@x.org`, or `kind:value` (account:A1, chat:token)."""
    found = guess(term, country)
    if found is not None:
        return found
    kind, sep, value = term.partition(":")
    if sep:
        try:
            return identity(kind, value, country=country)
        except IdentityError:
            return None
    return None


def customer_view(service: CustomerService, term: str, now: float) -> dict[str, Any]:
    """{} for an unknown caller; else customer, verified, last (with age_s), recent lines."""
    ident = parse(term, service.settings.country)
    found = service.customers.by_identity(ident) if ident else []
    if not found:
        return {}
    record = service.customers.get(found[0])
    if record is None:
        return {}
    recent = Journeys(service.customers).timeline(record["id"], limit=RECENT)
    view: dict[str, Any] = {
        "customer": {"id": record["id"], "name": record["name"], "fields": record["fields"]},
        "verified": any(i["verified"] for i in record["identities"]),
        "recent": [one_line(s) for s in recent],
        "last": None,
    }
    if recent:
        s = recent[0]
        view["last"] = {
            k: s[k]
            for k in (
                "interaction",
                "medium",
                "intent",
                "queue",
                "agent",
                "outcome",
                "disposition",
                "language",
            )
        }
        view["last"]["at"] = s["start"]
        view["last"]["age_s"] = now - (s["start"] or now)
    return view
