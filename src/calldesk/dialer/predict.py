"""The predictive model: how many attempts to place now so each one's drop risk stays under θ.

A call placed now is answered about `window` seconds from now (its time to answer plus the grace
an answer may wait for an agent). It finds an agent unless the answers ahead of it take them all:

    S = (answers of attempts already ringing) + (answers of the other new attempts)
        + (answers already waiting) + (expected inbound arrivals, blending)
        - (busy agents who come free within the window)

and it is dropped when S >= free agents now. Each term is a sum of Bernoulli variables whose
probabilities come from `Stats`; S is taken as normal (mean and variance add). New attempts are
added one by one while the risk of the last one stays under θ: the marginal risk, so the mean
risk of the batch is lower still. The controller moves θ to hold the measured rate at its target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Prediction:
    place: int
    risk: float  # drop risk of the last attempt placed (or of a next one, if none placed)
    mean_ahead: float  # mean of S before the new attempts
    free: int
    coming_free: float  # expected busy agents freed within the window
    ringing_answers: float  # expected answers of attempts already ringing


def _risk(free: int, mean: float, var: float) -> float:
    """P(S >= free) with S ~ Normal(mean, var), continuity-corrected."""
    if var <= 1e-12:
        return 1.0 if mean >= free - 0.5 else 0.0
    z = (free - 0.5 - mean) / math.sqrt(var)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def predict(
    free: int,
    waiting: int,
    p_free: list[float],
    p_ring: list[float],
    answer_rate: float,
    theta: float,
    limit: int,
    inbound_expected: float = 0.0,
) -> Prediction:
    """`p_free`: per busy agent, P(free within the window); `p_ring`: per ringing attempt,
    P(answered within the window); `limit`: the most attempts that may be placed now."""
    coming = sum(p_free)
    ringing = sum(p_ring)
    mean = ringing + waiting + inbound_expected - coming
    var = sum(p * (1 - p) for p in p_free) + sum(p * (1 - p) for p in p_ring) + inbound_expected
    p = answer_rate
    n = 0
    risk = _risk(free, mean, var)
    while n < limit:
        nxt = _risk(free, mean + n * p, var + n * p * (1 - p))
        if nxt > theta:
            risk = nxt
            break
        n += 1
        risk = nxt
    return Prediction(n, risk, mean, free, coming, ringing)
