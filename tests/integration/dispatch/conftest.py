"""Fixtures for the dispatcher's wire tests (helpers in `helpers.py`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tests.integration.dispatch.helpers import PASSWORD, SCALE, Desk

from calldesk.acd import AgentConfig, QueueConfig
from calldesk.sim import SimSwitch


@pytest.fixture
def sim(tmp_path) -> Iterator[SimSwitch]:
    switch = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path).start()
    yield switch
    switch.stop()


@pytest.fixture
def store_path(tmp_path) -> str:
    return str(tmp_path / "calldesk.sqlite")


@pytest.fixture
def desk_factory(sim, store_path) -> Iterator[Callable[..., Desk]]:
    made: list[Desk] = []

    def make(agents: list[AgentConfig], queues: list[QueueConfig] | None = None, **kw: Any) -> Desk:
        d = Desk(sim, store_path, agents, queues or [QueueConfig("sales", wrap_up_s=2)], **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        try:
            d.stop()
        except Exception:
            pass
