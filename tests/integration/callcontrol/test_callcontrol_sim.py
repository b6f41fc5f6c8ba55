"""Voice operations over real TCP against the simulated switch: what the switch did (its legs,
bridges, hold, conference), what calldesk's state became, and the journal."""

from __future__ import annotations

import pytest
from tests.integration.callcontrol.conftest import Env
from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentState
from calldesk.auth import PermissionDenied
from calldesk.callcontrol import Refused
from calldesk.sim.apps import conference, hold
from calldesk.sim.phones import press_hold, press_transfer


def moh_on(env: Env, uuid: str) -> bool:
    leg = env.sim.legs.get(uuid)
    return leg is not None and any(f.data.startswith("local_stream://") for f in leg.frames)


def test_hold_and_unhold_from_the_api(env: Env) -> None:
    iid, agent_leg = env.connected()
    out = env.cc.hold(env.user("alice"), iid)
    assert out["state"]["held"] is True
    wait_for(lambda: hold.is_held(env.sim.legs[agent_leg]), what="switch holds the agent leg")
    wait_for(lambda: moh_on(env, iid), what="customer hears hold music")
    with pytest.raises(Refused, match="already on hold"):
        env.cc.hold(env.user("alice"), iid)
    env.cc.unhold(env.user("alice"), iid)
    wait_for(lambda: not moh_on(env, iid), what="hold music stopped")
    assert not hold.is_held(env.sim.legs[agent_leg])
    assert env.kinds(iid) == ["call.hold", "call.refused", "call.unhold"]


def test_roles_and_teams_are_checked_and_refusals_journaled(env: Env) -> None:
    iid, _ = env.connected()
    with pytest.raises(PermissionDenied, match="not theirs"):
        env.cc.hold(env.user("bob"), iid)
    with pytest.raises(PermissionDenied, match="not in their teams"):
        env.cc.hangup(env.user("sup-blue"), iid)
    env.cc.mute(env.user("sup-red"), iid, True)
    env.cc.mute(env.user("boss"), iid, False)
    refused = [e.data for e in env.desk.store.journal.read(subject=iid, kind="call.refused")]
    assert [(r["by"], r["code"]) for r in refused] == [("bob", "forbidden"),
                                                        ("sup-blue", "forbidden")]  # fmt: skip
    mutes = [e.data for e in env.desk.store.journal.read(subject=iid, kind="call.mute")]
    assert [(m["by"], m["on"]) for m in mutes] == [("sup-red", True), ("boss", False)]


def test_dtmf_and_hangup(env: Env) -> None:
    iid, agent_leg = env.connected()
    env.cc.dtmf(env.user("alice"), iid, "12#")
    with pytest.raises(Refused, match="digits"):
        env.cc.dtmf(env.user("alice"), iid, "12;kill")
    env.cc.hangup(env.user("alice"), iid)
    wait_for(lambda: iid not in env.sim.legs and agent_leg not in env.sim.legs, what="both gone")
    a = env.desk.acd.agents["alice"]
    wait_for(lambda: a.state is AgentState.WRAP_UP, what="alice wraps up")
    assert "interaction.ended" in env.desk.kinds(iid)


def test_phone_hold_key_is_followed(env: Env) -> None:
    iid, agent_leg = env.connected()
    press_hold(env.sim, agent_leg, True)
    wait_for(lambda: env.cc.state(iid).held, what="calldesk sees the phone's hold")
    wait_for(lambda: moh_on(env, iid), what="customer hears hold music")
    env.cc.unhold(env.user("alice"), iid)  # the desktop can resume a phone's hold
    wait_for(lambda: not hold.is_held(env.sim.legs[agent_leg]), what="resumed")
    press_hold(env.sim, agent_leg, True)
    wait_for(lambda: env.cc.state(iid).held, what="held again")
    press_hold(env.sim, agent_leg, False)
    wait_for(lambda: not env.cc.state(iid).held, what="phone resumed")
    vias = [e.data["via"] for e in env.desk.store.journal.read(subject=iid)
            if e.kind in ("call.hold", "call.unhold")]  # fmt: skip
    assert vias == ["phone", "api", "phone", "phone"]


def test_blind_transfer_to_an_agent(env: Env) -> None:
    iid, alice_leg = env.connected()
    env.desk.svc.login("bob", ready=False)
    env.cc.transfer(env.user("alice"), iid, {"kind": "agent", "id": "bob"})
    wait_for(lambda: alice_leg not in env.sim.legs, what="alice's leg left behind ends")
    bob_leg = wait_for(lambda: env.bridged_to(iid), what="customer bridged to bob")
    assert bob_leg and env.sim.legs[bob_leg].name.startswith("sofia/internal/1002@")
    acd = env.desk.acd
    wait_for(lambda: acd.agents["alice"].state is AgentState.WRAP_UP, what="alice wraps up")
    wait_for(lambda: acd.agents["bob"].state is AgentState.BUSY, what="bob busy with the call")
    assert iid in acd.interactions  # the interaction goes on, same id
    env.sim.hangup(iid)
    wait_for(lambda: iid not in acd.interactions, what="customer hung up: interaction ends")
    wait_for(lambda: acd.agents["bob"].state is not AgentState.BUSY, what="bob freed")
    assert env.kinds(iid) == ["call.transfer"]


