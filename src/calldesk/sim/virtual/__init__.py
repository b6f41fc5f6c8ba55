"""Virtual-time capacity simulator: the pure ACD core under Poisson traffic, checked against Erlang."""

from calldesk.sim.virtual.engine import SimResult, simulate
from calldesk.sim.virtual.erlang import Prediction, erlang_a, erlang_c
from calldesk.sim.virtual.model import Scenario, Traffic, single_queue

__all__ = [
    "Prediction",
    "Scenario",
    "SimResult",
    "Traffic",
    "erlang_a",
    "erlang_c",
    "simulate",
    "single_queue",
]
