"""Garbage-collector settings for a long-running process (`serve`, the demo, the simulated
switch): what exists at start-up (configuration, flows, agents, the store's caches) is frozen out
of the collector, and the youngest generation is collected every 20,000 allocations instead of
700. A call allocates thousands of short-lived objects (headers, events, journal rows) that
reference counting frees at once; scanning every live object dozens of times a second cost
~3-7 % of the CPU, and the full collections of a big heap stalled the event loop.

Also for these processes: gevent no longer records each new greenlet's spawning stack and tree
(`track_greenlet_tree`, for debugging only): it doubled the cost of a spawn, and a call spawns
a handful in the controller and in the simulated switch."""

from __future__ import annotations

import gc

import gevent

YOUNG_THRESHOLD = 20_000


def tune() -> None:
    gevent.config.track_greenlet_tree = False
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, second, third)