def test_blind_transfer_to_a_number_goes_through_the_trunks(env: Env) -> None:
    env.sim.add_phone(
        "sofia/gateway/carrier-a/+15550123",
        __import__("calldesk.sim", fromlist=["PhoneBehavior"]).PhoneBehavior.answer(after=0.3),
    )
    iid, alice_leg = env.connected()
    with pytest.raises(Refused) as e:
        env.cc.transfer(env.user("alice"), iid, {"kind": "number", "id": "+4420799900"})
    assert e.value.code == "dial_failed"
    assert env.bridged_to(iid) == alice_leg  # nothing changed
    env.cc.transfer(env.user("alice"), iid, {"kind": "number", "id": "+15550123"})
    wait_for(lambda: alice_leg not in env.sim.legs, what="alice's leg ends")
    far = wait_for(lambda: env.bridged_to(iid), what="customer bridged to the number")
    assert env.sim.legs[far].variables["calldesk_trunk"] == "carrier-a"
    kinds = [e.kind for e in env.desk.store.journal.read(subject=iid)]
    assert "outbound.refused" in kinds and "outbound.connected" in kinds


def test_transfer_to_a_queue_is_refused_until_the_acd_can_requeue(env: Env) -> None:
    iid, alice_leg = env.connected()
    with pytest.raises(Refused) as e:
        env.cc.transfer(env.user("alice"), iid, {"kind": "queue", "id": "support"})
    assert e.value.code == "not_supported"
    assert env.bridged_to(iid) == alice_leg  # refused before touching the call


def test_consult_then_complete_is_an_attended_transfer(env: Env) -> None:
    iid, alice_leg = env.connected()
    out = env.cc.consult(env.user("alice"), iid, {"kind": "agent", "id": "bob"})
    bob_leg = out["state"]["consult"]
    wait_for(lambda: env.bridged_to(alice_leg) == bob_leg, what="alice talks to bob")
    wait_for(lambda: moh_on(env, iid), what="customer waits with hold music")
    assert env.desk.acd.agents["alice"].state is AgentState.BUSY
    env.cc.consult_complete(env.user("alice"), iid)
    wait_for(lambda: env.bridged_to(iid) == bob_leg, what="customer with bob")
    wait_for(lambda: alice_leg not in env.sim.legs, what="alice's leg ends by itself")
    assert not moh_on(env, iid)
    wait_for(lambda: env.desk.acd.agents["alice"].state is AgentState.WRAP_UP, what="wrap-up")
    assert iid in env.desk.acd.interactions
    assert env.kinds(iid) == ["call.consult", "call.consult_complete"]


def test_consult_then_cancel_returns_to_the_customer(env: Env) -> None:
    iid, alice_leg = env.connected()
    bob_leg = env.cc.consult(env.user("alice"), iid, {"kind": "agent", "id": "bob"})["state"][
        "consult"
    ]
    wait_for(lambda: env.bridged_to(alice_leg) == bob_leg, what="consulting")
    env.cc.consult_cancel(env.user("alice"), iid)
    wait_for(lambda: env.bridged_to(iid) == alice_leg, what="back with the customer")
    assert bob_leg not in env.sim.legs and not moh_on(env, iid)
    assert env.desk.acd.agents["alice"].state is AgentState.BUSY
    # the call ends normally afterwards: alice's leg no longer parks after the bridge
    env.sim.hangup(iid)
    wait_for(lambda: alice_leg not in env.sim.legs, what="alice's leg follows the customer")


def test_consult_then_conference_joins_all_three(env: Env) -> None:
    iid, alice_leg = env.connected()
    bob_leg = env.cc.consult(env.user("alice"), iid, {"kind": "agent", "id": "bob"})["state"][
        "consult"
    ]
    wait_for(lambda: env.bridged_to(alice_leg) == bob_leg, what="consulting")
    env.cc.conference(env.user("alice"), iid)
    room = f"calldesk-{iid}"
    wait_for(lambda: len(getattr(conference.rooms(env.sim).get(room), "members", [])) == 3,
             what="three members")  # fmt: skip
    members = {m.leg.uuid for m in conference.rooms(env.sim)[room].members}
    assert members == {iid, alice_leg, bob_leg}
    env.cc.hangup(env.user("alice"), iid)
    wait_for(lambda: room not in conference.rooms(env.sim), what="room gone")
    assert not ({iid, alice_leg, bob_leg} & set(env.sim.legs))


def test_phone_refer_releases_the_agent_and_keeps_the_customer(env: Env) -> None:
    iid, alice_leg = env.connected()
    assert press_transfer(env.sim, alice_leg, "5556000")
    wait_for(lambda: alice_leg not in env.sim.legs, what="phone's leg ends")
    acd = env.desk.acd
    wait_for(lambda: acd.agents["alice"].state is AgentState.WRAP_UP, what="alice not stuck")
    leg = env.desk.board.tracker.legs[iid]
    wait_for(lambda: leg.parked, what="customer parked at the REFER target")
    assert env.sim.legs[iid].variables["calldesk_xfer_target"] == "5556000"
    assert iid in acd.interactions
    t = next(env.desk.store.journal.read(subject=iid, kind="call.transfer")).data
    assert (t["via"], t["target"]) == ("phone", {"kind": "number", "id": "5556000"})
