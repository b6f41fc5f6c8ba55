"""calldesk.gctune: start-up objects frozen, the youngest generation collected less often."""

from __future__ import annotations

import gc

from calldesk import gctune


def test_tune_freezes_start_up_objects_and_raises_the_young_threshold() -> None:
    before = gc.get_threshold()
    try:
        gctune.tune()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (gctune.YOUNG_THRESHOLD, before[1], before[2])
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
