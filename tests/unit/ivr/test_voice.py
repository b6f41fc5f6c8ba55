"""The voice adapter against a fake connection: which digit answers which question, exactly."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calldesk.app import wire_ivr
from calldesk.errors import ESLError
from calldesk.esl.frames import Event, Headers
from calldesk.ivr.actions import (
    CallerGone,
    CollectDigits,
    DigitsReceived,
    Done,
    Hangup,
    NoInput,
    Play,
    Prompt,
    PromptDone,
    Say,
    Transfer,
)
from calldesk.ivr.legrouter import LegRouter
from calldesk.ivr.voice import VoiceSettings
from calldesk.telephony.intake import Intake
from calldesk.telephony.switchboard import Switchboard

LEG = "11111111-2222-3333-4444-555555555555"


def routed(conn) -> LegRouter:
    """A leg router subscribed to the connection inline, as the composition root does it."""
    router = LegRouter(conn)
    conn.add_handler(router.on_event, inline=True)
    return router


@dataclass
class Ev:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    uuid: str = LEG

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.headers.get(key, default)


@dataclass
class FakeConn:
    """`script[app]` is a list of steps: each a (digits_before, digits_after) pair, meaning DTMF
    events that arrive before the app's completion and after it (while parked)."""

    script: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    hang_up_on: str | None = None
    handlers: list[Any] = field(default_factory=list)
    sent: list[tuple[str, str]] = field(default_factory=list)
    apis: list[tuple] = field(default_factory=list)
    n: int = 0

    name: str = "fake"

    def add_handler(self, handler, *, inline=False):
        self.handlers.append(handler)

    def add_resync_listener(self, listener):
        pass

    def emit(self, ev: Ev) -> None:
        for h in self.handlers:
            h(ev)

    def press(self, digits: str) -> None:
        for d in digits:
            self.emit(Ev("DTMF", {"DTMF-Digit": d}))

    def execute(self, leg, app, arg="", *, timeout=None):
        self.sent.append((app, arg))
        if app == self.hang_up_on:
            self.emit(Ev("CHANNEL_HANGUP", {"Hangup-Cause": "NORMAL_CLEARING"}))
            raise ESLError(f"leg {leg} is gone")
        before, after = (
            (self.script.get(app) or [("", "")]).pop(0) if self.script.get(app) else ("", "")
        )
        self.press(before)
        self.n += 1
        done = Ev(
            "CHANNEL_EXECUTE_COMPLETE", {"Application": app, "Application-UUID": f"app-{self.n}"}
        )
        self.emit(done)
        self.press(after)  # typed after the app ended: park drops them but reports them
        return done

    def api(self, command, *args, timeout=None, check=True):
        self.apis.append((command, *args))
        return "+OK\n"

    def hangup(self, leg, cause="NORMAL_CLEARING"):
        self.apis.append(("uuid_kill", leg, cause))
        return True


def port_for(conn: FakeConn, tmp_path: Path | None = None):
    settings = VoiceSettings(
        prompts_dir=tmp_path or Path("/nonexistent"), recordings_dir=Path("/rec")
    )
    return routed(conn).port(LEG, settings)


ASK = CollectDigits((Prompt(text="Enter your PIN"),), 4, 6, "#", timeout=5, inter_digit_timeout=3)


def test_barge_in_digit_stops_the_prompts():
    conn = FakeConn({"playback": [("7", "")]})
    port = port_for(conn)
    done = port.play(Play((Prompt(text="one"), Prompt(text="two")), barge_in=True))
    assert done == PromptDone("7")
    assert [a for a, _ in conn.sent].count("playback") == 1
    assert ("set", "playback_terminators=0123456789*#") in conn.sent
    assert ("playback", "say:one") in conn.sent and ("set", "tts_engine=flite") in conn.sent


