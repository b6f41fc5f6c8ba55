"""Shared pytest setup: live FreeSWITCH tests run only when CALLDESK_ESL_URL is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("CALLDESK_ESL_URL"):
        return
    skip = pytest.mark.skip(reason="live_freeswitch: set CALLDESK_ESL_URL to run")
    for item in items:
        if "live_freeswitch" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _routing_index_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every decision the ACD takes from its eligible-agent index (calldesk.acd.eligible) is
    checked against the full walk over the open agents it replaces, in every test."""
    from calldesk.acd.router import Router

    monkeypatch.setattr(Router, "verify", True)
