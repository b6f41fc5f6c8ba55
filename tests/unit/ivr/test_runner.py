"""The runner core on the text adapter and on a fake media port."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from calldesk.ivr.actions import (
    CallerGone,
    DigitsReceived,
    Hangup,
    HttpResult,
    NoInput,
    PromptDone,
    RecordingDone,
)
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.errors import FlowRuntimeError
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner, take_typeahead
from calldesk.ivr.text import ScriptedTextPort
from calldesk.ivr.validate import Checks, load_flow

from .fakes import FakePort
from .helpers import flow_from

FLOWS = Path(__file__).parents[3] / "ivrflows"
TUESDAY_10_PARIS = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def make_runner(*flows, now=TUESDAY_10_PARIS, http=None, contexts=None, recorder=None):
    lib = FlowLibrary(FLOWS)
    for f in flows:
        lib.add(f)
    return Runner(
        flows=lib,
        clock=lambda: now,
        http=http or ScriptedHttp(),
        contexts=contexts or MemoryContexts(),
        handoff=CollectingHandoff(),
        recorder=recorder,
    )


def sample(name: str):
    return load_flow(
        FLOWS / f"{name}.yaml",
        Checks(known_queues=frozenset({"general", "billing", "support", "vip"})),
    )


def steps_of(outcome) -> list[str]:
    return [p.split(":", 1)[1] for p in outcome.path]


# --- the minimal flow, on text --------------------------------------------------------------
def test_hello_on_text_enqueues_with_everything_the_acd_needs():
    flow = sample("hello")
    runner = make_runner(flow)
    port = ScriptedTextPort(["2"])
    out = runner.start(flow, port, interaction_id="chat-1", caller={"id": "u1", "name": "Ada"})
    assert out.status == "enqueued" and steps_of(out) == ["greet", "menu", "support"]
    assert port.sent == [
        "Hello Ada, thanks for calling.",
        "For sales, press 1. For support, press 2.",
    ]
    (req,) = runner.handoff.requests
    assert (req.queue, req.medium, req.flow, req.flow_version) == (
        "support",
        "chat",
        "hello",
        flow.version,
    )
    assert req.variables == {"menu_choice": "2"} and req.caller["name"] == "Ada"
    arrival = req.arrival()
    assert (
        arrival.interaction == "chat-1" and arrival.queue == "support" and arrival.customer == "u1"
    )


def test_invalid_input_then_valid():
    flow = sample("hello")
    runner = make_runner(flow)
    port = ScriptedTextPort(["7", "1"])
    out = runner.start(flow, port, interaction_id="c")
    assert out.status == "enqueued" and runner.handoff.requests[0].queue == "general"
    assert port.sent[-1] == "For sales, press 1. For support, press 2."


def test_timeouts_exhaust_retries_then_fallback():
    flow = sample("hello")
    runner = make_runner(flow)
    port = FakePort([NoInput(), NoInput(), NoInput()])
    out = runner.start(flow, port, interaction_id="v")
    assert out.status == "hangup" and steps_of(out)[-1] == "bye"
    assert port.kinds() == ["play", "collect", "collect", "collect", "hangup"]


def test_caller_hangs_up_mid_prompt():
    flow = sample("hello")
    runner = make_runner(flow)
    port = FakePort([CallerGone("NORMAL_CLEARING")])
    out = runner.start(flow, port, interaction_id="v")
    assert out.status == "caller_gone" and steps_of(out) == ["greet"]
    assert port.kinds() == ["play"] and runner.handoff.requests == []


def test_caller_gone_during_a_lookup_is_not_enqueued():
    flow = flow_from("""\
    flow: x
    steps:
      look: {kind: lookup, url: "https://a.example/x", next: q, fallback: q}
      q: {kind: enqueue, queue: general}
    """)
    port = FakePort()

    class HangsUp(ScriptedHttp):
        def request(self, req):
            port.gone = True
            return HttpResult(200, {})

    runner = make_runner(flow, http=HangsUp())
    assert runner.start(flow, port, interaction_id="v").status == "caller_gone"
    assert runner.handoff.requests == []


# --- DTMF typed during prompts (type-ahead) --------------------------------------------------
def test_digit_typed_during_the_greeting_answers_the_menu():
    flow = sample("hello")
    runner = make_runner(flow)
    port = FakePort([PromptDone("2")])
    out = runner.start(flow, port, interaction_id="v")
    assert out.status == "enqueued" and runner.handoff.requests[0].queue == "support"
    assert "collect" not in port.kinds()  # no prompt played: the caller already answered


def test_partial_type_ahead_is_handed_to_the_port():
    flow = flow_from("""\
    flow: x
    steps:
      hi: {kind: play, prompt: Hi, next: pin}
      pin: {kind: collect, prompt: PIN, variable: pin, min_length: 4, max_length: 4, next: q, fallback: bye}
      q: {kind: enqueue, queue: general}
      bye: {kind: hangup}
    """)
    runner = make_runner(flow)
    port = FakePort([PromptDone("12"), DigitsReceived("1234")])
    assert runner.start(flow, port, interaction_id="v").status == "enqueued"
    ((_, (action, typed)),) = [c for c in port.calls if c[0] == "collect"]
    assert typed == "12" and action.max_digits == 4
    assert runner.handoff.requests[0].variables["pin"] == "1234"


def test_take_typeahead_splits_on_terminator_and_length():
    from calldesk.ivr.actions import CollectDigits

    ask = CollectDigits((), 1, 4, "#")
    assert take_typeahead(ask, "12#9") == (DigitsReceived("12", "#"), "9")
    assert take_typeahead(ask, "123456") == (DigitsReceived("1234"), "56")
    assert take_typeahead(ask, "12") == (None, "12")


def test_play_without_barge_in_drops_digits():
    flow = flow_from("""\
    flow: x
    steps:
      hi: {kind: play, prompt: Legal notice, barge_in: false, next: m}
      m: {kind: menu, prompt: Pick, options: {1: q}, fallback: bye}
      q: {kind: enqueue, queue: general}
      bye: {kind: hangup}
    """)
    runner = make_runner(flow)
    port = FakePort([PromptDone("1"), DigitsReceived("1")])
    assert runner.start(flow, port, interaction_id="v").status == "enqueued"
    assert port.kinds().count("collect") == 1


# --- the samples, end to end on the fake port ------------------------------------------------
def test_bank_balance_then_callback_request_masks_the_account():
    flow = sample("bank")
    http = ScriptedHttp(
        {
            "https://core.bank.example/api/accounts/79927398713/balance": HttpResult(
                200, {"amount": "1520.75"}
            )
        }
    )
    runner = make_runner(flow, http=http)
    port = FakePort([
        DigitsReceived("2"),                  # French
        DigitsReceived("79927398713", "#"),   # account (Luhn ok)
        DigitsReceived("0"),                  # advisor
        DigitsReceived("2"),                  # call me back
        DigitsReceived("5551234567", "#"),
    ])  # fmt: skip
    out = runner.start(flow, port, interaction_id="v-1", caller={"id": "+15550001"})
    assert out.status == "enqueued"
    assert steps_of(out) == [
        "welcome", "choose_language", "french", "ask_account", "balance_lookup", "say_balance",
        "say_amount", "main_menu", "pick_queue", "offer_callback", "callback_number", "queue_callback",
    ]  # fmt: skip
    say = next(a for k, a in port.calls if k == "say")
    assert (say.value, say.say_type, say.language) == ("1520.75", "currency", "fr")
    assert http.sent[0].params == {"lang": "fr"}
    (req,) = runner.handoff.requests
    assert req.queue == "general" and req.callback_number == "5551234567"
    assert req.variables["account"] == "*******8713" and req.language == "fr"
    arrival, callback = req.acd_events()
    assert arrival.queue == "general" and arrival.data["account"] == "*******8713"
    assert (callback.interaction, callback.number) == ("v-1", "5551234567")
    assert out.variables["account"] == "*******8713"


def test_bank_lookup_failure_takes_the_fallback_and_vip_never_happens():
    flow = sample("bank")
    runner = make_runner(flow)  # every HTTP call times out
    port = FakePort(
        [
            DigitsReceived("1"),
            DigitsReceived("79927398713", "#"),
            DigitsReceived("0"),
            DigitsReceived("1"),
        ]
    )
    out = runner.start(flow, port, interaction_id="v")
    assert "balance_unavailable" in steps_of(out) and runner.handoff.requests[0].queue == "general"


def test_bank_rich_customer_goes_to_vip():
    flow = sample("bank")
    http = ScriptedHttp({"https://core.bank.example/": HttpResult(200, {"amount": 250000})})
    runner = make_runner(flow, http=http)
    port = FakePort([DigitsReceived("1"), DigitsReceived("79927398713", "#"), DigitsReceived("0")])
    runner.start(flow, port, interaction_id="v")
    req = runner.handoff.requests[0]
    assert (req.queue, req.priority, req.data) == ("vip", 10, {"segment": "private"})


def test_support_gold_customer_gets_vip_priority():
    flow = sample("support")
    contexts = MemoryContexts({"+3312": {"name": "Ada", "tier": "gold"}})
    runner = make_runner(flow, contexts=contexts)
    out = runner.start(flow, FakePort(), interaction_id="v", caller={"id": "+3312"})
    assert steps_of(out) == ["identify", "hours", "greet", "known_customer", "vip_queue"]
    req = runner.handoff.requests[0]
    assert (req.queue, req.priority, req.data) == ("vip", 10, {"tier": "gold"})


def test_support_open_case_priority_and_skills():
    flow = sample("support")
    contexts = MemoryContexts({"+3312": {"tier": "silver", "open_cases": ["C-42"]}})
    runner = make_runner(flow, contexts=contexts)
    runner.start(flow, FakePort(), interaction_id="v", caller={"id": "+3312"})
    req = runner.handoff.requests[0]
    assert (req.queue, req.priority, req.skills, req.data) == (
        "support",
        5,
        {"product": 2},
        {"case": "C-42"},
    )


def test_support_holiday_voicemail_notifies_and_remembers():
    flow = sample("support")
    contexts, http = MemoryContexts(), ScriptedHttp()
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
    runner = make_runner(flow, now=christmas, contexts=contexts, http=http)
    port = FakePort([RecordingDone("/tmp/rec.wav", 2.0)])
    out = runner.start(flow, port, interaction_id="v", caller={"id": "+3312"})
    assert out.status == "hangup" and "holiday_message" in steps_of(out)
    assert port.calls[0][1].prompts[0].file == "closed.wav"
    (hook,) = http.sent
    assert hook.fire_and_forget and hook.body == {"caller": "+3312", "message": "/tmp/rec.wav"}
    assert contexts.data["+3312"] == {"last_voicemail": "/tmp/rec.wav"}


# --- subflows and guards --------------------------------------------------------------------
def test_subflow_runs_and_returns():
    main = flow_from("""\
    flow: main
    steps:
      auth: {kind: subflow, flow: pin, next: q}
      q: {kind: enqueue, queue: general}
    """)
    pin = flow_from("""\
    flow: pin
    steps:
      ask: {kind: collect, prompt: PIN, variable: pin, min_length: 4, max_length: 4, next: ok, fallback: ok}
      ok: {kind: return}
    """)
    runner = make_runner(main, pin)
    out = runner.start(main, FakePort([DigitsReceived("4321")]), interaction_id="v")
    assert out.path == ["main:auth", "pin:ask", "pin:ok", "main:q"]
    assert runner.handoff.requests[0].variables["pin"] == "4321"


def test_return_at_top_level_ends_the_call():
    flow = flow_from("flow: x\nsteps:\n  r: {kind: return}\n")
    port = FakePort()
    out = make_runner(flow).start(flow, port, interaction_id="v")
    assert out.status == "ended" and port.calls == [("hangup", Hangup())]


def test_runaway_flow_is_stopped():
    flow = flow_from("""\
    flow: x
    steps:
      m: {kind: menu, prompt: P, options: {1: m}, fallback: m}
    """)
    runner = make_runner(flow)
    runner.max_transitions = 20
    with pytest.raises(FlowRuntimeError):
        runner.start(flow, FakePort([DigitsReceived("1")] * 50), interaction_id="v")


def test_text_port_reads_digits_from_words_and_closes():
    flow = sample("hello")
    runner = make_runner(flow)
    out = runner.start(flow, ScriptedTextPort(["option 2 please"]), interaction_id="c")
    assert runner.handoff.requests[0].queue == "support" and out.status == "enqueued"
    out = runner.start(flow, ScriptedTextPort([]), interaction_id="c2")
    assert out.status == "caller_gone"
