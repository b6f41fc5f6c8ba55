"""The demo's simulated agents behave like people at desks: one sent to not-ready for missed
offers (RONA) goes ready again after a while; one on a break stays on it."""

from __future__ import annotations

from pathlib import Path

import gevent
import pytest

from calldesk.config import load_config
from calldesk.demo.run import RONA_BACK_S, start_demo

ROOT = Path(__file__).parents[3]


@pytest.mark.timeout(60)
def test_demo_agent_comes_back_from_rona_but_not_from_a_break(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    run = start_demo(config, calls=0, agents=2, time_scale=50.0, seed=1, workdir=tmp_path)
    try:
        acd, (missed, resting) = run.controller.acd, [a.agent for a in run.agents]
        acd.not_ready(missed, reason="missed")
        acd.not_ready(resting, reason="break")
        agents = acd.acd.agents
        started = run.sim.clock.epoch()
        with gevent.Timeout(run.sim.clock.wall(RONA_BACK_S * 4) + 5):
            while agents[missed].state.value != "available":
                gevent.sleep(0.02)
        assert run.sim.clock.epoch() - started >= RONA_BACK_S
        assert (agents[resting].state.value, agents[resting].reason) == ("not_ready", "break")
    finally:
        run.stop()
