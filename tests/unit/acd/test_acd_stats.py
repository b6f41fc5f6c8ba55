"""Statistics as a fold over the journal."""

from __future__ import annotations

from calldesk.acd import AgentPolicy, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.stats import fold

from .helpers import agent, arrive, make, only_offer


def _day():  # type: ignore[no-untyped-def]
    acd = make(
        [QueueConfig("q", wrap_up_s=10)],
        [agent("a1", "q"), agent("a2", "q")],
        policy=AgentPolicy(lease_s=60),
    )
    o = only_offer(arrive(acd, "i1", "q", 100))
    acd.handle(ev.OfferAccepted(o.id), 105)  # wait 5
    o = only_offer(arrive(acd, "i2", "q", 110))
    acd.handle(ev.OfferAccepted(o.id), 140)  # wait 30
    arrive(acd, "i3", "q", 150)
    arrive(acd, "i4", "q", 160)
    acd.handle(ev.InteractionEnded("i3"), 170)  # abandoned after 20
    acd.handle(ev.InteractionEnded("i1"), 205)  # talk 100
    return acd


def test_queue_figures_from_the_journal() -> None:
    acd = _day()
    v = fold(acd.journal, {"q": 20}).queue_view("q", 210)
    assert v.waiting == 1 and v.longest_wait_s == 50
    assert v.answered == 2 and v.abandoned == 1
    assert v.service_level_today == 1 / 3 and v.service_level_15m == 1 / 3
    assert v.asa_s == 17.5 and v.abandon_rate == 1 / 3
    assert v.agents_by_state == {"wrap_up": 1, "busy": 1}


def test_rolling_window_forgets_after_15_minutes() -> None:
    acd = _day()
    v = fold(acd.journal).queue_view("q", 100 + 900 + 200)
    assert v.service_level_15m is None and v.service_level_today == 1 / 3


def test_agent_figures_from_the_journal() -> None:
    acd = _day()
    acd.handle(ev.Tick(), 215)  # a1 wrap-up ends, takes i4
    s = fold(acd.journal)
    v = s.agent_view("a1", 220)
    assert (v.state, v.time_in_state_s, v.handled, v.talk_s, v.wrap_s) == (
        "offered", 5, 1, 100, 10,
    )  # fmt: skip


def test_fold_rebuilds_the_same_figures_from_a_copy() -> None:
    acd = _day()
    records = [tuple(r) for r in acd.journal]
    assert fold(records).queue_view("q", 300) == fold(acd.journal).queue_view("q", 300)


def test_new_day_resets_today() -> None:
    acd = _day()
    s = fold(acd.journal)
    assert s.queue_view("q", 86400 + 5).answered == 0


def test_the_rolling_service_level_is_kept_as_outcomes_come_and_go() -> None:
    """The window's count of answers in SL is kept as outcomes enter and leave it; at every
    step it equals a recount of the window."""
    from calldesk.acd.stats import ROLLING_S, StatsFold

    f = StatsFold({"q": 20.0})
    for i in range(60):
        at = 100.0 + i * 40
        if i % 3 == 2:
            f.apply(at, "interaction.abandoned", f"i{i}", {"queue": "q"})
        else:  # every other answer within the 20 s threshold
            f.apply(at, "interaction.answered", f"i{i}", {"queue": "q", "wait": 5 + 30 * (i % 2)})
        v = f.queue_view("q", at)
        window = [(t, ok) for t, ok in f.queues["q"].recent if t >= at - ROLLING_S]
        assert v.service_level_15m == sum(ok for _, ok in window) / len(window)
    assert f.queue_view("q", 100.0 + 60 * 40 + ROLLING_S).service_level_15m is None
