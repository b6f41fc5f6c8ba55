"""Every strategy picks as documented, deterministically."""

from __future__ import annotations

import pytest

from calldesk.acd import QueueConfig
from calldesk.acd import events as ev

from .helpers import agent, arrive, make, offers, only_offer


def _three(strategy: str, seed: int = 0, skills: tuple = ()):  # type: ignore[no-untyped-def]
    q = QueueConfig("q", strategy=strategy, skills=skills)
    agents = [
        agent("a1", "q", skills={"x": 2}),
        agent("a2", "q", skills={"x": 5}),
        agent("a3", "q", skills={"x": 5}),
    ]
    return make([q], agents, seed=seed)


def _serve(acd, iid: str, t: float, talk: float = 10.0) -> str:  # type: ignore[no-untyped-def]
    o = only_offer(arrive(acd, iid, "q", t))
    acd.handle(ev.OfferAccepted(o.id), t)
    acd.handle(ev.InteractionEnded(iid), t + talk)
    return o.agent


def test_longest_idle_picks_the_agent_idle_longest() -> None:
    acd = _three("longest_idle")
    assert [_serve(acd, f"i{n}", 100 + 20 * n) for n in range(4)] == ["a1", "a2", "a3", "a1"]


def test_round_robin_rotates_through_member_order() -> None:
    acd = _three("round_robin")
    acd.agents["a3"].idle_since = -100  # idle time must not matter
    assert [_serve(acd, f"i{n}", 100 + 20 * n) for n in range(5)] == [
        "a1", "a2", "a3", "a1", "a2",
    ]  # fmt: skip


def test_linear_always_starts_at_the_top() -> None:
    acd = _three("linear")
    assert [_serve(acd, f"i{n}", 100 + 20 * n) for n in range(3)] == ["a1", "a1", "a1"]


def test_least_talk_time() -> None:
    acd = _three("least_talk_time")
    acd.agents["a1"].talk_s = 500
    acd.agents["a2"].talk_s = 100
    acd.agents["a3"].talk_s = 300
    assert _serve(acd, "i1", 100, talk=1000) == "a2"
    assert _serve(acd, "i2", 2000) == "a3"


def test_fewest_calls() -> None:
    acd = _three("fewest_calls")
    acd.agents["a1"].handled = 3
    acd.agents["a2"].handled = 1
    acd.agents["a3"].handled = 2
    assert _serve(acd, "i1", 100) == "a2"
    # a2 and a3 now have 2 each; a3 has been idle since 2, a2 since 110
    assert _serve(acd, "i2", 200) == "a3"


def test_fewest_calls_tie_broken_by_idle_time() -> None:
    acd = _three("fewest_calls")
    assert _serve(acd, "i1", 100) == "a1"
    assert _serve(acd, "i2", 200) == "a2"
    assert _serve(acd, "i3", 300) == "a3"


def test_best_skill_ties_broken_by_idle_time() -> None:
    acd = _three("best_skill", skills=(("x", 1),))
    assert _serve(acd, "i1", 100) == "a2"  # level 5, idle since 1 (a3 since 2)
    assert _serve(acd, "i2", 200) == "a3"  # a2 idle since 110 now


def test_ring_all_offers_everyone_and_first_answer_wins() -> None:
    acd = _three("ring_all")
    out = arrive(acd, "i1", "q", 100)
    assert sorted(o.agent for o in offers(out)) == ["a1", "a2", "a3"]
    winner = [o for o in offers(out) if o.agent == "a2"][0]
    res = acd.handle(ev.OfferAccepted(winner.id), 101)
    cancelled = sorted(d.agent for d in res if type(d).__name__ == "Cancel")
    assert cancelled == ["a1", "a3"]
    assert acd.agents["a1"].state.value == "available"
    late = acd.handle(ev.OfferAccepted(offers(out)[0].id), 102)
    assert type(late[0]).__name__ == "Ignored"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_is_deterministic_given_a_seed(seed: int) -> None:
    picks = []
    for _ in range(2):
        acd = _three("random", seed=seed)
        picks.append([_serve(acd, f"i{n}", 100 + 20 * n) for n in range(6)])
    assert picks[0] == picks[1]


def test_random_differs_across_seeds() -> None:
    runs = set()
    for seed in range(8):
        acd = _three("random", seed=seed)
        runs.add(tuple(_serve(acd, f"i{n}", 100 + 20 * n) for n in range(6)))
    assert len(runs) > 1
