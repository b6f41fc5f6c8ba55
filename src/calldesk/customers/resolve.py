"""Identity resolution, a pure core: which customer an interaction belongs to, and what changes.

The rules (each tested in tests/unit/customers/test_resolve.py):

1. **Attach** — an interaction attaches to the customer that its strongest identity names.
   Strength: verified in this interaction, then held verified by the customer, then the kind
   (account > flow key > email > chat token > phone). An identity held only unverified by
   several customers (a shared office line) names the one seen most recently. When the
   interaction carries a verified identity, only verified identities choose: a caller ID never
   puts a verified account on somebody else's record.
2. **Create** — when no (choosing) identity names anybody, a new customer is made with all.
3. **Link / verify** — identities the customer does not hold yet are added with the flag they
   arrived with; a verified one upgrades the customer's unverified copy.
4. **Merge only on a verified identity** — a customer is merged into the target only when an
   identity that was *verified in this interaction* names it. An unverified identity (caller
   ID, a From address, something typed) never merges two customers; it is reported instead.
5. Every merge is carried out by the store with a journal entry and a record of what it moved,
   so `unmerge` can put it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from calldesk.customers.identity import Identity


@dataclass(frozen=True)
class Holder:
    """A customer holding an identity: verified or not, and when it last came with it."""

    customer: str
    verified: bool
    last_at: float = 0.0


@dataclass(frozen=True)
class Merge:
    absorbed: str
    identity: Identity
    reason: str


@dataclass
class Resolution:
    target: str | None  # None with create=True: a new customer
    create: bool
    attached_by: Identity | None
    link: list[Identity] = field(default_factory=list)
    verify: list[Identity] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    why: list[str] = field(default_factory=list)


def dedupe(presented: Iterable[Identity]) -> list[Identity]:
    """One entry per (kind, value); verified wins."""
    best: dict[tuple[str, str], Identity] = {}
    for ident in presented:
        old = best.get(ident.key)
        if old is None or (ident.verified and not old.verified):
            best[ident.key] = ident
    return sorted(best.values(), key=lambda i: (i.rank(), i.key), reverse=True)


def named_by(holders: Sequence[Holder]) -> Holder | None:
    """The customer an identity names: its verified holder, else the most recent holder."""
    if not holders:
        return None
    verified = [h for h in holders if h.verified]
    if verified:
        return verified[0]
    return max(holders, key=lambda h: (h.last_at, h.customer))


def resolve(
    presented: Iterable[Identity],
    holders: Mapping[tuple[str, str], Sequence[Holder]],
) -> Resolution:
    """Decide; the caller looked `holders` up for every presented identity (live customers)."""
    idents = dedupe(presented)
    best: tuple[tuple[int, int, int], Identity, Holder] | None = None
    choosing = [i for i in idents if i.verified] or idents
    for ident in choosing:
        h = named_by(holders.get(ident.key, ()))
        if h is None:
            continue
        score = (int(ident.verified), int(h.verified), ident.rank()[1])
        if best is None or score > best[0]:
            best = (score, ident, h)
    if best is None:
        if not idents:
            return Resolution(None, False, None)
        res = Resolution(None, True, None, why=["no identity names a customer: a new customer"])
        return plan(res, idents, holders)
    _, by, holder = best
    res = Resolution(
        holder.customer, False, by, why=[f"attached to {holder.customer}: {by.label()} names it"]
    )
    return plan(res, idents, holders)


def resolve_for(
    target: str,
    presented: Iterable[Identity],
    holders: Mapping[tuple[str, str], Sequence[Holder]],
) -> Resolution:
    """The same rules 3-4 for a target already chosen (a CRM record with its own id)."""
    return plan(Resolution(target, False, None), dedupe(presented), holders)


def plan(
    res: Resolution, idents: list[Identity], holders: Mapping[tuple[str, str], Sequence[Holder]]
) -> Resolution:
    target = res.target  # None: the customer about to be created
    merged: set[str] = set()
    for ident in idents:
        held = holders.get(ident.key, ())
        own = next((h for h in held if h.customer == target), None)
        if own is None:
            res.link.append(ident)
        elif ident.verified and not own.verified:
            res.verify.append(ident)
        for h in held:
            if h.customer == target or h.customer in merged:
                continue
            if ident.verified:
                merged.add(h.customer)
                reason = f"{ident.label()} verified in this interaction is held by {h.customer}"
                res.merges.append(Merge(h.customer, ident, reason))
                res.why.append(f"merge {h.customer} into {target}: {reason}")
            else:
                res.why.append(
                    f"not merged with {h.customer}: {ident.label()} is unverified "
                    "(caller ID or typed) and never merges customers"
                )
    return res
