"""Validation: every error kind, with file, line and column; YAML syntax; a huge flow."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from calldesk.ivr.errors import FlowInvalid
from calldesk.ivr.validate import Checks, load_flow

from .helpers import codes, errors_of, flow_from

GOOD = """\
flow: demo
entry: hello
steps:
  hello:
    kind: play
    prompt: "Hello {{ caller.name }}"
    next: bye
  bye:
    kind: hangup
"""


def only(errors, code):
    found = [e for e in errors if e.code == code]
    assert found, [str(e) for e in errors]
    return found


def test_good_flow_has_no_errors_and_a_stable_version():
    a, b = flow_from(GOOD), flow_from(GOOD)
    assert a.version == b.version and len(a.version) == 12
    assert flow_from(GOOD + "# edit\n").version != a.version
    assert a.entry == "hello" and list(a.steps) == ["hello", "bye"]


def test_yaml_syntax_error_names_file_line_and_column():
    errs = errors_of("flow: x\nsteps:\n  a: [1, 2\n  b: 3\n", file="broken.yaml")
    (e,) = errs
    assert e.code == "yaml-syntax"
    assert e.file == "broken.yaml" and e.line == 4 and e.col >= 1
    assert str(e).startswith("broken.yaml:4:")


def test_tab_indentation_is_a_syntax_error_with_position():
    (e,) = errors_of("flow: x\nsteps:\n\ta: 1\n")
    assert e.code == "yaml-syntax" and e.line == 3


def test_duplicate_step_name():
    text = GOOD + "  bye:\n    kind: hangup\n"
    (e,) = only(errors_of(text), "duplicate-key")
    assert e.line == 10 and e.col == 3


def test_unknown_kind_points_at_the_kind_value():
    (e,) = only(errors_of(GOOD.replace("kind: hangup", "kind: hangpu")), "unknown-kind")
    assert (e.line, e.col) == (9, 11)
    assert "hangpu" in e.message


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("barge_in", "'yes'", "true or false"),
        ("wobble", "1", "unknown field"),
        ("prompt", "{file: a.wav, tone: x}", "one of file/tone/silence"),
        ("prompt", "[{silence: soon}]", "milliseconds"),
    ],
)
def test_schema_errors_name_the_field(field, value, words):
    text = GOOD.replace("    next: bye\n", f"    next: bye\n    {field}: {value}\n", 1)
    if field == "prompt":
        text = GOOD.replace('    prompt: "Hello {{ caller.name }}"', f"    prompt: {value}")
    (e,) = only(errors_of(text), "schema")
    assert words in e.message
    assert e.line in (6, 8)


def test_missing_required_field_and_bad_choice():
    text = """\
    flow: x
    steps:
      a: {kind: collect, prompt: hi, next: b, fallback: b}
      b: {kind: hangup, cause: TEA_TIME}
    """
    errs = only(errors_of(text), "schema")
    assert any("missing field 'variable'" in e.message and e.line == 3 for e in errs)
    assert any("cause must be one of" in e.message and e.line == 4 for e in errs)


def test_unknown_target():
    (e,) = only(errors_of(GOOD.replace("next: bye", "next: byebye")), "unknown-target")
    assert (e.line, e.col) == (7, 11)
    assert "byebye" in e.message


def test_unknown_entry():
    (e,) = only(errors_of(GOOD.replace("entry: hello", "entry: start")), "unknown-target")
    assert e.line == 2


def test_unreachable_step():
    text = GOOD + "  orphan:\n    kind: hangup\n"
    (e,) = only(errors_of(text), "unreachable-step")
    assert e.line == 10 and "orphan" in e.message


def test_a_broken_step_does_not_make_later_steps_unreachable():
    text = GOOD.replace("    next: bye\n", "    next: bye\n    wobble: 1\n")
    assert codes(errors_of(text)) == ["schema"]


def test_missing_fallback_is_missing_branch():
    text = """\
    flow: x
    steps:
      m:
        kind: menu
        prompt: pick
        options: {1: b}
      b: {kind: hangup}
    """
    (e,) = only(errors_of(text), "missing-branch")
    assert (e.line, e.col) == (3, 3) and "fallback" in e.message


def test_schedule_with_holidays_needs_a_holiday_branch():
    text = """\
    flow: x
    steps:
      s:
        kind: schedule
        timezone: Europe/Paris
        hours: {weekdays: ["09:00-17:00"]}
        holidays: ["12-25"]
        open: b
        closed: b
      b: {kind: hangup}
    """
    (e,) = only(errors_of(text), "missing-branch")
    assert "holiday" in e.message


def test_cycle_without_input():
    text = """\
    flow: x
    steps:
      a: {kind: play, prompt: hi, next: b}
      b: {kind: set, variables: {n: "n + 1"}, next: a}
    """
    (e,) = only(errors_of(text), "cycle-without-input")
    assert e.line == 3 and "'a', 'b'" in e.message


def test_cycle_through_a_menu_is_fine_and_self_loop_is_not():
    ok = """\
    flow: x
    steps:
      a: {kind: menu, prompt: hi, options: {1: b}, fallback: c}
      b: {kind: play, prompt: again, next: a}
      c: {kind: hangup}
    """
    assert errors_of(ok) == []
    bad = """\
    flow: x
    steps:
      a: {kind: goto, target: a}
    """
    assert codes(errors_of(bad)) == ["cycle-without-input"]


def test_unknown_queue_only_when_queues_are_known():
    text = """\
    flow: x
    steps:
      q: {kind: enqueue, queue: sales}
    """
    assert errors_of(text) == []
    (e,) = errors_of(text, Checks(known_queues=frozenset({"general"})))
    assert e.code == "unknown-queue" and (e.line, e.col) == (3, 29)


def test_missing_prompt_file(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "hello.wav").write_bytes(b"RIFF")
    text = """\
    flow: x
    steps:
      a: {kind: play, prompt: [{file: hello.wav}, {file: nope.wav, text: Nope}], next: b}
      b: {kind: hangup}
    """
    (e,) = errors_of(text, Checks(prompts_dir=tmp_path))
    assert e.code == "missing-prompt" and "nope.wav" in e.message and e.line == 3


@pytest.mark.parametrize(
    "step",
    [
        '{kind: set, variables: {a: "1 +"}, next: b}',
        '{kind: branch, conditions: [{when: "caller.id ==", goto: b}], default: b}',
        '{kind: play, prompt: "Hi {{ caller.name", next: b}',
        '{kind: say, value: "{% if %}", next: b}',
    ],
)
def test_invalid_expression(step):
    text = f"flow: x\nsteps:\n  a: {step}\n  b: {{kind: hangup}}\n"
    (e,) = errors_of(text)
    assert e.code == "invalid-expression" and e.line == 3


def test_lookup_url_must_have_a_literal_host():
    text = """\
    flow: x
    steps:
      a: {kind: lookup, url: "https://{{ host }}/x", next: b, fallback: b}
      b: {kind: hangup}
    """
    (e,) = errors_of(text)
    assert e.code == "unsafe-url"


def test_external_transfer_must_be_allowed():
    text = """\
    flow: x
    allow_transfer: ["+44*"]
    steps:
      a: {kind: transfer, to: external, destination: "+33123456"}
    """
    (e,) = errors_of(text)
    assert e.code == "transfer-not-allowed" and e.line == 4
    assert errors_of(text.replace("+33", "+44")) == []


def test_unknown_subflow_when_flows_are_known():
    text = """\
    flow: x
    steps:
      a: {kind: subflow, flow: auth, next: b}
      b: {kind: hangup}
    """
    assert errors_of(text) == []
    (e,) = errors_of(text, Checks(known_flows=frozenset({"x"})))
    assert e.code == "unknown-flow"


def test_top_level_errors():
    assert codes(errors_of("- a\n- b\n")) == ["schema"]
    assert "steps" in errors_of("flow: x\n")[0].message
    (e,) = errors_of(GOOD + "colour: blue\n")
    assert e.code == "schema" and e.line == 10


def test_load_flow_raises_with_every_error(tmp_path: Path):
    p = tmp_path / "f.yaml"
    p.write_text(GOOD.replace("next: bye", "next: nope") + "  orphan: {kind: hangup}\n")
    with pytest.raises(FlowInvalid) as info:
        load_flow(p)
    assert codes(info.value.errors) == ["unknown-target", "unreachable-step", "unreachable-step"]
    assert str(p) in str(info.value)


def test_ten_thousand_steps_load_and_validate_quickly(tmp_path: Path):
    n = 10_000
    lines = ["flow: huge", "steps:"]
    for i in range(n - 1):
        nxt = f"s{i + 1}"
        if i % 3 == 0:
            lines.append(
                f"  s{i}: {{kind: menu, prompt: 'Step {i}', options: {{1: {nxt}, 2: s0}}, fallback: {nxt}}}"
            )
        elif i % 3 == 1:
            lines.append(
                f"  s{i}: {{kind: set, variables: {{v{i}: 'caller.id ~ \"{i}\"'}}, next: {nxt}}}"
            )
        else:
            lines.append(
                f"  s{i}: {{kind: branch, conditions: [{{when: 'v == {i}', goto: s0}}], default: {nxt}}}"
            )
    lines.append(f"  s{n - 1}: {{kind: hangup}}")
    p = tmp_path / "huge.yaml"
    p.write_text("\n".join(lines) + "\n")
    started = time.monotonic()
    flow = load_flow(p)
    assert len(flow.steps) == n
    # Generous bound: this is a complexity guard (quadratic would take minutes), not a benchmark.
    assert time.monotonic() - started < 60
