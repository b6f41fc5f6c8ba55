"""The text adapter as a live conversation: messages arrive while the run waits."""

from __future__ import annotations

from datetime import UTC, datetime

import gevent

from calldesk.ivr.actions import CollectDigits, NoInput, Prompt, Say
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.ivr.text import TextConversation, say_text

from .helpers import flow_from

FLOW = """\
flow: chat
bindings: {entry_points: ["web-chat:x"]}
steps:
  ask: {kind: collect, prompt: "Your order number?", variable: order, min_length: 3, max_length: 8, timeout: 30, next: q, fallback: bye}
  q: {kind: enqueue, queue: support}
  bye: {kind: hangup}
"""


def runner_for(flow):
    lib = FlowLibrary(".")
    lib.add(flow)
    return Runner(
        lib,
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        ScriptedHttp(),
        MemoryContexts(),
        CollectingHandoff(),
    )


def test_live_conversation_answers_while_the_run_waits():
    flow = flow_from(FLOW)
    runner, sent = runner_for(flow), []
    convo = TextConversation(sent.append)
    run = gevent.spawn(runner.start, flow, convo, interaction_id="chat-9")
    gevent.sleep(0)
    assert sent == ["Your order number?"]
    convo.deliver("it's 12345")
    out = run.get(timeout=5)
    assert out.status == "enqueued" and runner.handoff.requests[0].variables["order"] == "12345"


def test_customer_leaving_ends_the_run():
    flow = flow_from(FLOW)
    runner = runner_for(flow)
    convo = TextConversation(lambda _: None, medium="sms")
    run = gevent.spawn(runner.start, flow, convo, interaction_id="sms-1")
    gevent.sleep(0)
    convo.close()
    out = run.get(timeout=5)
    assert out.status == "caller_gone" and convo.gone and runner.handoff.requests == []


def test_silence_is_no_input():
    convo = TextConversation(lambda _: None)
    assert convo.collect(CollectDigits((Prompt(text="?"),), timeout=0.01)) == NoInput()


def test_say_as_text():
    assert say_text(Say("1234", "digits")) == "1 2 3 4"
    assert say_text(Say("1520.5", "currency")) == "1,520.50"
    assert say_text(Say("2026-11-24", "date")) == "Tuesday 24 November 2026"
    assert say_text(Say("n/a", "number")) == "n/a"
