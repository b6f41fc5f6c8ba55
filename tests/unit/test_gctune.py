"""calldesk.gctune: start-up objects frozen, the youngest generation collected less often."""

from __future__ import annotations

import gc

import gevent

from calldesk import gctune


def test_tune_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    before, tracked = gc.get_threshold(), gevent.config.track_greenlet_tree
    try:
        gctune.tune()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (gctune.YOUNG_THRESHOLD, before[1], before[2])
        assert gevent.config.track_greenlet_tree is False  # no spawning stack per greenlet
        assert gevent.spawn(int).spawning_stack is None
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        gevent.config.track_greenlet_tree = tracked
