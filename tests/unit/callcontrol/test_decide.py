"""The pure core of the voice operations: commands and resulting state per operation, refusals,
and what an event on the agent's leg says the phone did."""

from __future__ import annotations

import pytest

from calldesk.callcontrol.decide import (
    NEW_LEG,
    CallState,
    Refused,
    Target,
    phone_action,
    plan,
)

C, A, K = "cust-0001", "agent-0001", "consult-01"


def texts(p) -> list[str]:  # type: ignore[no-untyped-def]
    return [c.text("NEW") for c in p.commands]


def test_hold_then_unhold() -> None:
    p = plan("hold", C, A, CallState())
    assert texts(p) == [f"uuid_hold {A}"] and p.state.held
    q = plan("unhold", C, A, p.state)
    assert texts(q) == [f"uuid_hold off {A}"] and not q.state.held


def test_hold_twice_and_unhold_when_not_held_are_refused() -> None:
    with pytest.raises(Refused) as e:
        plan("hold", C, A, CallState(held=True))
    assert e.value.code == "already_held"
    with pytest.raises(Refused) as e:
        plan("unhold", C, A, CallState())
    assert e.value.code == "not_held"


def test_no_legs_no_operation() -> None:
    with pytest.raises(Refused) as e:
        plan("hold", None, A, CallState())
    assert e.value.code == "no_call"
    with pytest.raises(Refused) as e:
        plan("hold", C, None, CallState())
    assert e.value.code == "no_agent_leg"


def test_mute_dtmf_hangup() -> None:
    assert texts(plan("mute", C, A, CallState(), on=True)) == [f"uuid_audio {A} start read mute 1"]
    assert texts(plan("mute", C, A, CallState(muted=True), on=False)) == [f"uuid_audio {A} stop"]
    assert texts(plan("dtmf", C, A, CallState(), digits="12#a")) == [f"uuid_send_dtmf {C} 12#A"]
    for bad in ("", "12x", "1" * 33, "1 2"):
        with pytest.raises(Refused, match="digits"):
            plan("dtmf", C, A, CallState(), digits=bad)
    assert texts(plan("hangup", C, A, CallState())) == [f"uuid_kill {C} NORMAL_CLEARING"]
    both = plan("hangup", C, A, CallState(consult=K))
    assert texts(both) == [f"uuid_kill {C} NORMAL_CLEARING", f"uuid_kill {K} NORMAL_CLEARING"]


def test_blind_transfer_to_a_queue_keeps_the_customer_and_requeues() -> None:
    p = plan("transfer", C, A, CallState(held=True), target=Target("queue", "support"))
    assert texts(p) == [f"uuid_hold off {A}", f"uuid_setvar {C} park_after_bridge true",
                        f"uuid_kill {A} NORMAL_CLEARING"]  # fmt: skip
    assert p.requeue == "support" and p.release_agent and p.needs_leg is None


def test_blind_transfer_to_an_agent_dials_first_then_bridges_the_customer() -> None:
    p = plan("transfer", C, A, CallState(), target=Target("agent", "bob"))
    assert p.needs_leg == Target("agent", "bob") and p.release_agent and p.requeue is None
    assert texts(p) == [f"uuid_break {C} all", f"uuid_bridge {C} NEW"]


def test_consult_complete_cancel_conference() -> None:
    p = plan("consult", C, A, CallState(), target=Target("number", "+15550123"))
    assert texts(p) == [f"uuid_setvar {C} park_after_bridge true",
                        f"uuid_setvar {A} park_after_bridge true", f"uuid_bridge {A} NEW",
                        f"uuid_broadcast {C} local_stream://moh aleg"]  # fmt: skip
    assert p.state.consult == NEW_LEG and not p.release_agent
    st = CallState(consult=K, consult_target=Target("number", "+15550123"))
    done = plan("consult_complete", C, A, st)
    assert texts(done)[-1] == f"uuid_bridge {C} {K}" and done.release_agent
    assert f"uuid_setvar {A} park_after_bridge false" in texts(done)
    assert done.state == CallState()
    back = plan("consult_cancel", C, A, st)
    assert texts(back)[:3] == [f"uuid_kill {K} NORMAL_CLEARING", f"uuid_break {C} all",
                               f"uuid_bridge {C} {A}"]  # fmt: skip
    assert not back.release_agent and back.state.consult is None
    conf = plan("conference", C, A, st, room="calldesk-i1")
    assert texts(conf) == [f"uuid_break {C} all",
                           f"uuid_transfer {A} -both conference:calldesk-i1@default inline",
                           f"uuid_transfer {C} conference:calldesk-i1@default inline"]  # fmt: skip
    assert conf.state.conference == "calldesk-i1"
    gone = plan("hangup", C, A, conf.state)
    assert len(gone.commands) == 3  # customer, consult leg and agent: no bridge ties them now


def test_consult_refusals() -> None:
    with pytest.raises(Refused) as e:
        plan("consult", C, A, CallState(), target=Target("queue", "sales"))
    assert e.value.code == "bad_target"
    for op in ("consult_complete", "consult_cancel", "conference"):
        with pytest.raises(Refused) as e:
            plan(op, C, A, CallState())
        assert e.value.code == "no_consult"
    with pytest.raises(Refused) as e:
        plan("transfer", C, A, CallState(consult=K), target=Target("agent", "bob"))
    assert e.value.code == "in_consult"
    with pytest.raises(Refused) as e:
        plan("hold", C, A, CallState(consult=K))
    assert e.value.code == "in_consult"


@pytest.mark.parametrize(
    "raw, why",
    [(None, "target: must be"), ({"kind": "queue"}, "target: must be"),
     ({"kind": "fax", "id": "x"}, "target.kind"), ({"kind": "queue", "id": ""}, "target.id"),
     ({"kind": "number", "id": "1\r\n2"}, "target.id"), ({"kind": "agent", "id": 7}, "target.id"),
     ({"kind": "queue", "id": "a", "x": 1}, "target: must be")],
)  # fmt: skip
def test_bad_targets_are_named(raw, why) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused, match=why):
        Target.parse(raw)


def test_phone_actions_from_agent_leg_events() -> None:
    assert phone_action("CHANNEL_HOLD", {}, A).kind == "hold"  # type: ignore[union-attr]
    assert phone_action("CHANNEL_UNHOLD", {}, A).kind == "unhold"  # type: ignore[union-attr]
    refer = phone_action("CHANNEL_HANGUP", {"variable_transfer_to": f"blind:{C}",
                                            "variable_transfer_destination": "blind:5556000"}, A)  # fmt: skip
    assert refer is not None and refer.kind == "refer"
    assert refer.detail == {"destination": "5556000", "leg": A}
    assert phone_action("CHANNEL_HANGUP", {}, A) is None
    assert phone_action("CHANNEL_ANSWER", {}, A) is None


def test_unknown_operation() -> None:
    with pytest.raises(Refused, match="unknown operation"):
        plan("park", C, A, CallState())
