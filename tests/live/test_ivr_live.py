"""The IVR voice adapter against a real FreeSWITCH: play (with barge-in), menu and collect.
Run with CALLDESK_ESL_URL set. Prompts are tones and silence, so no TTS module is needed."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

import gevent
import pytest
from tests.live.conftest import parked_loopback

from calldesk.ivr.actions import CollectDigits, NoInput, Play, Prompt, PromptDone
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.legrouter import LegRouter
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner
from calldesk.ivr.validate import validate_text

pytestmark = pytest.mark.live_freeswitch


@pytest.fixture
def leg_port(live_board):
    conn = next(iter(live_board.switches.values()))
    router = LegRouter(conn)
    conn.add_handler(router.on_event, inline=True)
    leg = parked_loopback(conn)
    gevent.sleep(0.3)
    try:
        yield conn, leg, router.port(leg)
    finally:
        conn.hangup(leg)


def press_later(conn, leg: str, digits: str, after: float) -> None:
    gevent.spawn_later(after, conn.api, "uuid_recv_dtmf", leg, digits)


def run_flow(text: str, port):
    flow, errors = validate_text(textwrap.dedent(text), "live.yaml")
    assert not errors, [str(e) for e in errors]
    lib = FlowLibrary(".")
    lib.add(flow)
    runner = Runner(
        lib, lambda: datetime.now(UTC), ScriptedHttp(), MemoryContexts(), CollectingHandoff()
    )
    return runner, runner.start(flow, port, interaction_id=port.leg)


def test_play_tone_and_silence(leg_port):
    _, _, port = leg_port
    done = port.play(Play((Prompt(tone="%(200,0,440)"), Prompt(silence_ms=300)), barge_in=True))
    assert done == PromptDone("")


def test_play_barge_in_returns_the_digit(leg_port):
    conn, leg, port = leg_port
    press_later(conn, leg, "5", 0.5)
    done = port.play(Play((Prompt(silence_ms=5000), Prompt(tone="%(2000,0,440)")), barge_in=True))
    assert done == PromptDone("5")


def test_menu_over_a_real_leg(leg_port):
    conn, leg, port = leg_port
    press_later(conn, leg, "2", 0.5)
    runner, out = run_flow(
        """\
        flow: live_menu
        steps:
          m: {kind: menu, prompt: {silence: 3000}, options: {1: a, 2: b}, timeout: 3, fallback: a}
          a: {kind: enqueue, queue: general}
          b: {kind: enqueue, queue: support}
        """,
        port,
    )
    assert out.status == "enqueued" and runner.handoff.requests[0].queue == "support"


def test_collect_with_terminator_and_typeahead(leg_port):
    conn, leg, port = leg_port
    press_later(conn, leg, "1234#", 0.5)  # typed during the prompt
    runner, out = run_flow(
        """\
        flow: live_collect
        steps:
          pin: {kind: collect, prompt: {silence: 2000}, variable: pin, min_length: 4, max_length: 6, timeout: 4, next: q, fallback: bye}
          q: {kind: enqueue, queue: general}
          bye: {kind: hangup}
        """,
        port,
    )
    assert out.status == "enqueued" and runner.handoff.requests[0].variables["pin"] == "1234"


def test_collect_timeout_is_no_input(leg_port):
    _, _, port = leg_port
    ask = CollectDigits((Prompt(silence_ms=200),), 1, 4, "#", timeout=1.0, inter_digit_timeout=1.0)
    assert port.collect(ask) == NoInput()
