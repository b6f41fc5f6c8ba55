"""Erlang C (M/M/N) and Erlang A (M/M/N+M) predictions, named like the simulator's figures.

service_level = P(answered and wait <= T) over all offered; abandon_rate = P(abandon);
asa_s = mean wait of the answered (zero waits included); occupancy = carried load / N.

Erlang A follows the birth-death model of Garnett, Mandelbaum and Reiman (2002): arrivals at rate
lambda, N agents serving at rate mu each, each waiting caller abandons at rate theta. For a caller
who finds the N agents busy and k-1 callers ahead, the stage with i callers ahead ends at rate
N*mu + (i+1)*theta; the caller is served with probability N*mu / (N*mu + k*theta), and the time
to reach an agent is a sum of exponentials with rates N*mu + j*theta (j = 1..k). That sum is <= T
exactly when a Poisson(N*mu*T) count reaches a Binomial(k, exp(-theta*T)) count, which gives a
stable closed form without alternating sums.
"""

from __future__ import annotations

import math
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


def _poisson_survival(x: float, upto: int) -> list[float]:
    """P(Poisson(x) >= m) for m = 0..upto."""
    out = [1.0]
    cdf, log_pmf = 0.0, -x
    for m in range(upto):
        cdf += math.exp(log_pmf)
        out.append(max(0.0, 1.0 - cdf))
        log_pmf += math.log(x) - math.log(m + 1) if x > 0 else -math.inf
    return out


def _reach_within(k: int, q: float, surv: list[float]) -> float:
    """P(sum of Exp(c + j*theta), j=1..k, <= T) = sum_m Bin(k, q)(m) * P(Poisson(cT) >= m)."""
    if q <= 0.0:
        return 1.0
    if q >= 1.0:
        return surv[k]
    mean, sd = k * q, math.sqrt(k * q * (1 - q))
    lo, hi = max(0, int(mean - 12 * sd - 1)), min(k, int(mean + 12 * sd + 2))
    lq, l1q, lk = math.log(q), math.log1p(-q), math.lgamma(k + 1)
    total = 0.0
    for m in range(lo, hi + 1):
        total += (
            math.exp(lk - math.lgamma(m + 1) - math.lgamma(k - m + 1) + m * lq + (k - m) * l1q)
            * surv[m]
        )
    return min(1.0, total)


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
    kmax = len(pi) - agents
    surv = _poisson_survival(c * sl_seconds, kmax + 1)
    q = math.exp(-theta * sl_seconds)
    no_wait = sum(pi[:agents])
    served, within, wait_served, harmonic = no_wait, no_wait, 0.0, 0.0
    for k in range(1, kmax + 1):
        p = pi[agents + k - 1]
        harmonic += 1.0 / (c + k * theta)
        if p < 1e-18:
            continue
        p_served = c / (c + k * theta)
        served += p * p_served
        within += p * p_served * _reach_within(k, q, surv)
        wait_served += p * p_served * harmonic
    asa = wait_served / served if served > 0 else 0.0
    return Prediction(
        service_level=within,
        abandon_rate=1.0 - served,
        asa_s=asa,
        occupancy=min(1.0, lam * served * aht_s / agents),
        p_wait=1.0 - no_wait,
    )
