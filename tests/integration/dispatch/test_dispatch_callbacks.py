"""Queued callbacks, MOH and announcements, and overflow to voicemail, over the wire."""

from __future__ import annotations

from tests.integration.dispatch.helpers import request, wait_for

from calldesk.acd import AgentConfig, AgentState, QueueConfig
from calldesk.sim import PhoneBehavior


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def test_callback_keeps_the_place_then_dials_the_customer(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    # talks 10 s (0.5 s wall): with 3 s, a box late by 150 ms could end the bridge unseen
    sim.add_phone("user/5550177", PhoneBehavior.answer(after=1.0, hangup_after=10))
    desk = desk_factory([agent("alice", "user/1001")], callback_endpoint="user/{number}")
    desk.svc.login("alice", ready=False)
    caller = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(lambda: (leg := desk.board.tracker.legs.get(caller)) is not None and leg.parked)
    desk.svc.enqueue(request(caller, "sales", "+15550101", callback="5550177"))
    # the caller leaves a number and hangs up: that is no abandon
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller released")
    assert desk.overflows and desk.overflows[0][0].kind == "callback"
    assert desk.acd.interactions[caller].callback_number == "5550177"
    desk.svc.ready("alice")
    wait_for(lambda: "interaction.answered" in desk.kinds(caller), what="callback connected")
    customer = desk.voice.maps.customers[caller]
    cust_leg = desk.board.tracker.legs[customer.uuid]
    wait_for(lambda: cust_leg.bridged_to is not None, what="customer bridged to agent")
    assert desk.board.tracker.legs[cust_leg.bridged_to].variables["calldesk_agent"] == "alice"
    wait_for(lambda: "interaction.ended" in desk.kinds(caller), what="customer hung up")
    assert "interaction.abandoned" not in desk.kinds(caller)
    wait_for(lambda: desk.acd.agents["alice"].state is AgentState.AVAILABLE, what="alice free")


def test_failed_callback_is_retried_then_given_up(sim, desk_factory) -> None:
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    sim.add_phone("user/5550177", PhoneBehavior.busy(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")], callback_endpoint="user/{number}")
    desk.svc.login("alice", ready=True)
    caller = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(lambda: (leg := desk.board.tracker.legs.get(caller)) is not None and leg.parked)
    desk.svc.enqueue(request(caller, "sales", "+15550101", callback="5550177"))
    wait_for(lambda: "interaction.overflowed" in desk.kinds(caller), timeout=10, what="gave up")
    failed = [e.data for e in desk.store.journal.read(subject=caller, kind="callback.failed")]
    assert failed[0]["cause"] == "user_busy" and len(failed) == 1  # two attempts in all
    assert len(list(desk.store.journal.read(subject=caller, kind="callback.dialing"))) == 2
    alice = desk.acd.agents["alice"]
    wait_for(lambda: alice.state is AgentState.AVAILABLE, what="alice released")
    wait_for(lambda: not desk.board.tracker.legs, what="no leg left up")


def test_waiting_caller_hears_moh_and_the_position(sim, desk_factory) -> None:
    apps: list[tuple[str, str]] = []
    queue = QueueConfig("sales", announce_every_s=3)
    desk = desk_factory([agent("alice", "user/1001")], [queue])
    desk.board.tracker.subscribe(
        lambda leg, e: apps.append((e.get("Application"), e.get("Application-Data")))
        if e.name == "CHANNEL_EXECUTE" else None
    )  # fmt: skip
    desk.call()
    second = desk.call(caller_id="+15550102")
    wait_for(lambda: ("say", "en number pronounced 2") in apps, what="position said")
    assert ("playback", "local_stream://moh") in apps  # uuid_break ends it (voice.py)
    assert ("endless_playback", "local_stream://moh") not in apps
    assert desk.board.tracker.legs[second].alive


def test_max_wait_overflows_to_voicemail_without_an_abandon(sim, desk_factory) -> None:
    queue = QueueConfig("sales", max_wait_s=3, max_wait_action="voicemail",
                        max_wait_target="vm_sales")  # fmt: skip
    desk = desk_factory([agent("alice", "user/1001")], [queue])
    caller = desk.call()
    wait_for(lambda: "interaction.overflowed" in desk.kinds(caller), what="overflowed")
    d, leg = desk.overflows[0]
    assert (d.kind, d.target, leg.uuid) == ("voicemail", "vm_sales", caller)
    sim.hangup(caller)
    wait_for(lambda: caller not in desk.board.tracker.legs, what="gone")
    assert "interaction.abandoned" not in desk.kinds(caller)


def test_breakout_key_while_waiting_becomes_a_callback_in_place(sim, desk_factory) -> None:
    """A caller waiting in a queue with `breakout: {"1": callback}` presses 1: they leave the
    line (no abandon), keep their place, and are called back on their caller ID."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    # talks 10 s (0.5 s wall): with 2 s the customer sometimes hung up before the bridge was
    # journaled on a loaded box, and the callback counted as abandoned
    sim.add_phone("user/+15550133", PhoneBehavior.answer(after=0.5, hangup_after=10))
    queue = QueueConfig("sales", wrap_up_s=1, breakout={"1": "callback"})
    desk = desk_factory([agent("alice", "user/1001")], [queue], callback_endpoint="user/{number}")
    desk.svc.login("alice", ready=False)
    caller = desk.call(caller_id="+15550133")
    sim.send_dtmf(caller, "7")  # not a breakout key: nothing happens
    sim.send_dtmf(caller, "1")
    wait_for(lambda: "callback.requested" in desk.kinds(caller), what="callback requested")
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller released")
    assert "interaction.abandoned" not in desk.kinds(caller)
    desk.svc.ready("alice")
    wait_for(lambda: "interaction.answered" in desk.kinds(caller), what="called back")
    wait_for(lambda: "interaction.ended" in desk.kinds(caller), what="callback over")
