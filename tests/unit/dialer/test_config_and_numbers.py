"""Campaigns from calldesk.yaml (refusals by key), numbers, time zones and calling windows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from calldesk.dialer.config import parse_campaigns, parse_windows
from calldesk.dialer.numbers import check_window, normalize, timezones
from calldesk.errors import ConfigError

DIDS = {"main": {"+15551230000", "+12125550199"}, "uk": {"+442079460123"}}
FLOWS = {"safe_harbour", "broadcast"}


def _camp(**kw: object) -> dict:
    c = {"name": "renewals", "mode": "predictive", "lists": ["spring"], "queue": "sales",
         "caller_id": "+12125550199", "safe_harbour_flow": "safe_harbour",
         "windows": [{"days": "mon-fri", "start": "09:00", "end": "20:00"}]}  # fmt: skip
    c.update(kw)
    return c


def _parse(*camps: dict) -> tuple:
    return parse_campaigns(list(camps), trunk_dids=DIDS, known_flows=FLOWS, source="c.yaml")


def test_a_valid_campaign_and_its_defaults() -> None:
    (c,) = _parse(_camp(retry={"busy": "10m", "no_answer": "2h", "machine": 600}))
    assert c.abandon_cap == 0.03 and c.ring_s == 25 and c.max_attempts == 3 and not c.amd
    assert c.retry == {"busy": 600.0, "no_answer": 7200.0, "machine": 600.0}
    assert c.windows[0].text() == "mon,tue,wed,thu,fri 09:00-20:00"


@pytest.mark.parametrize(
    ("kw", "key", "reason"),
    [
        ({"caller_id": "5559990000"}, "campaigns[0].caller_id", "valid E.164"),
        ({"caller_id": "+442079460123", "trunk": "main"}, "campaigns[0].caller_id", "trunk 'main'"),
        ({"caller_id": "+13125550100"}, "campaigns[0].caller_id", "not a number any trunk"),
        ({"trunk": "nope"}, "campaigns[0].trunk", "unknown trunk"),
        ({"ring_s": 10}, "campaigns[0].ring_s", "at least 15"),
        ({"abandon_cap": 0.05}, "campaigns[0].abandon_cap", "<= 0.03"),
        ({"safe_harbour_flow": "nope"}, "campaigns[0].safe_harbour_flow", "unknown flow"),
        ({"safe_harbour_flow": ""}, "campaigns[0].safe_harbour_flow", "required"),
        ({"mode": "notification", "flow": ""}, "campaigns[0].flow", "required"),
        ({"mode": "turbo"}, "campaigns[0].mode", "expected one of"),
        ({"windows": []}, "campaigns[0].windows", "non-empty"),
        ({"windows": [{"days": "mon", "start": "9am", "end": "20:00"}]},
         "campaigns[0].windows[0].start", "HH:MM"),
        ({"windows": [{"days": "mon", "start": "20:00", "end": "09:00"}]},
         "campaigns[0].windows[0].end", "after start"),
        ({"windows": [{"days": "moon", "start": "09:00", "end": "10:00"}]},
         "campaigns[0].windows[0].days", "days"),
        ({"retry": {"angry": 5}}, "campaigns[0].retry.angry", "expected one of"),
        ({"retry": {"busy": "soon"}}, "campaigns[0].retry.busy", "duration"),
        ({"max_attempts": 0}, "campaigns[0].max_attempts", ">= 1"),
        ({"amd": "yes"}, "campaigns[0].amd", "true or false"),
        ({"default_timezone": "Mars/Base"}, "campaigns[0].default_timezone", "unknown time zone"),
        ({"colour": "red"}, "campaigns[0].colour", "unknown key"),
        ({"queue": ""}, "campaigns[0].queue", "needs a queue"),
    ],
)  # fmt: skip
def test_bad_campaigns_are_refused_with_key_and_reason(kw: dict, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as e:
        _parse(_camp(**kw))
    assert e.value.key_path == key and reason in e.value.reason and e.value.source == "c.yaml"


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"campaigns\[1\].name: duplicate"):
        _parse(_camp(), _camp())


def test_the_top_level_schema_accepts_campaigns(tmp_path) -> None:  # noqa: ANN001
    from calldesk.config import load_config

    f = tmp_path / "calldesk.yaml"
    f.write_text("campaigns:\n  - {name: x}\n")
    assert load_config(str(f))["campaigns"] == [{"name": "x"}]
    f.write_text("campaigns: {name: x}\n")
    with pytest.raises(ConfigError, match="campaigns"):
        load_config(str(f))


def test_numbers_become_e164_or_are_refused_with_a_reason() -> None:
    assert normalize("(212) 555-0199") == "+12125550199"
    assert normalize("020 7946 0123", "GB") == "+442079460123"
    for bad, why in (("", "empty"), ("hello", "cannot parse"), ("+1 555", "not a valid")):
        with pytest.raises(ValueError, match=why):
            normalize(bad)


def test_time_zones_from_the_number_or_the_contact() -> None:
    assert timezones("+12125550199") == ("America/New_York",)
    assert timezones("+14155550134") == ("America/Los_Angeles",)
    assert timezones("+12125550199", override="Europe/Paris") == ("Europe/Paris",)


def _at(text: str, zone: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp()


def test_windows_are_checked_in_the_callee_local_time() -> None:
    w = parse_windows([{"days": "mon-fri", "start": "09:00", "end": "20:00"}], "w")
    at = _at("2026-12-07T10:30", "America/New_York")  # a Monday, 07:30 in California
    ny = check_window("+12125550199", at, w)
    la = check_window("+14155550134", at, w)
    assert (
        ny.allowed
        and ny.window.endswith("09:00-20:00")
        and ny.local_time.startswith("2026-12-07T10:30")
    )
    assert not la.allowed and la.window == ""
    assert check_window("+14155550134", at, w, override="America/New_York").allowed
    saturday = _at("2026-12-05T12:00", "America/New_York")
    assert not check_window("+12125550199", saturday, w).allowed


def test_cli_campaigns_check_and_list(tmp_path) -> None:  # noqa: ANN001
    import json

    from click.testing import CliRunner

    from calldesk.cli.main import cli

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "safe_harbour.yaml").write_text(
        "flow: safe_harbour\nentry: msg\nsteps:\n  msg: {kind: play, prompt: 'Sorry, we will call back.', next: bye}\n"
        "  bye: {kind: hangup}\n"
    )
    cfg = tmp_path / "calldesk.yaml"
    base = (
        f"flows: {{dir: {flows}}}\n"
        "trunks:\n  - {name: main, gateway: {proxy: 198.51.100.20, auth: ip}, max_legs: 5,\n"
        "     acl: [198.51.100.20], dids: [{number: '+15551230000', flow: safe_harbour}]}\n"
        "campaigns:\n  - {name: spring, lists: [l], queue: q, caller_id: '+15551230000',\n"
        "     safe_harbour_flow: safe_harbour, windows: [{days: mon-fri, start: '09:00', end: '20:00'}]"
    )
    cfg.write_text(base + "}\n")
    run = CliRunner().invoke
    r = run(cli, ["-c", str(cfg), "campaigns", "check"])
    assert r.exit_code == 0 and "1 campaign(s) valid: spring" in r.output, r.output
    listed = json.loads(run(cli, ["-c", str(cfg), "campaigns", "list"]).output)
    assert listed["windows"] == ["mon,tue,wed,thu,fri 09:00-20:00"]
    cfg.write_text(base + ", ring_s: 5}\n")
    r = run(cli, ["-c", str(cfg), "campaigns", "check"])
    assert r.exit_code == 1 and "campaigns[0].ring_s: must be at least 15 s" in r.output
    assert "Traceback" not in r.output
