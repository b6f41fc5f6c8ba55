"""Garbage-collector settings for a long-running process (`serve`, the demo, the simulated
switch): what exists at start-up (configuration, flows, agents, the store's caches) is frozen out
of the collector, and the youngest generation is collected every 20,000 allocations instead of
700. A call allocates thousands of short-lived objects (headers, events, journal rows) that
reference counting frees at once; scanning every live object dozens of times a second cost
~3-7 % of the CPU, and the full collections of a big heap stalled the event loop."""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 20_000


def tune() -> None:
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, second, third)
