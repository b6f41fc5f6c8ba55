"""Whole flows over real TCP against the simulated switch, with scripted DTMF and real SQLite:
timeouts, invalid input, retries exhausted, hang-up mid-prompt, restart mid-flow (resume)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import gevent
import pytest

from calldesk.app import wire_ivr
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.ivr.actions import HttpResult
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.ivr.scripted import ScriptedCaller
from calldesk.ivr.service import IvrService
from calldesk.ivr.voice import VoiceSettings
from calldesk.sim import SimSwitch
from calldesk.store import Store
from calldesk.telephony.intake import Intake
from calldesk.telephony.switchboard import Switchboard

PASSWORD = "test-ivr-sim-pw"
FLOWS = Path(__file__).parents[3] / "ivrflows"
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Crash(Exception):
    pass


HELLO = (FLOWS / "hello.yaml").read_text()
EDITS = {
    "broken": HELLO.replace("fallback: bye", "fallback: nowhere"),
    "v2": HELLO.replace("queue: general", "queue: billing"),
}


@pytest.fixture
def sim(tmp_path):
    switch = SimSwitch(password=PASSWORD, time_scale=50.0, recordings_dir=tmp_path / "rec").start()
    for number in ("5550000", "5551000", "5559000"):
        switch.dialplan.add_did(number)
    yield switch
    switch.stop()


@pytest.fixture
def flows_dir(tmp_path):
    d = tmp_path / "ivrflows"
    shutil.copytree(FLOWS, d)
    (d / "slow.yaml").write_text(
        "flow: slow\nbindings: {numbers: ['5559000']}\nsteps:\n"
        "  long: {kind: play, prompt: {silence: 60000}, next: q}\n"
        "  q: {kind: enqueue, queue: general}\n"
    )
    return d


class Controller:
    """What `calldesk serve` wires for the IVR: connection, store, library, runner, service."""

    def __init__(self, sim, flows_dir: Path, db: Path, inputs: list[str]) -> None:
        self.sim = sim
        self.conn = SwitchConnection(
            SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, command_timeout=3.0)
        )
        self.store = Store.open(db)
        self.runs = RunStore(self.store.db, self.store.journal)
        self.library = FlowLibrary(flows_dir, archive=self.runs)
        assert self.library.poll() == []
        http = ScriptedHttp({"https://core.bank.example/": HttpResult(200, {"amount": "42.50"})})
        self.handoff = CollectingHandoff()
        self.runner = Runner(
            self.library, lambda: NOW, http, MemoryContexts(), self.handoff, self.runs
        )
        self.callers: dict[str, ScriptedCaller] = {}

        def wrap(port):
            def press(digits):
                if digits == "crash":
                    raise Crash()
                if digits.startswith("save:"):  # the operator saves a file mid-call
                    (flows_dir / "hello.yaml").write_text(EDITS[digits[5:]])
                    self.library.poll()
                    return
                sim.send_dtmf(port.leg, digits)

            # `inputs` is one script for every call, or a list of scripts, one per call.
            script = inputs.pop(0) if inputs and isinstance(inputs[0], list) else inputs
            caller = ScriptedCaller(port, script, press, lambda: sim.hangup(port.leg))
            self.callers[port.leg] = caller
            return caller

        self.service = IvrService(self.conn, self.library, self.runner, self.runs,
                                  VoiceSettings(prompts_dir=flows_dir / "prompts"), wrap_port=wrap)  # fmt: skip
        self.board, intake = Switchboard([self.conn]), Intake()
        self.board.tracker.subscribe(intake.on_leg)
        wire_ivr(self.board, intake, {self.conn.name: self.service})
        assert self.conn.start(wait=5)

    def outcome(self, leg: str, timeout: float = 10.0):
        with gevent.Timeout(timeout, AssertionError("run did not finish")):
            while leg not in self.service.outcomes:
                gevent.sleep(0.01)
        return self.service.outcomes[leg]

    def stop(self) -> None:
        self.conn.stop()
        self.store.db.conn.close()


def steps(outcome) -> list[str]:
    return [p.split(":", 1)[1] for p in outcome.path]


@pytest.fixture
def controller(sim, flows_dir, tmp_path):
    made = []

    def make(inputs):
        c = Controller(sim, flows_dir, tmp_path / "calldesk.sqlite", inputs)
        made.append(c)
        return c

    yield make
    for c in made:
        c.stop()


def test_menu_choice_enqueues(sim, controller):
    c = controller(["2"])
    leg = sim.inject_call(did="5550000", caller_id="+15550101", caller_name="Ada")
    out = c.outcome(leg)
    assert out.status == "enqueued" and steps(out) == ["greet", "menu", "support"]
    req = c.handoff.requests[0]
    assert req.queue == "support" and req.caller["id"] == "+15550101" and req.medium == "voice"
    assert c.runs.status_at(leg) == "enqueued"
    assert sim.get_leg(leg) is not None and not sim.get_leg(leg).hungup  # parked for the ACD


def test_invalid_input_then_valid(sim, controller):
    c = controller(["7", "1"])
    leg = sim.inject_call(did="5550000")
    out = c.outcome(leg)
    assert out.status == "enqueued" and c.handoff.requests[0].queue == "general"
    assert out.variables["menu_choice"] == "1"


def test_timeouts_exhaust_retries_and_hang_up(sim, controller):
    c = controller(["", "", ""])
    leg = sim.inject_call(did="5550000")
    out = c.outcome(leg, timeout=20)
    assert out.status == "hangup" and steps(out)[-1] == "bye"
    assert c.callers[leg].log == ["(says nothing)"] * 3
    with gevent.Timeout(5):
        while sim.get_leg(leg) is not None and not sim.get_leg(leg).hungup:
            gevent.sleep(0.01)


def test_caller_hangs_up_mid_prompt(sim, controller):
    c = controller([])
    leg = sim.inject_call(did="5559000", hangup_after=2.0)  # sim seconds, during the 60 s prompt
    out = c.outcome(leg)
    assert out.status == "caller_gone" and steps(out) == ["long"]
    assert c.handoff.requests == [] and c.runs.status_at(leg) == "caller_gone"


def test_bank_account_luhn_and_balance_with_digits_typed_over_prompts(sim, controller):
    # Every input is typed while its prompt plays: the first digit barges in, the rest stay
    # queued in the switch and play_and_get_digits reads them.
    c = controller(["1", "79927398710#", "79927398713#", "0", "1"])
    leg = sim.inject_call(did="5551000")
    out = c.outcome(leg, timeout=20)
    assert out.status == "enqueued", (steps(out), c.callers[leg].log, out.detail)
    assert steps(out)[:6] == [
        "welcome",
        "choose_language",
        "english",
        "ask_account",
        "balance_lookup",
        "say_balance",
    ]
    assert out.variables["account"] == "*******8713"
    assert c.handoff.requests[0].queue == "general"


def test_restart_mid_flow_resumes_the_parked_caller(sim, controller, flows_dir):
    first = controller(["1", "crash"])  # the controller dies while asking for the account
    leg = sim.inject_call(did="5551000")
    with gevent.Timeout(10):
        while leg in first.service.active or first.runs.status_at(leg) is None:
            gevent.sleep(0.01)
    assert first.runs.load(first.service.interaction_of[leg]).step == "ask_account"
    first.stop()
    assert not sim.get_leg(leg).hungup  # the caller is still parked in the switch

    second = controller(["79927398713#", "2", "1"])  # resync finds the leg and resumes it
    out = second.outcome(leg, timeout=20)
    assert out.status == "enqueued"
    assert steps(out)[:3] == ["welcome", "choose_language", "english"]  # one path, not restarted
    assert steps(out).count("welcome") == 1 and "main_menu" in steps(out)
    assert second.handoff.requests[0].queue == "billing"


def test_broken_flow_saved_during_a_call_loses_no_call(sim, controller):
    c = controller([["save:broken", "1"], ["1"], ["save:v2", "1"], ["1"]])
    v1 = c.library.get("hello").version
    first = sim.inject_call(did="5550000")
    out = c.outcome(first, timeout=20)  # said nothing while the broken file landed, then 1
    assert out.status == "enqueued" and c.handoff.requests[0].flow_version == v1
    assert c.library.last_errors and c.library.get("hello").version == v1
    second = sim.inject_call(did="5550000")  # starts while the broken file is on disk
    assert c.outcome(second).status == "enqueued"
    assert c.handoff.requests[1].flow_version == v1 and c.handoff.requests[1].queue == "general"
    third = sim.inject_call(did="5550000")  # the fix lands during this call, which keeps v1
    assert c.outcome(third, timeout=20).status == "enqueued"
    assert c.handoff.requests[2].flow_version == v1
    fourth = sim.inject_call(did="5550000")
    assert c.outcome(fourth).status == "enqueued"
    assert c.handoff.requests[3].queue == "billing" and c.handoff.requests[3].flow_version != v1


def test_build_ivr_from_config_serves_calls(sim, flows_dir, tmp_path):
    from calldesk.app import build
    from calldesk.config import load_config

    cfg_file = tmp_path / "calldesk.yaml"
    cfg_file.write_text(
        f"switches: [{{name: sim1, host: 127.0.0.1, port: {sim.port}, password: {PASSWORD}}}]\n"
        f"store: {{path: {tmp_path / 'app.sqlite'}}}\n"
        f"flows: {{dir: {flows_dir}, reload_interval: 0.05}}\n"
        "queues: [{name: general}, {name: billing}, {name: support}, {name: vip}]\n"
    )
    controller = build(load_config(cfg_file, env={}))
    ivr = controller.ivr  # build_ivr's, wired by the composition root (the intake's ivr owner)
    try:
        assert controller.start(wait=5) == {"sim1": True}
        assert ivr.library.names() == ["bank", "hello", "slow", "support", "voicemail"]
        leg = sim.inject_call(did="5559000", hangup_after=1.0)
        with gevent.Timeout(10):
            while leg not in ivr.services["sim1"].outcomes:
                gevent.sleep(0.01)
        assert ivr.services["sim1"].outcomes[leg].status == "caller_gone"
        assert ivr.runs.status_at(leg) == "caller_gone"
    finally:
        controller.stop()
