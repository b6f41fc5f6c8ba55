"""Scenario files and the `calldesk simulate` command."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.errors import ConfigError
from calldesk.sim.virtual.scenario import load_scenario, scenario_from_dict

from .test_simulator import SCENARIO


@pytest.mark.parametrize(
    ("mutate", "key_path"),
    [
        (lambda d: d["traffic"][0].update(queue="nowhere"), "traffic[0].queue"),
        (lambda d: d["traffic"][1].update(handle="weibull"), "traffic[1].handle"),
        (lambda d: d["traffic"][0].update(calls_per_hour="many"), "traffic[0].calls_per_hour"),
        (lambda d: d["traffic"][0].update(colour=1), "traffic[0].colour"),
        (lambda d: d.update(traffic=[]), "traffic"),
        (lambda d: d.update(hours=-1), "hours"),
        (lambda d: d["agent_groups"][0].update(count="six"), "agent_groups[0].count"),
        (lambda d: d["agent_groups"][0].update(queues=["nowhere"]), "acd.agents[0].queues[0]"),
        (lambda d: d["acd"]["queues"][1]["skills"][0].update(level=9), "acd.queues[1].skills[0].level"),
        (lambda d: d.update(speed=2), "speed"),
    ],
)  # fmt: skip
def test_scenario_refusals_name_the_key_path(mutate: Any, key_path: str) -> None:
    data = copy.deepcopy(SCENARIO)
    mutate(data)
    with pytest.raises(ConfigError) as e:
        scenario_from_dict(data, "s.yaml")
    assert e.value.key_path == key_path and e.value.source == "s.yaml"


def test_load_scenario_from_yaml(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(SCENARIO))
    assert len(load_scenario(p).queues) == 3
    p.write_text("traffic: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_scenario(p)


ARGS = ["simulate", "--agents", "6", "--calls-per-hour", "100", "--aht", "180",
        "--patience", "90", "--hours", "4", "--sl-seconds", "20", "--seed", "3"]  # fmt: skip


def test_json_output_has_the_documented_keys_and_is_deterministic() -> None:
    runner = CliRunner()
    first = runner.invoke(cli, [*ARGS, "--json"])
    assert first.exit_code == 0, first.output
    out = json.loads(first.output)
    keys = {
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "abandon_rate",
        "asa_s",
        "occupancy",
    }
    assert keys <= set(out)
    for model in ("erlang_a", "erlang_c"):
        assert {"service_level", "abandon_rate", "asa_s", "occupancy"} <= set(out[model])
    assert out["offered"] == out["answered"] + out["abandoned"]
    assert out["erlang_c"]["abandon_rate"] == 0 and out["erlang_a"]["abandon_rate"] > 0
    again = json.loads(runner.invoke(cli, [*ARGS, "--json"]).output)
    for timing in ("elapsed_s", "calls_per_s"):  # wall-clock figures (issue 11) differ per run
        assert again.pop(timing) > 0 and out.pop(timing) > 0
    assert again == out


def test_human_output_shows_simulation_beside_erlang() -> None:
    res = CliRunner().invoke(cli, ARGS)
    assert res.exit_code == 0, res.output
    for words in ("service level", "ASA", "abandon rate", "occupancy", "longest wait",
                  "Erlang A", "Erlang C", "calls/s"):  # fmt: skip
        assert words in res.output


def test_scenario_option(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(SCENARIO))
    res = CliRunner().invoke(cli, ["simulate", "--scenario", str(p), "--hours", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert set(out["queues"]) == {"sales", "french", "chat"} and out["inputs"]["hours"] == 1
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**SCENARIO, "traffic": [{"queue": "x", "calls_per_hour": 1}]}))
    res = CliRunner().invoke(cli, ["simulate", "--scenario", str(bad)])
    assert res.exit_code != 0 and "traffic[0].queue" in res.output


def test_the_shipped_example_scenario_runs() -> None:
    import calldesk.sim.virtual as pkg

    path = Path(pkg.__file__).parent / "example_scenario.yaml"
    res = CliRunner().invoke(cli, ["simulate", "--scenario", str(path), "--hours", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    chat = out["queues"]["chat"]
    # three chat agents holding up to 3 chats each: occupancy counts agents, not chats
    assert 0 < chat["occupancy"] <= 1.0 and 0 < out["occupancy"] <= 1.0
    assert "erlang_note" in out
