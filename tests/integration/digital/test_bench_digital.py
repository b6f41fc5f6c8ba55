"""`calldesk bench digital --json` runs end to end and accounts for every timed message
(the figures themselves are measurements, not assertions)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from calldesk.cli.main import cli


def test_bench_digital_reports_the_p99_for_every_message():
    result = CliRunner().invoke(
        cli,
        [
            "bench",
            "digital",
            "--conversations",
            "12",
            "--messages",
            "60",
            "--rate",
            "200",
            "--sms-per-s",
            "20",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["connected"] == 12 and out["delivered"] == 60
    assert out["message_to_agent_p99_ms"] >= out["message_to_agent_p50_ms"] > 0
    assert out["sms_in"] >= 1
