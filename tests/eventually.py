"""Wait for the simulated switch by polling a condition, not by sleeping a fixed time.

The sim runs on gevent with a scaled clock. A test that sleeps N simulated seconds and then
asserts that something happened is flaky on a loaded machine: the sim reaches that point through
a chain of its own sleeps, each of which can be late, while the test's single sleep is late only
once. `eventually` instead yields to the sim's greenlets until the condition holds, and fails
with a message naming what it waited for after a generous wall-clock cap.

Keep a plain sleep only before asserting that something did NOT happen (or not yet).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import gevent

T = TypeVar("T")

WALL_CAP = 10.0  # wall seconds; the conditions waited for take milliseconds on an idle machine


def eventually(
    condition: Callable[[], T],
    what: str,
    timeout: float = WALL_CAP,
    detail: Callable[[], object] | None = None,
) -> T:
    """Poll `condition` (yielding to other greenlets) until it returns a truthy value; return it.

    After `timeout` wall seconds fail with AssertionError naming `what`, and showing `detail()`
    (or the last value of the condition) to say where things stood.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            seen = detail() if detail is not None else value
            raise AssertionError(
                f"timed out after {timeout:g} s (wall) waiting for {what}; last seen: {seen!r}"
            )
        gevent.sleep(0.002)
