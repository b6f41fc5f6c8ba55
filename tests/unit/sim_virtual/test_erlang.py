"""Erlang C and Erlang A formulas, checked against independent computations."""

from __future__ import annotations

import math

import pytest

from calldesk.sim.virtual.erlang import _stationary, erlang_a, erlang_b, erlang_c


def _erlang_c_direct(n: int, a: float) -> float:
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize(("n", "a"), [(1, 0.5), (5, 4.2), (10, 8.333), (20, 17.0)])
def test_erlang_c_probability_of_waiting_matches_the_textbook_formula(n: int, a: float) -> None:
    p = erlang_c(n, a * 3600 / 180, 180, 20)
    assert p.p_wait == pytest.approx(_erlang_c_direct(n, a), rel=1e-9)
    assert p.service_level == pytest.approx(1 - p.p_wait * math.exp(-(n - a) * 20 / 180))
    assert p.asa_s == pytest.approx(p.p_wait * 180 / (n - a))


def test_erlang_b_small_case() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)


def test_erlang_c_overload_has_unbounded_wait() -> None:
    p = erlang_c(5, 200, 180, 20)  # 10 erlangs on 5 agents
    assert p.asa_s is None and p.service_level == 0.0


def test_erlang_a_tends_to_erlang_c_when_patience_is_long() -> None:
    a, c = erlang_a(10, 100, 300, 1e9, 20), erlang_c(10, 100, 300, 20)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa_s == pytest.approx(c.asa_s, rel=1e-4)
    assert a.abandon_rate < 1e-6


def test_erlang_a_abandon_rate_equals_theta_times_mean_queue_over_lambda() -> None:
    n, cph, aht, patience = 7, 150, 200, 90
    lam, theta = cph / 3600, 1 / patience
    pi = _stationary(n, lam, 1 / aht, theta)
    mean_queue = sum(p * (k - n) for k, p in enumerate(pi) if k > n)
    assert erlang_a(n, cph, aht, patience, 20).abandon_rate == pytest.approx(
        theta * mean_queue / lam, rel=1e-9
    )


def test_erlang_a_service_level_for_one_agent_against_numeric_integration() -> None:
    """N=1: a caller finding k-1 ahead is served within T with probability
    c/(c+k*theta) * P(sum of Exp(c+j*theta), j=1..k <= T); integrate that sum numerically."""
    cph, aht, patience, t_sl = 20, 120, 60, 30
    lam, mu, theta = cph / 3600, 1 / aht, 1 / patience
    pi = _stationary(1, lam, mu, theta)
    steps = 3000
    dt = t_sl / steps
    # density of the hypoexponential sum, built stage by stage on a grid
    dens = [0.0] * (steps + 1)
    expected = pi[0]
    for k in range(1, len(pi)):
        r = mu + k * theta
        if k == 1:
            dens = [r * math.exp(-r * i * dt) for i in range(steps + 1)]
        else:  # convolve with Exp(r) density: f_k(t) = int f_{k-1}(s) r e^{-r(t-s)} ds
            new, acc = [0.0] * (steps + 1), 0.0
            for i in range(1, steps + 1):
                acc = acc * math.exp(-r * dt) + 0.5 * dt * (
                    dens[i - 1] * math.exp(-r * dt) + dens[i]
                )
                new[i] = r * acc
            dens = new
        cdf = sum(0.5 * dt * (dens[i - 1] + dens[i]) for i in range(1, steps + 1))
        expected += pi[k] * mu / (mu + k * theta) * cdf
    got = erlang_a(1, cph, aht, patience, t_sl).service_level
    assert got == pytest.approx(expected, abs=2e-5)


def test_erlang_a_figures_are_consistent() -> None:
    p = erlang_a(12, 200, 240, 100, 20)
    assert 0 < p.service_level < 1 - p.abandon_rate
    assert p.occupancy == pytest.approx(200 / 3600 * (1 - p.abandon_rate) * 240 / 12)
    assert 0 < p.asa_s < 100


@pytest.mark.parametrize("k", [1, 2, 3, 5, 8])
def test_time_to_reach_an_agent_matches_the_hypoexponential_law(k: int) -> None:
    """The Beta form used for the waiting time against the textbook distinct-rates formula."""
    from calldesk.sim.virtual.erlang import _nb_log_weights

    c, theta, t = 1 / 120, 1 / 60, 30.0
    rates = [c + j * theta for j in range(1, k + 1)]
    survival = sum(
        math.exp(-r * t) * math.prod(o / (o - r) for o in rates if o != r) for r in rates
    )
    alpha, q = c / theta + 1, math.exp(-theta * t)
    weights = _nb_log_weights(alpha, 1 - q)
    below = sum(math.exp(alpha * math.log(q) + next(weights)) for _ in range(k))
    assert below == pytest.approx(survival, rel=1e-9)
