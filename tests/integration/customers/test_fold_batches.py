"""The report's fold gives the same facts whatever its batch size and however it is caught up:
an interaction whose entries straddle two batches keeps its answer, talk and wrap-up, and a
repeat contact marks the previous one (first-contact resolution) across batches."""

from __future__ import annotations

from tests.integration.customers.journal_helpers import interaction

from calldesk.customers.service import CustomerService
from calldesk.reports.source import Facts
from calldesk.store import Store

T0 = 1_764_547_200.0


def _journal(store: Store) -> None:
    svc = CustomerService(store)
    for n, (caller, queue, at) in enumerate(
        [
            ("+12025550101", "billing", T0),
            ("+12025550102", "sales", T0 + 600),
            ("+12025550101", "billing", T0 + 3600),  # a repeat of the first within 72 h
            ("+12025550103", "billing", T0 + 7200),
            ("+12025550101", "sales", T0 + 9000),
            ("+12025550101", "billing", T0 + 5 * 86400),  # too late to be a repeat
        ]
    ):
        iid = f"call-{n}"
        interaction(store, iid, at, caller=caller, queue=queue, agent=None if n == 3 else "a1")
        svc.attach_interaction(iid, "voice", [svc.identity("phone", caller)], at)


def _facts(store: Store) -> list[tuple]:
    """The facts, the customer's random id replaced by its order of appearance."""
    rows = sorted(Facts(store).between(T0 - 10, T0 + 10 * 86400))
    names: dict[str, str] = {}
    for r in rows:
        names.setdefault(r[4], f"customer-{len(names)}")
    return [(*r[:4], names[r[4]], *r[5:]) for r in rows]


def test_the_same_facts_whatever_the_batches(tmp_path) -> None:
    whole = Store.open(tmp_path / "whole.sqlite")
    _journal(whole)
    Facts(whole).catch_up(batch=100_000)
    expected = _facts(whole)
    assert [f[0] for f in expected if f[-1]] == ["call-0"]  # `repeated`: only the first
    assert all(f[7] for f in expected if f[0] != "call-3")  # answered, in every batching
    assert sum(f[12] for f in expected) == 5 * 20.0  # every wrap-up found its interaction

    for batch in (1, 2, 3, 5, 7):
        s = Store.open(tmp_path / f"b{batch}.sqlite")
        _journal(s)
        Facts(s).catch_up(batch=batch)
        assert _facts(s) == expected, batch
        Facts(s).rebuild()
        assert _facts(s) == expected, batch
        s.close()

    # caught up along the way (a report now and then), in small batches
    s = Store.open(tmp_path / "along.sqlite")
    svc = CustomerService(s)
    calls = [
        ("+12025550101", "billing", T0),
        ("+12025550102", "sales", T0 + 600),
        ("+12025550101", "billing", T0 + 3600),
        ("+12025550103", "billing", T0 + 7200),
        ("+12025550101", "sales", T0 + 9000),
        ("+12025550101", "billing", T0 + 5 * 86400),
    ]
    for n, (caller, queue, at) in enumerate(calls):
        iid = f"call-{n}"
        interaction(s, iid, at, caller=caller, queue=queue, agent=None if n == 3 else "a1")
        svc.attach_interaction(iid, "voice", [svc.identity("phone", caller)], at)
        Facts(s).catch_up(batch=4)
    assert _facts(s) == expected
    s.close()
    whole.close()
