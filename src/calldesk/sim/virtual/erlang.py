"""Erlang C (M/M/N) and Erlang A (M/M/N+M) predictions, named like the simulator's figures.

service_level = P(answered and wait <= T) over all offered; abandon_rate = P(abandon);
asa_s = mean wait of the answered (zero waits included); occupancy = carried load / N.

Erlang A follows the birth-death model of Garnett, Mandelbaum and Reiman (2002): arrivals at rate
lambda, N agents serving at rate mu each, each waiting caller abandons at rate theta. For a caller
who finds the N agents busy and k-1 callers ahead, the stage with i callers ahead ends at rate
N*mu + (i+1)*theta; the caller is served with probability N*mu / (N*mu + k*theta), and the time
to reach an agent is a sum of exponentials with rates N*mu + j*theta (j = 1..k). With
alpha = N*mu/theta + 1 that sum has the law of -log(B)/theta with B ~ Beta(alpha, k) (compare
Laplace transforms), so P(sum <= T) = P(B >= exp(-theta*T)) is a negative-binomial sum that
grows by one term per k: stable, unlike the alternating hypoexponential formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Prediction:
    service_level: float
    abandon_rate: float
    asa_s: float | None  # None when the queue grows without bound (Erlang C, load >= N)
    occupancy: float
    p_wait: float  # probability that an arriving caller has to wait

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


def erlang_b(agents: int, load: float) -> float:
    b = 1.0
    for n in range(1, agents + 1):
        b = load * b / (n + load * b)
    return b


def erlang_c(agents: int, calls_per_hour: float, aht_s: float, sl_seconds: float) -> Prediction:
    """M/M/N with infinite patience."""
    lam = calls_per_hour / 3600.0
    load = lam * aht_s
    if agents <= 0 or load >= agents:
        return Prediction(0.0, 0.0, None, 1.0, 1.0)
    b = erlang_b(agents, load)
    c = agents * b / (agents - load * (1 - b))
    sl = 1.0 - c * math.exp(-(agents - load) * sl_seconds / aht_s)
    asa = c * aht_s / (agents - load)
    return Prediction(sl, 0.0, asa, load / agents, c)


def _stationary(agents: int, lam: float, mu: float, theta: float) -> list[float]:
    """P(n in system), n = 0.., truncated where the tail no longer matters."""
    logs = [0.0]
    for n in range(1, agents + 1):
        logs.append(logs[-1] + math.log(lam / (n * mu)))
    top = max(logs)
    n = agents
    while True:
        n += 1
        logs.append(logs[-1] + math.log(lam / (agents * mu + (n - agents) * theta)))
        top = max(top, logs[-1])
        if logs[-1] < top - 46 and logs[-1] < logs[-2]:  # below 1e-20 of the mode
            break
    weights = [math.exp(x - top) for x in logs]
    total = sum(weights)
    return [w / total for w in weights]


def _nb_log_weights(alpha: float, one_minus_q: float) -> Iterator[float]:
    """log(Gamma(alpha + j) / (Gamma(alpha) j!) * (1 - q)^j) for j = 0, 1, ..."""
    lw, j = 0.0, 0
    log1q = math.log(one_minus_q) if one_minus_q > 0 else -math.inf
    while True:
        yield lw
        j += 1
        lw += math.log((alpha + j - 1) / j) + log1q


def erlang_a(
    agents: int, calls_per_hour: float, aht_s: float, patience_s: float, sl_seconds: float
) -> Prediction:
    """M/M/N+M: exponential patience with mean `patience_s` (inf or <= 0 falls back to Erlang C)."""
    if not patience_s or patience_s <= 0 or math.isinf(patience_s):
        return erlang_c(agents, calls_per_hour, aht_s, sl_seconds)
    lam, mu, theta = calls_per_hour / 3600.0, 1.0 / aht_s, 1.0 / patience_s
    if agents <= 0:
        return Prediction(0.0, 1.0, None, 0.0, 1.0)
    if lam <= 0:
        return Prediction(1.0, 0.0, 0.0, 0.0, 0.0)
    pi = _stationary(agents, lam, mu, theta)
    c = agents * mu
    # P(S_k <= T) = P(Beta(alpha, k) >= q) = 1 - sum_{j<k} NB(j), q = exp(-theta T), alpha = c/theta + 1
    alpha, q = c / theta + 1.0, math.exp(-theta * sl_seconds)
    log_qa = alpha * math.log(q) if q > 0 else -math.inf
    weights = _nb_log_weights(alpha, 1.0 - q)
    no_wait = sum(pi[:agents])
    served, within, wait_served, harmonic, below = no_wait, no_wait, 0.0, 0.0, 0.0
    for k in range(1, len(pi) - agents + 1):
        below += math.exp(log_qa + next(weights)) if log_qa > -math.inf else 0.0
        harmonic += 1.0 / (c + k * theta)
        p = pi[agents + k - 1]
        p_served = c / (c + k * theta)
        served += p * p_served
        within += p * p_served * max(0.0, 1.0 - below)
        wait_served += p * p_served * harmonic
    asa = wait_served / served if served > 0 else 0.0
    return Prediction(
        service_level=within,
        abandon_rate=1.0 - served,
        asa_s=asa,
        occupancy=min(1.0, lam * served * aht_s / agents),
        p_wait=1.0 - no_wait,
    )


def erlang_b_load(agents: int, blocking: float) -> float:
    """The offered load (erlangs) at which `agents` servers block a fraction `blocking`."""
    if agents <= 0 or blocking <= 0:
        return 0.0
    lo, hi = 0.0, float(agents) * 10 + 10
    for _ in range(200):
        mid = (lo + hi) / 2
        if erlang_b(agents, mid) < blocking:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def erlang_b_floor_occupancy(agents: int, abandon_rate: float) -> float:
    """Occupancy of `agents` fed a Poisson stream of live answers where an answer that finds no
    agent is dropped, at the load that drops exactly `abandon_rate` of them: A (1 - B) / N."""
    if agents <= 0:
        return 0.0
    load = erlang_b_load(agents, abandon_rate)
    return load * (1 - erlang_b(agents, load)) / agents