def test_digits_dropped_by_park_between_apps_still_answer_the_collect():
    # The caller types 12 after the prompt ends (park drops them, events report them), then
    # play_and_get_digits reads 34#.
    conn = FakeConn({"playback": [("", "12")], "play_and_get_digits": [("34#", "")]})
    port = port_for(conn)
    assert port.collect(ASK) == DigitsReceived("1234", "#")
    (pagd,) = [arg for app, arg in conn.sent if app == "play_and_get_digits"]
    assert pagd.startswith(
        "2 4 1 3000 # silence_stream://250 silence_stream://1 calldesk_digits_1 "
    )


def test_digits_typed_past_the_terminator_answer_the_next_question():
    conn = FakeConn({"playback": [("", "1234#9")]})
    port = port_for(conn)
    assert port.collect(ASK) == DigitsReceived("1234", "#")
    menu = CollectDigits((Prompt(text="Menu"),), 1, 1, "")
    assert port.collect(menu) == DigitsReceived("9")
    assert [a for a, _ in conn.sent].count("play_and_get_digits") == 0


def test_each_digit_answers_one_question_only():
    conn = FakeConn({"playback": [("5", "")], "play_and_get_digits": [("678#", "")]})
    port = port_for(conn)
    assert port.collect(ASK) == DigitsReceived("5678", "#")
    conn.script = {"play_and_get_digits": [("", "")]}
    assert port.collect(ASK) == NoInput()


def test_too_few_digits_are_still_reported_for_the_retry_logic():
    conn = FakeConn({"play_and_get_digits": [("12", "")]})
    assert port_for(conn).collect(ASK) == DigitsReceived("12")


def test_hangup_mid_prompt_is_caller_gone():
    conn = FakeConn(hang_up_on="playback")
    port = port_for(conn)
    assert port.play(Play((Prompt(tone="%(100,0,440)"),))) == CallerGone("NORMAL_CLEARING")
    assert port.gone and port.collect(ASK) == CallerGone("NORMAL_CLEARING")


def test_prompt_paths_prefer_the_language_folder(tmp_path: Path):
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "hi.wav").write_bytes(b"")
    port = port_for(FakeConn(), tmp_path)
    assert port.prompt_path(Prompt(file="hi.wav", language="fr")) == str(tmp_path / "fr" / "hi.wav")
    assert port.prompt_path(Prompt(file="hi.wav", language="en")) == str(tmp_path / "hi.wav")
    assert port.prompt_path(Prompt(silence_ms=250)) == "silence_stream://250"
    assert port.prompt_path(Prompt(text="two\nlines")) == "say:two lines"


def test_say_transfer_hangup_commands():
    conn = FakeConn()
    port = port_for(conn)
    assert port.say(Say("12.50", "currency", "en")) == PromptDone()
    assert ("say", "en CURRENCY pronounced 12.50") in conn.sent
    port.say(Say("2026-11-24T10:00:00+00:00", "date", "en"))
    assert ("say", "en CURRENT_DATE pronounced 1795514400") in conn.sent
    port.transfer(Transfer("extension", "1001"))
    port.transfer(Transfer("external", "+15551234"))
    assert ("uuid_transfer", LEG, "1001", "XML", "calldesk_agents") in conn.apis
    assert ("uuid_transfer", LEG, "bridge:sofia/gateway/default/+15551234", "inline") in conn.apis
    port.settings.agent_contacts = {"bob": "user/1002"}
    port.transfer(Transfer("agent", "bob"))  # an agent id dials that agent's phone
    assert ("uuid_transfer", LEG, "bridge:user/1002", "inline") in conn.apis
    port.hangup(Hangup("USER_BUSY"))
    assert conn.apis[-1] == ("uuid_kill", LEG, "USER_BUSY") and port.gone


