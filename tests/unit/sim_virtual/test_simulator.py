"""Simulator mechanics: determinism, figures, handle-time models, multi-queue scenarios."""

from __future__ import annotations

import random
import statistics

import pytest

from calldesk.sim.virtual.engine import simulate
from calldesk.sim.virtual.model import Traffic, single_queue
from calldesk.sim.virtual.scenario import scenario_from_dict


def test_same_seed_same_result_other_seed_other_result() -> None:
    a = simulate(single_queue(4, 60, 200, 90, 5, 20, 11)).total
    b = simulate(single_queue(4, 60, 200, 90, 5, 20, 11)).total
    c = simulate(single_queue(4, 60, 200, 90, 5, 20, 12)).total
    assert a == b and a != c


def test_figures_add_up() -> None:
    r = simulate(single_queue(3, 80, 150, 60, 10, 20, 3))
    f = r.total.figures(3, r.horizon_s)
    assert f["offered"] == f["answered"] + f["abandoned"] > 600
    assert 0 < f["service_level"] <= f["answered"] / f["offered"]
    assert f["longest_wait_s"] > 0 and 0 < f["occupancy"] <= 1.05


def test_no_agents_means_everyone_abandons() -> None:
    f = simulate(single_queue(0, 60, 200, 30, 2, 20, 1)).total
    assert f.offered > 0 and f.abandoned == f.offered and f.answered == 0


@pytest.mark.parametrize("model", ["exponential", "lognormal"])
def test_handle_time_models_keep_the_mean(model: str) -> None:
    t = Traffic("q", 100, 240, handle=model, handle_sigma=0.8)
    rng = random.Random(5)
    samples = [t.handle_time(rng) for _ in range(40000)]
    assert statistics.fmean(samples) == pytest.approx(240, rel=0.03)


SCENARIO = {
    "hours": 4,
    "sl_seconds": 30,
    "seed": 9,
    "acd": {
        "skills": ["sales", "fr"],
        "queues": [
            {"name": "sales", "skills": ["sales"]},
            {"name": "french", "skills": [{"name": "fr", "level": 3}], "priority": 1},
            {"name": "chat", "strategy": "fewest_calls"},
        ],
    },
    "agent_groups": [
        {"prefix": "s", "count": 6, "queues": ["sales"], "skills": {"sales": 3}},
        {"prefix": "f", "count": 3, "queues": ["sales", "french"], "skills": {"sales": 2, "fr": 4}},
        {"prefix": "c", "count": 2, "queues": ["chat"]},
    ],
    "traffic": [
        {"queue": "sales", "calls_per_hour": 90, "aht_s": 180, "patience_s": 120},
        {"queue": "french", "calls_per_hour": 30, "aht_s": 240, "patience_s": 90,
         "handle": "lognormal"},
        {"queue": "chat", "calls_per_hour": 60, "aht_s": 300, "medium": "chat"},
    ],
}  # fmt: skip


def test_scenario_with_several_queues_skills_and_media() -> None:
    sc = scenario_from_dict(SCENARIO)
    assert len(sc.agents) == 11 and sc.sl_seconds == 30
    r = simulate(sc)
    q = r.queues
    assert all(q[name].offered > 50 for name in ("sales", "french", "chat"))
    assert q["chat"].abandoned == 0  # no patience given: chats wait
    assert q["chat"].answered == q["chat"].offered
    # two chat agents with 3 chats each carry 5 erlangs of chat
    assert q["chat"].handle_s > 4 * 3600 * 2


def test_priority_on_shared_agents_helps_the_priority_queue() -> None:
    """The french agents also serve sales; giving french priority must raise its service level."""
    import copy

    results = {}
    for prio in (0, 5):
        data = copy.deepcopy(SCENARIO)
        data["acd"]["queues"][1]["priority"] = prio
        data["traffic"][0]["calls_per_hour"] = 170  # sales callers wait too
        q = simulate(scenario_from_dict(data)).queues["french"]
        results[prio] = q.answered_in_sl / q.offered
    assert results[5] > results[0] + 0.05
