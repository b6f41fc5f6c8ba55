"""The outbound simulator runs the same pacing core; its report carries the yardsticks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.sim.virtual.erlang import erlang_b, erlang_b_floor_occupancy, erlang_b_load
from calldesk.sim.virtual.outbound import simulate_outbound
from calldesk.sim.virtual.outbound_model import OutboundScenario
from calldesk.sim.virtual.outbound_report import figures, run


def test_erlang_b_floor_matches_the_issue_figures() -> None:
    assert erlang_b_floor_occupancy(20, 0.03) == pytest.approx(0.68, abs=0.005)
    assert erlang_b_floor_occupancy(100, 0.03) == pytest.approx(0.88, abs=0.005)
    load = erlang_b_load(20, 0.03)
    assert erlang_b(20, load) == pytest.approx(0.03, rel=1e-6)


def test_predictive_beats_the_floor_by_five_points_under_the_cap_at_20_agents() -> None:
    out = run(OutboundScenario(agents=20, hours=4, days=2, seed=11))
    assert out["occupancy"] >= out["erlang_b_floor_occupancy"] + 0.05
    assert out["abandon_rate"] <= 0.03 and out["max_day_abandon_rate"] <= 0.03
    assert out["occupancy"] > out["baseline_occupancy"] > out["progressive_occupancy"]
    assert out["baseline_abandon_rate"] <= 0.03
    assert out["contacts_per_agent_hour"] > out["progressive_contacts_per_agent_hour"]
    assert out["elapsed_s"] > 0 and out["calls_per_s"] > 0
    d = out["sample_decisions"][0]
    assert d["mode"] == "predictive" and "theta" in d and "answer_rate" in d


def test_progressive_never_abandons_and_never_keeps_an_answer_waiting() -> None:
    f = figures(simulate_outbound(OutboundScenario(agents=5, mode="progressive", hours=2)))
    assert f["abandoned"] == 0 and f["wait_for_agent_max_s"] == 0.0
    assert f["contacts"] > 0 and 0 < f["occupancy"] < 1


def test_power_mode_overdials_and_abandons() -> None:
    f = figures(simulate_outbound(OutboundScenario(agents=5, mode="power", ratio=4, hours=2)))
    assert f["abandoned"] > 0 and f["abandon_rate"] > 0.03  # a fixed ratio has no cap


def test_amd_catches_machines_and_its_false_positives_count_as_abandoned() -> None:
    sc = OutboundScenario(agents=10, hours=2, amd=True, amd_false_positive=0.01)
    f = figures(simulate_outbound(sc))
    assert f["machines_detected"] > 0.8 * f["machines"]
    assert f["amd_false_positives"] > 0
    assert f["abandoned"] >= f["amd_false_positives"]
    assert f["abandon_rate"] <= 0.03


def test_blending_serves_inbound_and_still_keeps_the_cap() -> None:
    f = figures(simulate_outbound(OutboundScenario(agents=10, hours=2, inbound_per_hour=60)))
    assert f["inbound"]["offered"] > 80
    assert f["inbound"]["answered"] >= 0.9 * f["inbound"]["offered"]
    assert f["abandon_rate"] <= 0.03


def test_same_seed_same_run() -> None:
    a = figures(simulate_outbound(OutboundScenario(agents=5, hours=1, seed=4)))
    b = figures(simulate_outbound(OutboundScenario(agents=5, hours=1, seed=4)))
    assert a == b


def test_list_size_bounds_the_attempts() -> None:
    f = figures(simulate_outbound(OutboundScenario(agents=5, hours=2, list_size=50)))
    assert f["attempts"] == 50


@pytest.mark.parametrize(
    ("kw", "key"),
    [
        ({"connect_rate": 0.9, "machine_rate": 0.2}, "exceed 1"),
        ({"ring_timeout_s": 10}, "ring_timeout_s"),
        ({"talk_dist": "uniform"}, "talk_dist"),
        ({"agents": 0}, "agents"),
        ({"wrap_s": -1}, "wrap_s"),
    ],
)
def test_bad_scenarios_are_refused_by_key(kw: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        OutboundScenario(**kw)


def test_cli_outbound_json_reports_the_yardsticks() -> None:
    r = CliRunner().invoke(
        cli, ["simulate", "--outbound", "--agents", "5", "--hours", "1", "--json"]
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    for key in ("occupancy", "abandon_rate", "erlang_b_floor_occupancy", "baseline_occupancy",
                "progressive_occupancy", "contacts_per_agent_hour", "wait_for_agent_s",
                "elapsed_s", "calls_per_s"):  # fmt: skip
        assert isinstance(out[key], float), key
    assert out["mode"] == "predictive" and out["inputs"]["connect_rate"] == 0.30


def test_cli_outbound_text_and_refusals() -> None:
    r = CliRunner().invoke(
        cli, ["simulate", "--outbound", "--mode", "progressive", "--agents", "3", "--hours", "1"]
    )
    assert r.exit_code == 0 and "Erlang-B floor" in r.output and "baseline" in r.output
    bad = CliRunner().invoke(
        cli, ["simulate", "--outbound", "--connect-rate", "0.9", "--machine-rate", "0.5"]
    )
    assert bad.exit_code != 0 and "exceed 1" in bad.output and "Traceback" not in bad.output


def test_cli_inbound_json_reports_elapsed_and_rate() -> None:
    r = CliRunner().invoke(cli, ["simulate", "--agents", "3", "--hours", "1", "--json"])
    out = json.loads(r.output)
    assert out["elapsed_s"] > 0 and out["calls_per_s"] > 0
