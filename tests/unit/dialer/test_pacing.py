"""The pacing core: each mode's arithmetic, the predictive model's risk, and the controllers."""

from __future__ import annotations

import pytest

from calldesk.dialer import (
    AgentChanged,
    AnswerAbandoned,
    AnswerConnected,
    AttemptPlaced,
    AttemptResolved,
    InboundLoad,
    Pacer,
    PacingConfig,
)
from calldesk.dialer.control import AdaptiveLevel, DropController
from calldesk.dialer.predict import predict
from calldesk.dialer.stats import Stats


def _pacer(mode: str, free: int, busy: int = 0, **kw: object) -> Pacer:
    p = Pacer(PacingConfig(mode=mode, **kw))  # type: ignore[arg-type]
    for i in range(free):
        p.handle(AgentChanged(f"f{i}", "free"), 0.0)
    for i in range(busy):
        p.handle(AgentChanged(f"b{i}", "talk"), 0.0)
    return p


def test_progressive_places_one_per_free_agent_minus_those_ringing() -> None:
    p = _pacer("progressive", free=4, busy=3)
    assert p.decide(1.0).place == 4
    for i in range(3):
        p.handle(AttemptPlaced(f"x{i}"), 1.0)
    assert p.decide(2.0).place == 1


def test_power_places_ratio_per_free_agent() -> None:
    p = _pacer("power", free=3, ratio=2.5)
    assert p.decide(0.0).place == 7
    p.handle(AttemptPlaced("x"), 0.0)
    assert p.decide(0.5).place == 6


def test_preview_never_dials_by_itself() -> None:
    assert _pacer("preview", free=5).decide(0.0).place == 0


def test_limits_cap_every_mode() -> None:
    p = _pacer("progressive", free=10, max_per_decision=3)
    assert p.decide(0.0).place == 3
    assert p.decide(0.0, dialable=2).place == 2
    p = _pacer("power", free=10, max_ringing=5)
    assert p.decide(0.0).place == 5


def test_unknown_mode_and_cap_are_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        PacingConfig(mode="turbo")
    with pytest.raises(ValueError, match="abandon_cap"):
        PacingConfig(abandon_cap=1.5)


def test_predictive_dials_more_than_free_agents_and_more_with_a_higher_theta() -> None:
    low = predict(10, 0, [], [], 0.3, theta=0.01, limit=1000)
    high = predict(10, 0, [], [], 0.3, theta=0.2, limit=1000)
    # 10 free agents and a 30% answer rate: more than 10 attempts, fewer than 10 / 0.3 (where
    # the last one would have an even chance of finding no agent)
    assert 10 < low.place < high.place < 10 / 0.3
    assert low.risk > 0.01 and high.risk > 0.2  # the next attempt would cross θ


def test_predictive_counts_agents_coming_free_and_attempts_already_ringing() -> None:
    base = predict(0, 0, [], [], 0.3, 0.05, 1000).place
    coming = predict(0, 0, [0.9] * 10, [], 0.3, 0.05, 1000).place
    ringing = predict(0, 0, [0.9] * 10, [0.3] * 10, 0.3, 0.05, 1000).place
    assert base == 0 and coming > 10 and ringing < coming
    assert predict(5, 0, [], [], 0.3, 0.05, limit=2).place == 2


def test_predictive_decision_carries_its_inputs() -> None:
    p = _pacer("predictive", free=5, busy=5)
    d = p.decide(3.0)
    for key in ("free", "ringing", "theta", "risk", "answer_rate", "window_s", "budget"):
        assert key in d.record()
    assert d.record()["free"] == 5 and d.mode == "predictive"


def test_blending_holds_pacing_while_inbound_is_over_its_target() -> None:
    p = _pacer("predictive", free=5)
    held = p.decide(0.0, inbound=InboundLoad(waiting=2, longest_wait_s=30, sl_target_s=20))
    assert held.place == 0 and "held" in held.inputs
    fine = p.decide(0.0, inbound=InboundLoad(waiting=2, longest_wait_s=5, sl_target_s=20))
    alone = p.decide(0.0)
    assert 0 < fine.place < alone.place  # the two waiting inbound callers take two agents


