"""The text medium: menu labels, voice-only steps and their `text:` variants, validation per medium."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.runner import Runner
from calldesk.ivr.text import ScriptedTextPort, check_medium
from calldesk.ivr.validate import validate_text

FLOW = """
flow: vm
entry: menu
steps:
  menu:
    kind: menu
    prompt: "1 sales, 2 a message"
    options: {1: sales, 2: leave}
    labels: {1: Sales desk}
    fallback: leave
  sales:
    kind: enqueue
    queue: sales
  leave:
    kind: record
    prompt: {file: beep.wav}
    next: bye
  bye:
    kind: hangup
"""


def _flow(text: str = FLOW):
    flow, errors = validate_text(textwrap.dedent(text), "flows/vm.yaml")
    assert not errors, errors
    return flow


class _NoSubflows:
    def get(self, name, version=None):
        raise AssertionError(f"no subflow {name} expected")


def _run(flow, replies):
    handoff = CollectingHandoff()
    runner = Runner(
        _NoSubflows(),
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        ScriptedHttp(),
        MemoryContexts(),
        handoff,
    )
    port = ScriptedTextPort(replies)
    return runner.start(flow, port, interaction_id="chat-1"), port, handoff


def test_a_voice_only_step_without_a_text_variant_fails_for_text_media_with_file_and_line():
    flow = _flow()
    errors = check_medium(flow, "chat")
    assert [(e.code, e.line) for e in errors] == [("voice-only", 14)]
    assert str(errors[0]).startswith("flows/vm.yaml:14:3: voice-only: record step 'leave'")
    assert check_medium(flow, "voice") == []
    assert [e.code for e in check_medium(flow, "sms")] == ["voice-only"]


def test_a_question_without_text_fails_for_text_media():
    flow = _flow(FLOW.replace('prompt: "1 sales, 2 a message"', "prompt: {file: menu.wav}"))
    errors = check_medium(flow, "email")
    assert [(e.code, e.line) for e in errors] == [("voice-only", 7), ("voice-only", 14)]
    assert "the prompt has no `text:`" in errors[0].message


def test_the_text_variant_runs_instead_on_text_and_is_checked_as_an_edge():
    src = FLOW.replace("    next: bye\n", "    next: bye\n    text: sorry\n") + (
        '  sorry:\n    kind: play\n    prompt: "Leave us a message below."\n    next: bye\n'
    )
    flow = _flow(src)
    assert check_medium(flow, "chat") == []
    out, port, _ = _run(flow, ["2"])
    assert out.path == ["vm:menu", "vm:leave", "vm:sorry", "vm:bye"]
    assert port.sent[-1] == "Leave us a message below."
    _, errors = validate_text(textwrap.dedent(src.replace("text: sorry", "text: nowhere")), "f")
    assert any(e.code == "unknown-target" for e in errors)


@pytest.mark.parametrize("reply", ["1", "Sales desk", "sales desk!", " SALES DESK", "sales"])
def test_a_menu_takes_the_digit_its_label_or_its_target_name(reply):
    out, _, handoff = _run(_flow(), [reply])
    assert out.status == "enqueued" and handoff.requests[0].queue == "sales"
    assert out.variables["menu_choice"] == "1"


def test_an_unknown_word_is_an_invalid_choice():
    out, port, _ = _run(_flow(), ["pizza", "pizza", "pizza"])
    assert out.path[:2] == ["vm:menu", "vm:leave"]  # retries ran out: the fallback


def test_a_label_for_a_digit_that_is_not_an_option_is_refused():
    _, errors = validate_text(
        textwrap.dedent(FLOW.replace("labels: {1: Sales desk}", "labels: {7: Nothing}")), "f.yaml"
    )
    assert [e.code for e in errors] == ["schema"]
    assert "label for '7', which is not an option" in errors[0].message


def test_flows_test_shows_the_chat_conversation(tmp_path):
    path = tmp_path / "vm.yaml"
    path.write_text(
        textwrap.dedent(FLOW).replace("    next: bye\n", "    next: bye\n    text: bye\n")
    )
    result = CliRunner().invoke(
        cli, ["flows", "test", str(path), "--medium", "chat", "--input", "hi,Sales desk"]
    )
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert "customer:  hi" in lines and "bot:       1 sales, 2 a message" in lines
    assert "customer:  Sales desk" in lines
    assert "result: enqueued to sales (priority 0, skills {})" in lines


def test_flows_test_refuses_a_voice_only_flow_on_chat_with_file_and_line(tmp_path):
    path = tmp_path / "vm.yaml"
    path.write_text(textwrap.dedent(FLOW))
    result = CliRunner().invoke(cli, ["flows", "test", str(path), "--medium", "sms"])
    assert result.exit_code == 1
    assert f"{path}:14:3: voice-only: record step 'leave'" in result.output
