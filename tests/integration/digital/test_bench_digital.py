"""`calldesk bench digital --json` runs end to end through a real `serve` on the simulated switch
(chat visitors and agents on WebSockets, signed SMS webhooks, calls) and accounts for every
timed message (the figures themselves are measurements, not assertions)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from tests.integration.web.conftest import in_thread

from calldesk.cli.main import cli


def test_bench_digital_reports_the_p99_for_every_message():
    args = ["bench", "digital", "--conversations", "9", "--rate", "10", "--seconds", "3",
            "--sms-per-s", "3", "--calls-per-s", "1", "--json"]  # fmt: skip
    result = in_thread(CliRunner().invoke, cli, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["chats_with_agents"] == 9 and out["accept_status"] == {"200": 9}
    assert out["messages_said"] == out["messages_stored"] == out["delivered"] > 0
    assert out["message_to_agent_p99_ms"] >= out["message_to_agent_p50_ms"] > 0
    assert out["sms_sent"] >= 1 and out["sms_stored"] == out["sms_sent"]
    assert out["calls_placed"] >= 1 and out["client_problems"] == []
    assert out["serve_log_tail"] == []
