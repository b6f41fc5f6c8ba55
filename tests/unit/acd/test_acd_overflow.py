"""Overflow rules by time, max wait, max size, breakout keys and announcements."""

from __future__ import annotations

from calldesk.acd import AgentPolicy, OverflowRule, QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, journal_kinds, kinds, make, offers, only_offer


def test_widen_skills_after_a_wait() -> None:
    q = QueueConfig(
        "q", skills=(("fr", 3), ("billing", 2)),
        overflow=(OverflowRule(30, "widen_skills", skills=("fr",)),),
    )  # fmt: skip
    acd = make([q], [agent("en", "q", skills={"billing": 2})])
    assert offers(arrive(acd, "i1", "q", 10)) == []
    o = only_offer(acd.handle(ev.Tick(), 40))
    assert o.agent == "en" and "overflow step 1" in o.why.rule
    assert "interaction.overflow_step" in journal_kinds(acd, "i1")


def test_widen_all_skills() -> None:
    q = QueueConfig("q", skills=(("fr", 3),), overflow=(OverflowRule(30, "widen_skills"),))
    acd = make([q], [agent("nobody-special", "q")])
    arrive(acd, "i1", "q", 0)
    assert offers(acd.handle(ev.Tick(), 29)) == []
    assert only_offer(acd.handle(ev.Tick(), 30)).agent == "nobody-special"


def test_lower_the_proficiency_needed_step_by_step() -> None:
    q = QueueConfig(
        "q", skills=(("fr", 5),),
        overflow=(OverflowRule(20, "lower_level", by=1), OverflowRule(40, "lower_level", by=2)),
    )  # fmt: skip
    acd = make([q], [agent("junior", "q", skills={"fr": 2})])
    arrive(acd, "i1", "q", 0)
    assert offers(acd.handle(ev.Tick(), 20)) == []  # needs 4 now
    assert only_offer(acd.handle(ev.Tick(), 40)).agent == "junior"  # needs 2


def test_add_backup_queue_lets_its_agents_answer() -> None:
    sales = QueueConfig("sales", overflow=(OverflowRule(60, "add_queue", target="backup"),))
    backup = QueueConfig("backup")
    acd = make([sales, backup], [agent("s1", "sales"), agent("b1", "backup")])
    o = only_offer(arrive(acd, "f", "sales", 1))
    acd.handle(ev.OfferAccepted(o.id), 1)
    arrive(acd, "i1", "sales", 10)
    o2 = only_offer(acd.handle(ev.Tick(), 70))
    assert (o2.agent, o2.interaction) == ("b1", "i1")


def test_backup_agent_freed_later_finds_the_overflowed_interaction() -> None:
    sales = QueueConfig("sales", overflow=(OverflowRule(60, "add_queue", target="backup"),))
    acd = make([sales, QueueConfig("backup")], [agent("s1", "sales"), agent("b1", "backup")])
    acd.handle(ev.AgentNotReady("s1"), 2)
    acd.handle(ev.AgentNotReady("b1"), 2)
    arrive(acd, "i1", "sales", 10)
    acd.handle(ev.Tick(), 70)
    assert only_offer(acd.handle(ev.AgentReady("b1"), 80)).interaction == "i1"


def test_voicemail_and_flow_overflows_leave_the_queue() -> None:
    for action, target in (("voicemail", "vm-sales"), ("flow", "after-hours")):
        q = QueueConfig("q", overflow=(OverflowRule(90, action, target=target),))
        acd = make([q], [agent("a1", "q")], ready=False)
        arrive(acd, "i1", "q", 0)
        out = acd.handle(ev.Tick(), 95)
        assert kinds(out) == ["Overflow"] and (out[0].kind, out[0].target) == (action, target)
        assert "i1" not in acd.interactions
        assert journal_kinds(acd, "i1")[-1] == "interaction.overflowed"


def test_callback_overflow_keeps_the_place_in_line() -> None:
    q = QueueConfig("q", overflow=(OverflowRule(60, "callback"),))
    acd = make([q], [agent("a1", "q")], ready=False)
    arrive(acd, "i1", "q", 0, customer="+15550001")
    arrive(acd, "i2", "q", 1, customer="+15550002")
    out = acd.handle(ev.Tick(), 60)
    assert kinds(out) == ["Overflow"] and out[0].kind == "callback"
    o = only_offer(acd.handle(ev.AgentLogin("a1", ready=True), 100))
    assert (o.interaction, o.callback_number) == ("i1", "+15550001")  # still ahead of i2


