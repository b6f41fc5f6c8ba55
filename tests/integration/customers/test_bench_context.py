"""`calldesk bench context --json` at a tiny scale: it generates its data set, reports the figures
by name, and leaves nothing behind (no timing is asserted: the numbers are the benchmark's)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from calldesk.cli.main import cli


def test_bench_context_json_shape_and_cleanup(tmp_path):
    out = CliRunner().invoke(
        cli,
        [
            "bench",
            "context",
            "--customers",
            "300",
            "--events",
            "3000",
            "--day",
            "200",
            "--lookups",
            "20",
            "--rounds",
            "1",
            "--dir",
            str(tmp_path),
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    result = json.loads(out.output.strip().splitlines()[-1])
    assert result["customers"] == 300 and result["events"] > 2000
    assert result["report_day_interactions"] >= 200  # --day of them, plus any of the others
    assert result["screen_pop_p99_ms"] > 0 and result["report_day_s"] > 0
    assert list(tmp_path.iterdir()) == []  # the data set is not kept


def test_bench_context_refuses_nonsense():
    out = CliRunner().invoke(cli, ["bench", "context", "--customers", "0"])
    assert out.exit_code != 0 and "must be > 0" in out.output