def test_events_move_attempts_and_agents() -> None:
    p = _pacer("progressive", free=1)
    p.handle(AttemptPlaced("a"), 0.0)
    assert p.decide(0.0).place == 0
    p.handle(AttemptResolved("a", "answer", 8.0), 8.0)
    assert p.ringing == {} and "a" in p.waiting
    p.handle(AnswerConnected("a", 0.0), 8.0)
    p.handle(AgentChanged("f0", "talk"), 8.0)
    p.handle(AgentChanged("f0", "wrap"), 108.0)
    p.handle(AgentChanged("f0", "free"), 118.0)
    assert list(p.stats.talk) == [100.0] and list(p.stats.wrap) == [10.0]
    assert p.control.total.answers == 1 and p.control.total.drops == 0
    with pytest.raises(ValueError, match="outcome"):
        p.handle(AttemptResolved("b", "maybe", 1.0), 9.0)


def test_stats_tables_follow_the_samples() -> None:
    st = Stats(refresh_every=1)
    for _ in range(100):
        st.talk_sample(100.0)
        st.wrap_sample(5.0)
        st.outcome("answer", 6.0)
        st.outcome("no_answer", 25.0)
    assert st.window_s == pytest.approx(8.0)  # median answer time + 2 s grace
    assert st.p_free("talk", 10) == 0.0
    assert st.p_free("talk", 95) == 0.0  # 5 s more talk + 5 s wrap-up: not within 8 s
    assert st.p_free("talk", 98) == 1.0  # 2 s + 5 s: within 8 s
    assert st.p_free("wrap", 1) == 1.0
    assert st.p_answer_within(0) == pytest.approx(0.5)
    assert st.p_answer_within(7) == 0.0  # past every answer time: only no-answers are left
    assert 0.4 < st.answer_rate < 0.5  # blended with the prior


def test_drop_controller_settles_at_its_target_and_guards_the_cap() -> None:
    c = DropController(cap=0.03, margin=0.8)
    assert c.effective_theta() == c.safe_theta  # no answers yet: no budget
    for _ in range(200):
        c.answered(dropped=False)
    assert c.theta > 0.02 and c.effective_theta() == c.theta
    before = c.theta
    c.answered(dropped=True)
    assert c.theta < before
    for _ in range(6):
        c.answered(dropped=True)
    assert c.budget() < 1 and c.effective_theta() == c.safe_theta
    c.new_period()
    assert c.period.answers == 0 and c.budget() < 1  # the period starts without budget


def test_drop_controller_equilibrium_is_the_target() -> None:
    c = DropController(cap=0.03, margin=1.0, gain=0.05)
    start = c.theta
    for i in range(10_000):  # exactly 3% drops: theta ends where it started
        c.answered(dropped=i % 100 < 3)
    assert c.theta == pytest.approx(start, rel=0.05)


def test_adaptive_level_rises_with_idle_agents_and_falls_at_the_cap() -> None:
    lv = AdaptiveLevel(cap=0.03, every_s=15)
    for t in range(0, 16 * 15, 15):
        lv.update(float(t), 0.0, free_agents=2)
    assert lv.level > 2.0
    lv.update(1000.0, 0.025, 0)
    assert 1.0 < lv.level < 2.5
    lv.update(2000.0, 0.031, 0)
    assert lv.level == 1.0


def test_baseline_mode_places_level_times_free() -> None:
    p = _pacer("baseline", free=4)
    p.level.level = 2.0
    p.level.last_at = 0.0
    d = p.decide(1.0)
    assert d.place == 8 and d.inputs["dial_level"] == 2.0
    p.handle(AttemptPlaced("x"), 1.0)
    p.handle(AttemptResolved("x", "answer", 5.0), 6.0)
    p.handle(AnswerAbandoned("x", 2.0), 8.0)
    assert p.control.period.drops == 1
