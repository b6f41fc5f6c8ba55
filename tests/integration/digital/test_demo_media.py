"""`calldesk demo --media voice,chat,sms,email`: one controller, one ACD, one journal; every
medium accounted for from the customers' side and from the journal, none lost."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from calldesk.cli.main import cli

ROOT = Path(__file__).resolve().parents[3]


def test_demo_accounts_for_every_medium_and_loses_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # the repository's calldesk.yaml and ivrflows/
    result = CliRunner().invoke(
        cli,
        [
            "demo",
            "--media",
            "voice,chat,sms,email",
            "--json",
            "--calls",
            "6",
            "--agents",
            "3",
            "--per-medium",
            "4",
            "--time-scale",
            "50",
            "--keep",
            str(tmp_path / "run"),
        ],
    )
    assert result.exit_code == 0, result.output
    # the JSON line (a note that the box fell behind the time scale may follow it)
    out = json.loads(next(x for x in reversed(result.output.splitlines()) if x.startswith("{")))
    media = out["media"]
    assert set(media) == {"voice", "chat", "sms", "email"}
    for name, f in media.items():
        assert f["lost"] == 0, (name, f)
        assert f["offered"] == f["answered"] + f["abandoned"], (name, f)
    assert media["voice"]["offered"] == 6
    for name in ("chat", "sms", "email"):
        assert media[name]["customers"] == 4 and media[name]["offered"] == 4
        assert media[name]["journal"] == {
            k: media[name][k] for k in ("offered", "answered", "abandoned")
        }


def test_demo_refuses_an_unknown_medium():
    result = CliRunner().invoke(cli, ["demo", "--media", "voice,fax", "--json"])
    assert result.exit_code == 2 and "--media" in result.output
