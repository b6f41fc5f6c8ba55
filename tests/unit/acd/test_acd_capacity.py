"""Capacity per medium and cross-media blocking, proven with chat, sms and email pseudo-interactions."""

from __future__ import annotations

from calldesk.acd import AgentState, CapacityRules, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.capacity import DEFAULT_BLOCKS

from .helpers import agent, arrive, make, offers, only_offer

Q = QueueConfig("digital")


def _take(acd, iid: str, t: float, medium: str) -> str | None:  # type: ignore[no-untyped-def]
    found = offers(arrive(acd, iid, "digital", t, medium=medium))
    if not found:
        return None
    acd.handle(ev.OfferAccepted(found[0].id), t)
    return found[0].agent


def test_three_chats_at_once_then_the_fourth_waits() -> None:
    acd = make([Q], [agent("a1", "digital")])
    assert [_take(acd, f"c{n}", 10 + n, "chat") for n in range(4)] == ["a1", "a1", "a1", None]
    assert acd.agents["a1"].state is AgentState.BUSY
    o = only_offer(acd.handle(ev.InteractionEnded("c0"), 30))
    assert (o.interaction, o.medium) == ("c3", "chat")


def test_email_capacity_five() -> None:
    acd = make([Q], [agent("a1", "digital")])
    taken = [_take(acd, f"e{n}", 10 + n, "email") for n in range(6)]
    assert taken == ["a1"] * 5 + [None]


def test_active_voice_blocks_new_chats() -> None:
    acd = make([Q], [agent("a1", "digital")])
    assert _take(acd, "v1", 10, "voice") == "a1"
    assert _take(acd, "c1", 11, "chat") is None
    o = only_offer(acd.handle(ev.InteractionEnded("v1"), 20))
    assert o.interaction == "c1"


def test_chats_in_progress_block_voice_by_default() -> None:
    acd = make([Q], [agent("a1", "digital")])
    assert _take(acd, "c1", 10, "chat") == "a1"
    assert _take(acd, "v1", 11, "voice") is None
    assert _take(acd, "s1", 12, "sms") == "a1"  # sms is not blocked by chat


def test_blocking_rules_are_configurable() -> None:
    rules = CapacityRules(blocks=DEFAULT_BLOCKS - {("chat", "voice")})
    acd = make([Q], [agent("a1", "digital")], rules=rules)
    assert _take(acd, "c1", 10, "chat") == "a1"
    assert _take(acd, "v1", 11, "voice") == "a1"
    assert _take(acd, "c2", 12, "chat") is None  # voice still blocks chats


def test_per_agent_capacity_override() -> None:
    acd = make([Q], [agent("a1", "digital", capacity={"chat": 1})])
    assert _take(acd, "c1", 10, "chat") == "a1"
    assert _take(acd, "c2", 11, "chat") is None


def test_medium_not_in_capacity_is_never_offered() -> None:
    acd = make([Q], [agent("a1", "digital", capacity={"voice": 1})])
    assert _take(acd, "e1", 10, "email") is None
    assert _take(acd, "v1", 11, "voice") == "a1"


def test_wrap_up_holds_the_slot_of_its_medium() -> None:
    acd = make([QueueConfig("digital", wrap_up_s=20)], [agent("a1", "digital")])
    assert _take(acd, "v1", 10, "voice") == "a1"
    acd.handle(ev.InteractionEnded("v1"), 15)
    assert _take(acd, "c1", 16, "chat") is None  # voice wrap-up blocks chats too
    assert only_offer(acd.handle(ev.Tick(), 35)).interaction == "c1"


def test_mixed_agents_route_each_medium_to_who_can_take_it() -> None:
    acd = make(
        [Q],
        [agent("voice-only", "digital", capacity={"voice": 1}), agent("chatter", "digital")],
    )
    assert _take(acd, "c1", 10, "chat") == "chatter"
    assert _take(acd, "v1", 11, "voice") == "voice-only"
    assert _take(acd, "c2", 12, "chat") == "chatter"
