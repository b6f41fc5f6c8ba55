"""Customer operations, ready for the CLI and the HTTP API: resolve an interaction, upsert from a
CRM record, find, merge and unmerge. Each call takes the time (`at`) and, where it changes
something on a person's behalf, the acting user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.customers import merge as merging
from calldesk.customers.identity import Identity, IdentityError, guess, identity
from calldesk.customers.resolve import Resolution, resolve, resolve_for
from calldesk.customers.settings import Settings
from calldesk.customers.store import CustomerError, CustomerStore
from calldesk.store import Store, transaction


@dataclass
class Attached:
    customer: str
    created: bool
    resolution: Resolution


class CustomerService:
    def __init__(self, store: Store, settings: Settings | None = None) -> None:
        self.store = store
        self.settings = settings or Settings()
        self.customers = CustomerStore(store)

    # --- identity resolution ---------------------------------------------------------------
    def identity(self, kind: str, raw: Any, verified: bool = False) -> Identity:
        return identity(kind, raw, verified, self.settings.country)

    def apply(
        self,
        res: Resolution,
        at: float,
        source: str,
        name: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> tuple[str, bool]:
        """Carry out a resolution: create or pick the target, link and verify, merge. The
        target's own identities go in before the merges, so an unmerge leaves them; one held
        verified by a customer about to be merged goes in after (it arrives with the merge)."""
        cs = self.customers
        created = res.target is None
        target = res.target or cs.create(at, name, dict(fields or {}))
        later = []
        for ident in [*res.link, *res.verify]:
            try:
                cs.add_identity(target, ident, source, at)
            except CustomerError:
                later.append(ident)
        for m in res.merges:
            merging.merge(cs, target, m.absorbed, m.identity.label(), f"resolver:{source}", at)
        for ident in later:
            cs.add_identity(target, ident, source, at)
        if not created and (name or fields):
            cs.update(target, at, name, dict(fields or {}))
        return target, created

    def attach_interaction(
        self, interaction: str, medium: str, idents: Iterable[Identity], at: float
    ) -> Attached | None:
        """Attach an interaction to its customer (made if needed). None without identities."""
        idents = list(idents)
        if not idents:
            return None
        res = resolve(idents, self.customers.holders(idents))
        if res.merges:  # a merge runs its own transaction
            done, row = self._attach(interaction, medium, idents, at, res)
            self.store.journal.append(*row)
            return done
        journal = self.store.journal
        with transaction(self.store.db.conn, defer=True):  # group commit: see store.tx
            done, row = self._attach(interaction, medium, idents, at, res)
            written = journal.write_many([row])
        journal.publish(written)  # once committed: subscribers never run inside it
        return done

    def _attach(
        self, interaction: str, medium: str, idents: list[Identity], at: float, res: Resolution
    ) -> tuple[Attached, tuple[str, str, dict[str, Any], float]]:
        cs = self.customers
        target, created = self.apply(res, at, f"{medium}:{interaction}")
        cs.attach(interaction, target, medium, at, res.attached_by or max(idents, key=_rank))
        row = (
            "customer.attached",
            interaction,
            {
                "customer": target,
                "created": created,
                "medium": medium,
                "by": res.attached_by.kind if res.attached_by else None,
                "verified": bool(res.attached_by and res.attached_by.verified),
                "merges": [m.absorbed for m in res.merges],
                "why": _redact_why(res.why),
            },
            at,
        )
        return Attached(target, created, res), row

    # --- CRM records (import and API) ------------------------------------------------------
    def upsert(self, record: Mapping[str, Any], at: float, source: str = "api") -> tuple[str, bool]:
        """`record`: {id?, name?, fields?, identities: [{kind, value, verified}]}; returns
        (customer id, created). Identities resolve like an interaction's; a given id wins."""
        idents = [
            self.identity(i["kind"], i["value"], bool(i.get("verified")))
            for i in record.get("identities") or []
        ]
        name, fields = record.get("name"), dict(record.get("fields") or {})
        cid = record.get("id")
        cs = self.customers
        if cid:
            cid = str(cid)
            known = cs.live(cid)
            created = known is None
            live = cs.create(at, name, fields, customer=cid) if known is None else known
            res = resolve_for(live, idents, cs.holders(idents))
            self.apply(res, at, source, None if created else name, None if created else fields)
            return live, created
        if not idents:
            raise CustomerError("record: needs an id or at least one identity")
        return self.apply(resolve(idents, cs.holders(idents)), at, source, name, fields)

    # --- finding ---------------------------------------------------------------------------
    def find(self, term: str, limit: int = 20) -> list[str]:
        """Customers a term names: an id, an exact identity, an identity prefix, a name."""
        term = term.strip()
        if not term:
            return []
        cs = self.customers
        if cs.get(term) is not None:
            return [cs.live(term) or term]
        out: list[str] = []
        ident = guess(term, self.settings.country)
        if ident is not None:
            out += cs.by_identity(ident) or cs.search_prefix(ident.kind, ident.value, limit)
        if not out and ":" in term:  # kind:value, e.g. account:A123 or chat:tok
            kind, _, value = term.partition(":")
            try:
                out += cs.by_identity(self.identity(kind, value))
            except IdentityError:
                pass
        if not out:
            digits = term.lstrip("+")
            if digits.isdigit():
                out += cs.search_prefix("phone", "+" + digits, limit)
            elif "@" not in term:
                out += cs.search_prefix("account", term.upper(), limit)
            out += cs.search_prefix("email", term.lower(), limit)
        if not out:
            out += cs.search_text(term, limit)
        live = [cs.live(c) for c in dict.fromkeys(out)]
        return [c for c in dict.fromkeys(live) if c][:limit]

    def one(self, term: str) -> str:
        found = self.find(term, limit=2)
        if not found:
            raise CustomerError(f"{term}: no customer found")
        if len(found) > 1:
            raise CustomerError(f"{term}: names several customers ({', '.join(found)}); use an id")
        return found[0]

    # --- merges ----------------------------------------------------------------------------
    def merge(
        self, survivor: str, absorbed: str, actor: str, at: float, why: str = "manual"
    ) -> int:
        return merging.merge(self.customers, survivor, absorbed, why, actor, at)

    def unmerge(self, merge_id: int, actor: str, at: float) -> dict[str, Any]:
        return merging.unmerge(self.customers, merge_id, actor, at)


def _rank(i: Identity) -> tuple[int, int]:
    return i.rank()


def _redact_why(why: list[str]) -> list[str]:
    """The journal keeps the rule, not the identity values (they are PII)."""
    return [w.split(":", 1)[0] for w in why]
