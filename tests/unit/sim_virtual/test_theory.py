"""The theory check: the simulator driving the real ACD core agrees with Erlang A (and C)."""

from __future__ import annotations

import statistics

from calldesk.sim.virtual.engine import simulate
from calldesk.sim.virtual.erlang import erlang_a, erlang_c
from calldesk.sim.virtual.model import single_queue


def _runs(agents: int, cph: float, aht: float, patience: float | None, seeds: range, hours: float):
    out = []
    for seed in seeds:
        r = simulate(single_queue(agents, cph, aht, patience, hours, 20, seed))
        out.append(r.total.figures(agents, r.horizon_s))
    return out


def _agrees(values: list[float], expected: float, floor: float) -> None:
    """Mean over seeds within four standard errors (estimated from the seeds themselves)."""
    mean = statistics.fmean(values)
    se = statistics.stdev(values) / len(values) ** 0.5
    assert abs(mean - expected) <= max(4 * se, floor), (mean, expected, se)


def test_mm_n_plus_m_matches_erlang_a_within_sampling_error() -> None:
    runs = _runs(5, 100, 180, 60, range(6), hours=40)  # 5 erlangs on 5 agents, impatient callers
    theory = erlang_a(5, 100, 180, 60, 20)
    _agrees([f["service_level"] for f in runs], theory.service_level, 0.005)
    _agrees([f["abandon_rate"] for f in runs], theory.abandon_rate, 0.005)
    _agrees([f["asa_s"] for f in runs], theory.asa_s or 0.0, 0.2)
    _agrees([f["occupancy"] for f in runs], theory.occupancy, 0.005)
    assert theory.abandon_rate > 0.15  # the check is not trivial: many callers abandon


def test_mm_n_with_patient_callers_matches_erlang_c() -> None:
    runs = _runs(5, 70, 180, None, range(6), hours=40)  # 3.5 erlangs on 5 agents
    theory = erlang_c(5, 70, 180, 20)
    assert all(f["abandoned"] == 0 for f in runs)
    _agrees([f["service_level"] for f in runs], theory.service_level, 0.005)
    _agrees([f["asa_s"] for f in runs], theory.asa_s or 0.0, 0.3)


def test_the_check_can_fail_a_wrong_prediction() -> None:
    runs = _runs(5, 100, 180, 60, range(6), hours=40)
    wrong = erlang_a(6, 100, 180, 60, 20)  # one agent more than simulated
    values = [f["service_level"] for f in runs]
    se = statistics.stdev(values) / len(values) ** 0.5
    assert abs(statistics.fmean(values) - wrong.service_level) > 4 * se
