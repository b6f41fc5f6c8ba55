"""Unit tests per step kind: pure logic, run state in, actions out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calldesk.ivr.actions import (
    CollectDigits,
    ContextData,
    ContextRead,
    ContextWrite,
    DigitsReceived,
    Done,
    Enqueue,
    EnterSubflow,
    Goto,
    Hangup,
    HttpRequest,
    HttpResult,
    NoInput,
    Play,
    PromptDone,
    Record,
    RecordingDone,
    Return,
    Say,
    Transfer,
)
from calldesk.ivr.steps import REGISTRY
from calldesk.ivr.steps.collect import luhn_ok

from .helpers import ctx_for, step_of


def test_registry_is_explicit_and_complete():
    expected = {
        "play", "say", "menu", "collect", "set", "branch", "schedule", "lookup", "context",
        "language", "record", "enqueue", "transfer", "subflow", "return", "goto", "hangup",
        "webhook",
    }  # fmt: skip
    assert set(REGISTRY) == expected
    assert all(cls.kind == kind for kind, cls in REGISTRY.items())


# --- play / say --------------------------------------------------------------------------------
def test_play_renders_prompts_in_the_sandbox_and_moves_on():
    step = step_of(
        '{kind: play, prompt: ["Hi {{ caller.name }}", {file: x.wav}, {tone: "%(100,0,440)"}, {silence: 500}], next: b}'
    )
    ctx = ctx_for()
    action = step.start(ctx)
    assert isinstance(action, Play) and action.barge_in
    texts = [p.text for p in action.prompts]
    assert texts[0] == "Hi Ada" and action.prompts[1].file == "x.wav"
    assert action.prompts[2].tone and action.prompts[3].silence_ms == 500
    assert step.resume(ctx, PromptDone("12")) == Goto("b")


def test_sandbox_hides_unsafe_attributes():
    step = step_of(
        "{kind: play, prompt: \"x{{ ''.__class__.__mro__[1].__subclasses__() }}\", next: b}"
    )
    # The sandbox refuses the escape; the prompt renders empty instead of failing the call.
    assert step.start(ctx_for()).prompts[0].text == ""


def test_say_uses_the_run_language():
    step = step_of('{kind: say, value: "{{ amount }}", type: currency, next: b}')
    ctx = ctx_for()
    ctx.state.variables["amount"] = 12.5
    ctx.state.language = "fr"
    assert step.start(ctx) == Say("12.5", "currency", "fr")
    assert step.resume(ctx, PromptDone()) == Goto("b")


# --- menu -----------------------------------------------------------------------------------
MENU = "{kind: menu, prompt: Pick, options: {1: b, 2: c}, retries: 1, invalid_prompt: Wrong, no_input_prompt: Hello?, fallback: d}"


def test_menu_picks_an_option():
    step, ctx = step_of(MENU), ctx_for()
    ask = step.start(ctx)
    assert isinstance(ask, CollectDigits) and (ask.min_digits, ask.max_digits) == (1, 1)
    assert step.resume(ctx, DigitsReceived("2")) == Goto("c")
    assert ctx.state.variables["a_choice"] == "2"


def test_menu_invalid_then_no_input_then_fallback():
    step, ctx = step_of(MENU), ctx_for()
    step.start(ctx)
    again = step.resume(ctx, DigitsReceived("9"))
    assert isinstance(again, CollectDigits)
    assert [p.text for p in again.prompts] == ["Wrong", "Pick"]
    assert step.resume(ctx, NoInput()) == Goto("d")  # retries: 1 -> two attempts in all
    assert ctx.scratch == {"attempts": 2, "invalid": 1, "no_input": 1}


def test_menu_no_input_prompt():
    step, ctx = step_of(MENU), ctx_for()
    again = step.resume(ctx, NoInput())
    assert [p.text for p in again.prompts] == ["Hello?", "Pick"]


# --- collect --------------------------------------------------------------------------------
COLLECT = "{kind: collect, prompt: Card, variable: card, min_length: 4, max_length: 19, luhn: true, pci: true, retries: 0, next: b, fallback: c}"


def test_luhn():
    assert luhn_ok("4539578763621486") and luhn_ok("79927398713")
    assert not luhn_ok("4539578763621487") and not luhn_ok("12a4")


def test_collect_stores_valid_digits_and_marks_pci():
    step, ctx = step_of(COLLECT), ctx_for()
    ask = step.start(ctx)
    assert ask.pci and ask.terminators == "#" and ask.max_digits == 19
    assert step.resume(ctx, DigitsReceived("79927398713", "#")) == Goto("b")
    assert ctx.state.variables["card"] == "79927398713"
    assert ctx.state.sensitive == ["card"]


def test_collect_luhn_failure_takes_fallback_when_no_retries_left():
    step, ctx = step_of(COLLECT), ctx_for()
    assert step.resume(ctx, DigitsReceived("79927398710")) == Goto("c")
    assert "card" not in ctx.state.variables


def test_collect_regex_and_length():
    step = step_of(
        "{kind: collect, prompt: Pin, variable: pin, min_length: 4, max_length: 6, regex: '[1-9][0-9]+', next: b, fallback: c}"
    )
    assert step.valid("1234") and not step.valid("0123") and not step.valid("123")
    assert not step.valid("1234567")


@pytest.mark.parametrize("body, words", [
    ("{kind: collect, prompt: P, variable: 9x, next: b, fallback: c}", "variable name"),
    ("{kind: collect, prompt: P, variable: x, min_length: 5, max_length: 2, next: b, fallback: c}", "min_length"),
    ("{kind: collect, prompt: P, variable: x, regex: '(', next: b, fallback: c}", "bad regex"),
    ("{kind: collect, prompt: P, variable: x, terminator: 'A', next: b, fallback: c}", "DTMF"),
])  # fmt: skip
def test_collect_schema_rules(body, words):
    from .helpers import errors_of

    errs = errors_of(
        f"flow: t\nsteps:\n  a: {body}\n  b: {{kind: hangup}}\n  c: {{kind: hangup}}\n"
    )
    assert [e.code for e in errs] == ["schema"] and words in errs[0].message


# --- set / branch ---------------------------------------------------------------------------
def test_set_evaluates_expressions_with_types():
    step, ctx = (
        step_of(
            '{kind: set, variables: {n: "2 * 21", who: "caller.name | upper", flag: true}, next: b}'
        ),
        ctx_for(),
    )
    assert step.start(ctx) == Goto("b")
    assert ctx.state.variables == {"n": 42, "who": "ADA", "flag": True}


def test_set_failure_stores_none():
    step, ctx = step_of('{kind: set, variables: {n: "1 / 0"}, next: b}'), ctx_for()
    assert step.start(ctx) == Goto("b") and ctx.state.variables["n"] is None


def test_branch_on_caller_context_time_and_variables():
    body = """{kind: branch, conditions: [
        {when: "context.tier == 'gold'", goto: b},
        {when: "caller.id.startswith('+1555') and now.hour >= 9", goto: c}], default: d}"""
    step = step_of(body)
    ctx = ctx_for()
    ctx.state.context = {"tier": "gold"}
    assert step.start(ctx) == Goto("b")
    ctx.state.context = {}
    assert step.start(ctx) == Goto("c")
    early = ctx_for(now=datetime(2026, 1, 1, 8, 0, tzinfo=UTC))
    assert step.start(early) == Goto("d")


def test_branch_condition_that_fails_is_false():
    step = step_of('{kind: branch, conditions: [{when: "1 / 0", goto: b}], default: c}')
    assert step.start(ctx_for()) == Goto("c")


# --- schedule -------------------------------------------------------------------------------
SCHED = """{kind: schedule, timezone: Europe/Paris, hours: {weekdays: ["09:00-12:00", "14:00-18:00"], sat: "10:00-12:00"},
    holidays: ["12-25", "2026-04-06"], open: b, closed: c, holiday: d}"""


@pytest.mark.parametrize("utc, expected", [
    ("2026-11-24T08:30", "open"),      # Tuesday 09:30 in Paris (UTC+1)
    ("2026-11-24T07:59", "closed"),    # 08:59 Paris
    ("2026-11-24T11:30", "closed"),    # lunch
    ("2026-11-28T09:30", "open"),      # Saturday 10:30
    ("2026-11-29T09:30", "closed"),    # Sunday
    ("2026-12-25T09:00", "holiday"),   # yearly holiday
    ("2026-04-06T08:00", "holiday"),   # one-off date, summer time (UTC+2)
    ("2027-04-06T08:00", "open"),      # not a holiday the next year
])  # fmt: skip
def test_schedule_in_its_time_zone(utc, expected):
    step = step_of(SCHED)
    now = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    target = {"open": "b", "closed": "c", "holiday": "d"}[expected]
    ctx = ctx_for(now=now)
    assert step.start(ctx) == Goto(target)
    assert ctx.state.variables["a_state"] == expected


def test_schedule_rejects_bad_hours():
    from .helpers import errors_of

    errs = errors_of(
        'flow: t\nsteps:\n  a: {kind: schedule, timezone: UTC, hours: {monday: "9-5"}, open: b, closed: b}\n  b: {kind: hangup}\n'
    )
    assert {e.code for e in errs} == {"schema"} and len(errs) == 2


# --- lookup / webhook -----------------------------------------------------------------------
LOOKUP = '{kind: lookup, url: "https://api.example/acct/{{ account }}/bal", params: {q: "{{ account }}"}, timeout: 2, store: bal, next: b, fallback: c}'


def test_lookup_quotes_caller_input_in_the_url():
    step, ctx = step_of(LOOKUP), ctx_for()
    ctx.state.variables["account"] = "12/../../admin?x=1#"
    req = step.start(ctx)
    assert isinstance(req, HttpRequest) and not req.fire_and_forget
    assert req.url == "https://api.example/acct/12%2F..%2F..%2Fadmin%3Fx%3D1%23/bal"
    assert req.params == {"q": "12/../../admin?x=1#"}  # the client form-encodes params
    assert req.timeout == 2


def test_lookup_success_and_fallback():
    step, ctx = step_of(LOOKUP), ctx_for()
    assert step.resume(ctx, HttpResult(200, {"amount": 5})) == Goto("b")
    assert ctx.state.variables["bal"] == {"amount": 5}
    assert step.resume(ctx, HttpResult(None, error="timeout")) == Goto("c")
    assert step.resume(ctx, HttpResult(503, None)) == Goto("c")


def test_webhook_is_fire_and_forget():
    step, ctx = (
        step_of(
            '{kind: webhook, url: "https://h.example/x", body: {who: "{{ caller.id }}"}, next: b}'
        ),
        ctx_for(),
    )
    req = step.start(ctx)
    assert req.fire_and_forget and req.method == "POST" and req.body == {"who": "+15550001"}
    assert step.resume(ctx, Done()) == Goto("b")


# --- context / language / record ------------------------------------------------------------
def test_context_read_and_write():
    read, ctx = step_of("{kind: context, action: read, next: b}"), ctx_for()
    assert read.start(ctx) == ContextRead("+15550001")
    assert read.resume(ctx, ContextData({"tier": "gold"})) == Goto("b")
    assert ctx.state.context == {"tier": "gold"}
    write = step_of("{kind: context, action: write, values: {last: \"'ivr'\"}, next: b}")
    assert write.start(ctx) == ContextWrite("+15550001", {"last": "ivr"})
    assert ctx.state.context == {"tier": "gold", "last": "ivr"}


def test_lookup_of_the_customer_loads_their_context():
    step, ctx = (
        step_of('{kind: lookup, customer: "{{ caller.id }}", next: b, fallback: c}'),
        ctx_for(),
    )
    assert step.start(ctx) == ContextRead("customer:+15550001")
    found = {"customer": {"id": "c1", "fields": {"tier": "vip"}}, "recent": ["chat: billing"]}
    assert step.resume(ctx, ContextData(found)) == Goto("b")
    assert ctx.state.context == found and ctx.state.variables["lookup"] == found


def test_a_lookup_needs_a_url_or_a_customer():
    from calldesk.ivr.validate import validate_text

    for body in (
        "{kind: lookup, url: 'https://x.example', customer: x, next: b, fallback: b}",
        "{kind: lookup, next: b, fallback: b}",
    ):
        _, errors = validate_text(
            f"flow: t\nsteps:\n  a: {body}\n  b: {{kind: hangup}}\n", "t.yaml"
        )
        assert any("either `url` (HTTP) or `customer`" in str(e) for e in errors), errors
        assert any(str(e).startswith("t.yaml:3") for e in errors)  # file:line of the step


def test_language_switches_language_and_voice():
    step, ctx = step_of("{kind: language, language: fr, voice: marie, next: b}"), ctx_for()
    assert step.start(ctx) == Goto("b")
    assert (ctx.state.language, ctx.state.voice) == ("fr", "marie")
    play = step_of("{kind: play, prompt: {file: w.wav}, next: b}").start(ctx)
    assert play.prompts[0].language == "fr" and play.prompts[0].voice == "marie"


def test_record_stores_the_path():
    step, ctx = (
        step_of(
            "{kind: record, prompt: Speak, variable: msg, max_seconds: 30, purpose: callback, next: b}"
        ),
        ctx_for(),
    )
    rec = step.start(ctx)
    assert isinstance(rec, Record) and rec.max_seconds == 30 and rec.purpose == "callback"
    assert step.resume(ctx, RecordingDone("/rec/x.wav", 3.0)) == Goto("b")
    assert ctx.state.variables["msg"] == "/rec/x.wav"
    assert ctx.state.variables["msg_purpose"] == "callback"


# --- enqueue / transfer / goto / subflow / hangup -------------------------------------------
def test_enqueue_passes_priority_skills_data_and_callback():
    body = '{kind: enqueue, queue: billing, priority: "5 if vip else 1", skills: {cards: 2}, data: {reason: "why"}, timeout: 30, callback_number: "{{ cb }}"}'
    step, ctx = step_of(body), ctx_for()
    ctx.state.variables.update(vip=True, why="lost card", cb="5551234")
    action = step.start(ctx)
    assert action == Enqueue(
        "billing", 5, {"cards": 2}, {"reason": "lost card"}, "en", 30, "5551234"
    )


def test_transfer_checks_the_allow_list_at_run_time():
    allow = 'allow_transfer: ["+1555*"]\n'
    step = step_of(
        '{kind: transfer, to: external, destination: "{{ dest }}", fallback: b}', allow=allow
    )
    ctx = ctx_for(allow=("+1555*",))
    ctx.state.variables["dest"] = "+15551112222"
    assert step.start(ctx) == Transfer("external", "+15551112222")
    ctx.state.variables["dest"] = "+900123456"  # premium rate: toll fraud
    assert step.start(ctx) == Goto("b")
    ctx.state.variables["dest"] = "+1555 1; rm"
    assert step.start(ctx) == Goto("b")
    no_fallback = step_of('{kind: transfer, to: external, destination: "{{ dest }}"}', allow=allow)
    assert no_fallback.start(ctx) == Hangup("CALL_REJECTED")


def test_transfer_also_asks_the_global_outbound_rules():
    allow = 'allow_transfer: ["+1*"]\n'
    step = step_of(
        '{kind: transfer, to: external, destination: "{{ dest }}", fallback: b}', allow=allow
    )
    asked = []
    ctx = ctx_for(allow=("+1*",))
    ctx.outbound_check = lambda number, subject: asked.append(number) or number != "+19005551234"
    ctx.state.variables["dest"] = "+19005551234"  # the flow allows it; the global rules do not
    assert step.start(ctx) == Goto("b") and ctx.state.variables["a_refused"] == "+19005551234"
    ctx.state.variables["dest"] = "+15551112222"
    assert step.start(ctx) == Transfer("external", "+15551112222")
    assert asked == ["+19005551234", "+15551112222"]


def test_transfer_to_extension_and_agent():
    step = step_of("{kind: transfer, to: extension, destination: 1001}")
    assert step.start(ctx_for()) == Transfer("extension", "1001")
    agent = step_of("{kind: transfer, to: agent, destination: alice}")
    assert agent.start(ctx_for()) == Transfer("agent", "alice")


def test_goto_subflow_return_hangup():
    assert step_of("{kind: goto, target: c}").start(ctx_for()) == Goto("c")
    assert step_of("{kind: subflow, flow: auth, next: b}").start(ctx_for()) == EnterSubflow(
        "auth", "b"
    )
    assert step_of("{kind: return}").start(ctx_for()) == Return()
    assert step_of("{kind: hangup, cause: USER_BUSY}").start(ctx_for()) == Hangup("USER_BUSY")
