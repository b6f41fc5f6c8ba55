"""Shared pytest setup: live FreeSWITCH tests run only when CALLDESK_ESL_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# argon2id at the lowest cost it allows (tests/browser/stack.py uses it too)
CHEAP_ARGON2 = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


# The files whose single tests run longest (30 to 65 s each on a quiet box). In a pytest-xdist
# worker (README: `pytest -n 2 --dist worksteal`) they go first, so that no worker is left
# running one of them alone at the end; every worker sorts the same way (xdist requires it).
LONG_FIRST = (
    "tests/integration/e2e/test_restart_chaos.py",
    "tests/integration/test_live_suite_on_sim.py",
    "tests/integration/dialer/test_serve_campaigns.py",
    "tests/integration/e2e/test_inbound_path.py",
    "tests/integration/bench/test_benches_small.py",
    "tests/integration/dialer/test_compliance_month.py",
    "tests/integration/e2e/test_restart_serve.py",
)


def _long_first(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_long_first)  # stable: the order within each group is kept
    if os.environ.get("CALLDESK_ESL_URL"):
        return
    skip = pytest.mark.skip(reason="live_freeswitch: set CALLDESK_ESL_URL to run")
    for item in items:
        if "live_freeswitch" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Test logins hash with argon2id at its lowest cost: the same code path (hash, verify,
    the dummy hash for unknown users) without 0.2 s of CPU per hash blocking the hub, hundreds
    of times a run. The product's own cost is asserted in tests/unit/test_password_cost.py."""
    from argon2 import PasswordHasher

    from calldesk.web import credentials

    cheap = PasswordHasher(**CHEAP_ARGON2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(credentials, "_HASHER", cheap)
        mp.setattr(credentials, "_DUMMY", cheap.hash("calldesk-no-such-user"))
        yield


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _routing_index_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision the ACD takes from its eligible-agent index (calldesk.acd.eligible) is
    checked against the full walk over the open agents it replaces, in every test."""
    from calldesk.acd.router import Router

    monkeypatch.setattr(Router, "verify", True)