def test_max_wait_sends_to_the_configured_target() -> None:
    q = QueueConfig("q", max_wait_s=120, max_wait_action="voicemail", max_wait_target="vm-q")
    acd = make([q], [agent("a1", "q")], ready=False)
    arrive(acd, "i1", "q", 0)
    assert acd.handle(ev.Tick(), 119) == []
    out = acd.handle(ev.Tick(), 121)
    assert kinds(out) == ["Overflow"] and out[0].why.rule == "max_wait"


def test_max_size_refuses_arrivals_beyond_it() -> None:
    q = QueueConfig("q", max_size=2, full_action="voicemail", full_target="vm-full")
    acd = make([q], [agent("a1", "q")], ready=False)
    arrive(acd, "i1", "q", 0)
    arrive(acd, "i2", "q", 1)
    out = arrive(acd, "i3", "q", 2)
    assert kinds(out) == ["Overflow"] and out[0].why.rule == "max_size"
    assert "i3" not in acd.interactions


def test_breakout_keys_voicemail_and_callback() -> None:
    q = QueueConfig("q", breakout={"1": "voicemail", "2": "callback"}, voicemail="vm-q")
    acd = make([q], [agent("a1", "q")], ready=False)
    arrive(acd, "i1", "q", 0, customer="+1")
    arrive(acd, "i2", "q", 1, customer="+2")
    out = acd.handle(ev.Breakout("i1", "1"), 5)
    assert (out[0].kind, out[0].target) == ("voicemail", "vm-q")
    out = acd.handle(ev.Breakout("i2", "2"), 6)
    assert (out[0].kind, out[0].target) == ("callback", "+2")
    assert acd.interactions["i2"].callback_number == "+2"
    assert kinds(acd.handle(ev.Breakout("i2", "9"), 7)) == ["Ignored"]


def test_announcements_give_position_and_expected_wait_at_the_set_frequency() -> None:
    q = QueueConfig("q", announce_every_s=30, aht_s=120)
    acd = make([q], [agent("a1", "q"), agent("a2", "q")])
    for n in range(2):  # both agents busy
        o = only_offer(arrive(acd, f"f{n}", "q", 1))
        acd.handle(ev.OfferAccepted(o.id), 1)
    arrive(acd, "i1", "q", 10)
    arrive(acd, "i2", "q", 20)
    out = acd.handle(ev.Tick(), 50)
    ann = {d.interaction: d for d in out if type(d).__name__ == "Announce"}
    assert ann["i1"].position == 1 and ann["i1"].expected_wait_s == 60  # 1 * 120 / 2 agents
    assert ann["i2"].position == 2 and ann["i2"].expected_wait_s == 120
    assert len([d for d in acd.handle(ev.Tick(), 70) if type(d).__name__ == "Announce"]) == 1


def test_max_wait_during_an_offer_waits_for_the_outcome_then_applies() -> None:
    q = QueueConfig("q", max_wait_s=30, max_wait_target="vm")
    acd = make([q], [agent("a1", "q")], policy=AgentPolicy(lease_s=60))
    o = only_offer(arrive(acd, "i1", "q", 20))
    assert acd.handle(ev.Tick(), 50) == []  # the offer is still ringing
    acd.handle(ev.OfferRefused(o.id, "reject"), 52)
    out = acd.handle(ev.Tick(), 53)
    assert kinds(out) == ["Overflow"] and out[0].why.rule == "max_wait"


def test_announcements_resume_after_a_refused_offer() -> None:
    q = QueueConfig("q", announce_every_s=10)
    acd = make([q], [agent("a1", "q")])
    o = only_offer(arrive(acd, "i1", "q", 0))
    assert acd.handle(ev.Tick(), 10) == []  # offered: no announcement
    acd.handle(ev.OfferRefused(o.id, "busy"), 15)
    assert kinds(acd.handle(ev.Tick(), 20)) == ["Announce"]
