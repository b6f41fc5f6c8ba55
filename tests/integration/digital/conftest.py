"""Shared by the digital tests that run `serve` over real sockets."""

from __future__ import annotations

import pytest
from tests.integration.digital.served import start_served, stop_served


@pytest.fixture
def served(tmp_path, monkeypatch):
    from tests.integration.digital.served import TOKEN_ENV
    from tests.integration.digital.sms_provider import TOKEN

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    s = start_served(tmp_path)
    yield s
    stop_served(s)
