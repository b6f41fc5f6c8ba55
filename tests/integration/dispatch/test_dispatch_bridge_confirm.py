"""The switch, not `uuid_bridge`'s +OK, says when a call is bridged; and the agent's answer is
taken from the agent leg's CHANNEL_ANSWER, not from the originate's later job result."""

from __future__ import annotations

import gevent
from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, AgentState
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def test_a_bridge_the_switch_never_confirms_is_a_failed_connect(sim, desk_factory) -> None:
    """uuid_bridge answers +OK, but no CHANNEL_BRIDGE comes (as on a real switch with a leg
    without media and no RTP timer): nothing is journaled as bridged, the caller goes back to
    the head of the queue, the agent leg is hung up, and the next agent gets the call."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    sim.add_phone("user/1002", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001"), agent("bob", "user/1002")])
    media, real_bridge = desk.voice.media, desk.voice.media.bridge
    alice_bridges: list[str] = []

    def bridge(a, b_uuid, stop_media=True):  # +OK for alice's leg, and nothing happens
        leg = desk.board.tracker.legs.get(b_uuid)
        if leg is not None and leg.variables.get("calldesk_agent") == "alice":
            alice_bridges.append(b_uuid)
            return None  # the switch said +OK
        return real_bridge(a, b_uuid, stop_media)

    media.bridge = bridge
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: "interaction.connect_failed" in desk.kinds(caller), timeout=10,
             what="connect failed")
    assert "interaction.bridged" not in desk.kinds(caller)
    failed = next(desk.store.journal.read(subject=caller, kind="interaction.connect_failed"))
    assert failed.data["agent"] == "alice" and "CHANNEL_BRIDGE" in failed.data["cause"]
    requeued = [e.data["cause"] for e in desk.store.journal.read(
        subject=caller, kind="interaction.requeued")]
    assert requeued == [failed.data["cause"]]
    alice_legs = [leg for leg in desk.board.tracker.legs.values()
                  if leg.variables.get("calldesk_agent") == "alice"]
    wait_for(lambda: all(not leg.alive for leg in alice_legs), what="alice's leg hung up")
    assert desk.acd.view().interaction(caller).state.value == "waiting"
    assert alice_bridges  # the bridge was asked for, and "+OK"ed
    # bob logs in and takes the caller, in their place; this bridge the switch confirms
    desk.svc.login("bob", ready=True)
    wait_for(lambda: "interaction.bridged" in desk.kinds(caller), timeout=10, what="bridged")
    bridged = next(desk.store.journal.read(subject=caller, kind="interaction.bridged"))
    agent_leg = desk.board.tracker.legs[bridged.data["agent_leg"]]
    assert agent_leg.variables["calldesk_agent"] == "bob"
    assert desk.board.tracker.legs[caller].bridged_to == agent_leg.uuid  # the switch's word
    assert desk.acd.agents["alice"].state is not AgentState.BUSY


def test_the_answer_is_taken_from_channel_answer_before_the_job_result(sim, desk_factory) -> None:
    """The agent's answer reaches calldesk as the agent leg's CHANNEL_ANSWER; the bgapi job's
    +OK comes later (here: held back for a long while). The call is bridged on the answer."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")])
    media, real = desk.voice.media, desk.voice.media.originate
    released = gevent.event.Event()

    class Late:  # the job result as a slow bgapi thread delivers it: only once released
        def __init__(self, job) -> None:
            self.job = job

        def get(self, timeout=None):
            released.wait(timeout=timeout)
            return self.job.get(timeout=timeout)

        def __getattr__(self, name):
            return getattr(self.job, name)

    media.originate = lambda *a, **k: Late(real(*a, **k))
    desk.svc.login("alice", ready=True)
    caller = desk.call()
    wait_for(lambda: "interaction.bridged" in desk.kinds(caller), timeout=10, what="bridged")
    assert not released.is_set()  # bridged while the job result was still held back
    released.set()
    gevent.sleep(0.2)
    kinds = desk.kinds(caller)
    assert kinds.count("interaction.answered") == 1 and "offer.refused" not in kinds
