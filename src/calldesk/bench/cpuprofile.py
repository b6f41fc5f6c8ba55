"""Run `calldesk` under cProfile with a CPU-time timer (`time.process_time`): on a shared box
a wall-clock profile charges every preemption to whatever call was running.

    python -m calldesk.bench.cpuprofile OUT.prof -c calldesk.yaml serve …
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main() -> None:
    out, sys.argv = sys.argv[1], ["calldesk", *sys.argv[2:]]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        runpy.run_module("calldesk.cli.main", run_name="__main__")
    except SystemExit:
        pass
    finally:
        profile.disable()
        profile.dump_stats(out)


if __name__ == "__main__":
    main()
