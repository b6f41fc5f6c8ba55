"""External transfers through trunks, over real TCP against the simulated switch: a premium
number the flow allows is still refused by the global rules (the step's fallback runs, nothing
is dialled), and an allowed number goes out by trunk, failing over, and is bridged."""

from __future__ import annotations

from datetime import UTC, datetime

import gevent
import pytest

from calldesk.app import wire_ivr
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.ivr.service import IvrService
from calldesk.ivr.voice import VoiceSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store
from calldesk.telephony.intake import Intake
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer

PASSWORD = "test-ivr-trunks-pw"
SCALE = 50.0
FLOW = """flow: {name}
bindings: {{numbers: ["{did}"]}}
allow_transfer: ["+1*"]
entry: xfer
steps:
  xfer: {{kind: transfer, to: external, destination: "{number}", fallback: sorry}}
  sorry: {{kind: hangup, cause: CALL_REJECTED}}
"""
TRUNKS = [
    {"name": "carrier-a", "max_legs": 2, "gateway": {"proxy": "203.0.113.10", "auth": "ip"},
     "acl": ["203.0.113.10"]},
    {"name": "carrier-b", "max_legs": 2, "gateway": {"proxy": "203.0.113.20", "auth": "ip"},
     "acl": ["203.0.113.20"]},
]  # fmt: skip


@pytest.fixture
def desk(tmp_path):
    sim = SimSwitch(password=PASSWORD, time_scale=SCALE, recordings_dir=tmp_path / "rec").start()
    flows = tmp_path / "flows"
    flows.mkdir()
    for name, did, number in (("premium", "5557001", "+19005551234"),
                              ("sales", "5557002", "+15550188")):  # fmt: skip
        sim.dialplan.add_did(did)
        (flows / f"{name}.yaml").write_text(FLOW.format(name=name, did=did, number=number))
    conn = SwitchConnection(
        SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, command_timeout=3.0)
    )
    board = Switchboard([conn])
    store = Store.open(tmp_path / "calldesk.sqlite")
    dialer = OutboundDialer.build(
        parse_trunks(TRUNKS, env={}), {}, board, store.journal, sim.clock.epoch, SCALE
    )
    board.tracker.subscribe(dialer.on_leg)
    runs = RunStore(store.db, store.journal)
    library = FlowLibrary(flows, archive=runs)
    assert library.poll() == []
    runner = Runner(library, lambda: datetime(2026, 11, 24, tzinfo=UTC), ScriptedHttp({}),
                    MemoryContexts(), CollectingHandoff(), runs, outbound_check=dialer.allows)  # fmt: skip
    service = IvrService(conn, library, runner, runs, VoiceSettings(dial=dialer.dial))
    intake = Intake()
    board.tracker.subscribe(intake.on_leg)
    wire_ivr(board, intake, {"sim1": service})
    assert board.start(wait=5) == {"sim1": True}
    yield sim, board, store, service
    board.stop()
    store.close()
    sim.stop()


def outcome(service: IvrService, leg: str):
    with gevent.Timeout(10, AssertionError("run did not finish")):
        while leg not in service.outcomes:
            gevent.sleep(0.01)
    return service.outcomes[leg]


def kinds(store: Store, subject: str) -> list[str]:
    return [e.kind for e in store.journal.read(subject=subject)]


def test_premium_transfer_is_refused_by_the_global_rules(desk) -> None:
    sim, board, store, service = desk
    sim.add_phone("sofia/gateway/carrier-a/+19005551234", PhoneBehavior.answer())
    leg = sim.inject_call(did="5557001", caller_id="+15550101")
    out = outcome(service, leg)
    assert out.status == "hangup" and [p.split(":")[1] for p in out.path] == ["xfer", "sorry"]
    assert out.variables["xfer_refused"] == "+19005551234"
    iid = service.interaction_of[leg]  # the interaction the caller's leg opened
    refused = [e.data for e in store.journal.read(subject=iid, kind="outbound.refused")]
    assert refused[0]["code"] == "premium" and "+1900NXXXXXX" in refused[0]["reason"]
    assert "outbound.attempt" not in kinds(store, iid)
    gevent.sleep(0.1)
    assert not any(x.variables.get("calldesk_trunk") for x in board.tracker.legs.values())


def test_allowed_transfer_fails_over_and_is_bridged(desk) -> None:
    sim, board, store, service = desk
    sim.add_phone("sofia/gateway/carrier-a/+15550188", PhoneBehavior.fail())
    sim.add_phone("sofia/gateway/carrier-b/+15550188", PhoneBehavior.answer(after=0.5))
    leg = sim.inject_call(did="5557002", caller_id="+15550101")
    assert outcome(service, leg).status == "transferred"
    assert [k for k in kinds(store, leg) if k.startswith("outbound.")] == [
        "outbound.attempt", "outbound.failover", "outbound.attempt", "outbound.connected",
    ]  # fmt: skip
    caller = board.tracker.legs[leg]
    with gevent.Timeout(5, AssertionError("caller not bridged")):
        while caller.bridged_to is None:
            gevent.sleep(0.01)
    far = board.tracker.legs[caller.bridged_to]
    assert far.variables["calldesk_trunk"] == "carrier-b"
    assert far.variables["calldesk_role"] == "transfer"