def test_pci_collect_flags_the_leg_for_recording_masking():
    conn = FakeConn({"play_and_get_digits": [("4242#", "")]})
    masks = []
    port = routed(conn).port(LEG, VoiceSettings(pci_hook=lambda leg, m: masks.append((leg, m))))
    pci = CollectDigits((), 4, 4, "#", pci=True)
    assert port.collect(pci, "") == DigitsReceived("4242", "#")
    assert masks == [(LEG, True), (LEG, False)]
    sets = [arg for app, arg in conn.sent if app == "set" and arg.startswith("calldesk_pci")]
    assert sets == ["calldesk_pci=true", "calldesk_pci=false"]


def test_service_starts_runs_only_for_inbound_legs_on_bound_numbers():
    from datetime import UTC, datetime

    import gevent

    from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
    from calldesk.ivr.library import FlowLibrary
    from calldesk.ivr.runner import Runner
    from calldesk.ivr.service import IvrService

    from .helpers import flow_from

    flow = flow_from(
        "flow: f\nbindings: {numbers: ['5551000']}\nsteps:\n  q: {kind: enqueue, queue: general}\n"
    )
    lib = FlowLibrary(".")
    lib.add(flow)
    runner = Runner(
        lib,
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        ScriptedHttp(),
        MemoryContexts(),
        CollectingHandoff(),
    )
    conn = FakeConn()
    service = IvrService(conn, lib, runner)
    board, intake = Switchboard([conn]), Intake()
    board.tracker.subscribe(intake.on_leg)
    wire_ivr(board, intake, {conn.name: service})

    def park(uuid: str, direction: str, number: str) -> None:
        headers = [("Event-Name", "CHANNEL_PARK"), ("Unique-ID", uuid),
                   ("Call-Direction", direction), ("variable_calldesk_did", number),
                   ("Caller-Caller-ID-Number", "+1555")]
        conn.emit(Event(Headers(headers)))

    park("agent-leg", "outbound", "5551000")
    park("other", "inbound", "5559999")
    park("caller", "inbound", "5551000")
    gevent.sleep(0)
    assert service.wait("caller", timeout=5).status == "enqueued"
    assert set(service.outcomes) == {"caller"}
    assert runner.handoff.requests[0].caller["id"] == "+1555"


def test_digits_typed_before_the_run_has_its_port_are_kept() -> None:
    """The caller presses a key right after the answer, before the flow's port exists: the digit
    answers the first question instead of being dropped (seen as lost menu choices under load)."""
    conn = FakeConn()
    router = routed(conn)
    conn.press("2")
    conn.emit(Ev("DTMF", {"DTMF-Digit": "9"}, uuid="another-leg"))
    port = router.port(LEG)
    assert port.dtmf == ["2"]
    conn.emit(Ev("CHANNEL_DESTROY", uuid="another-leg"))
    assert "another-leg" not in router.early


def test_external_transfer_through_the_dialer_bridges_the_answered_leg():
    conn, calls = FakeConn(), []

    def dial(number, variables, *, switch=None, subject=""):
        calls.append((number, variables["calldesk_role"], subject))
        return type("Dialed", (), {"uuid": "far-leg"})()

    port = routed(conn).port(LEG, VoiceSettings(dial=dial))
    assert port.transfer(Transfer("external", "+15551234")) == Done()
    assert calls == [("+15551234", "transfer", LEG)]
    assert conn.apis == [("uuid_bridge", LEG, "far-leg")]


def test_external_transfer_the_dialer_refuses_hangs_up_with_its_cause():
    from calldesk.trunks.dialer import OutboundRefused

    def dial(number, variables, *, switch=None, subject=""):
        raise OutboundRefused(number, "premium", "CALL_REJECTED", "premium-rate")

    conn = FakeConn()
    port = routed(conn).port(LEG, VoiceSettings(dial=dial))
    assert port.transfer(Transfer("external", "+19005551234")) == CallerGone("CALL_REJECTED")
    assert conn.apis == [("uuid_kill", LEG, "CALL_REJECTED")] and port.gone
