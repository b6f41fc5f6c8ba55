"""Feature codes over real TCP against the simulated switch: the agent's phone dials a code,
the dialplan parks it, calldesk changes the agent's state, speaks, and hangs up."""

from __future__ import annotations

from tests.integration.callcontrol.conftest import Env
from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentState
from calldesk.featurecodes import FeatureCodes
from calldesk.telephony.intake import Intake

# The rendered calldesk_agents context, as the sim runs it (directory variable calldesk_agent).
DIALPLAN = {
    "*41": ("login", ""), "*42": ("logout", ""), "*43": ("ready", ""), "*442": ("not_ready", "2"),
    "*45": ("wrapup", ""), "*449": ("not_ready", "9"),
}  # fmt: skip


def wired(d, env: Env) -> FeatureCodes:  # noqa: ANN001
    """Feature codes as the composition root wires them: the intake's `feature` owner."""
    fc = FeatureCodes(d.board, d.svc, d.store.journal, clock=env.sim.clock.epoch)
    intake = Intake()
    d.board.tracker.subscribe(intake.on_leg)
    intake.own("feature", fc.on_park)
    return fc


def dial(env: Env, code: str, agent: str = "alice") -> str:
    feature, arg = DIALPLAN[code]
    acts = [
        ("set", "calldesk_kind=agent_feature"),
        ("set", "calldesk_role=feature"),
        ("set", f"calldesk_feature={feature}"),
    ]
    if arg:
        acts.append(("set", f"calldesk_feature_arg={arg}"))
    acts += [("set", f"calldesk_from_agent={agent}"), ("park", "")]
    env.sim.dialplan.add(code, acts, context="calldesk_agents")
    return env.sim.inject_call(code, caller_id="1001", context="calldesk_agents")


def played(env: Env, uuid: str) -> list[str]:
    return [e.get("Playback-File-Path") for e in env.sim.history
            if e.name == "PLAYBACK_START" and e.uuid == uuid]  # fmt: skip


def test_an_agent_works_from_the_phone_alone(env: Env) -> None:
    d = env.desk
    fc = wired(d, env)
    a = d.acd.agents["alice"]
    leg = dial(env, "*41")
    wait_for(lambda: leg not in env.sim.legs, what="confirmed and hung up")
    assert a.logged_in and played(env, leg) == ["ivr/ivr-you_are_now_logged_in.wav"]
    dial(env, "*43")
    wait_for(lambda: a.state is AgentState.AVAILABLE, what="ready")
    dial(env, "*442")
    wait_for(lambda: a.state is AgentState.NOT_READY, what="not ready")
    bad = dial(env, "*449")
    wait_for(lambda: bad not in env.sim.legs, what="refused and hung up")
    assert played(env, bad) == ["ivr/ivr-that_was_an_invalid_entry.wav"]
    dial(env, "*43")
    wait_for(lambda: a.state is AgentState.AVAILABLE, what="ready again")
    # a call, the customer hangs up, wrap-up (30 s) ended from the phone
    iid = d.call("sales")
    wait_for(lambda: a.state is AgentState.BUSY, what="busy")
    # bridged first: a caller who hangs up between the answer and the bridge is a failed
    # connect (back to the queue, then abandoned), not a call the agent wraps up
    wait_for(lambda: "interaction.bridged" in d.kinds(iid), what="bridged")
    env.sim.hangup(iid)
    wait_for(lambda: a.state is AgentState.WRAP_UP, what="wrap-up")
    dial(env, "*45")
    wait_for(lambda: a.state is AgentState.AVAILABLE, what="wrap-up done from the phone")
    out = dial(env, "*42")
    wait_for(lambda: not a.logged_in, what="logged out")
    wait_for(lambda: out not in env.sim.legs, what="hung up")
    kinds = [e.kind for e in d.store.journal.read(subject="alice") if e.kind.startswith("feature.")]
    assert kinds == ["feature.login", "feature.ready", "feature.not_ready", "feature.refused",
                     "feature.ready", "feature.wrapup", "feature.logout"]  # fmt: skip
    nr = next(d.store.journal.read(subject="alice", kind="feature.not_ready")).data
    assert nr["reason"] == "lunch"
    assert fc.handled == set() or all(u not in env.sim.legs for u in fc.handled)


def test_a_desk_call_is_not_taken_for_a_feature_code(env: Env) -> None:
    d = env.desk
    wired(d, env)
    leg = env.sim.inject_call("5551000")  # an ordinary parked customer call
    wait_for(lambda: (x := d.board.tracker.legs.get(leg)) is not None and x.parked, what="park")
    assert leg in env.sim.legs and not list(d.store.journal.read(kind="feature.refused"))
