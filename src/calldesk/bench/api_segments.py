"""Run `calldesk` with a greenlet switch tracer: how long (in this thread's CPU time) each
greenlet ran before it yielded, i.e. how long everything else that became ready meanwhile had
to wait. CPU time, not wall time: on a shared box a preemption is not charged to the code.

    python -m calldesk.bench.api_segments OUT.json -c calldesk.yaml serve …

`OUT.json` (written at exit): a histogram of run segments by length (and their totals by
where the greenlet yielded: what it waits for next) and of the event loop's
iterations by their CPU time (from one poll for IO to the next: whatever became ready during an
iteration waits for it to end, so this bounds a request's wait behind others); per kind of greenlet
(what it was spawned to run) the count, total and longest segment; the longest segments with
where they yielded (the innermost frames of the greenlet that ran), and the garbage
collector's passes (generation, time). `calldesk bench api` runs serve under it with
`CALLDESK_BENCH_SEGMENTS=DIR`.
"""

from __future__ import annotations

import gc
import json
import runpy
import sys
import time
from collections.abc import Callable
from typing import Any

import greenlet

BOUNDS_MS = (0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000)
LONG_MS = 5.0  # a segment at least this long is kept with its stack
KEEP = 200  # the longest segments kept
FRAMES = 8


def _kind(g: Any) -> str:
    """What a greenlet runs: its spawned function's qualified name, or 'hub'."""
    if type(g).__name__ == "Hub":
        return "hub"
    run = getattr(g, "_run", None) or getattr(g, "run", None)
    run = getattr(run, "__func__", run)
    name = getattr(run, "__qualname__", None) or type(g).__name__
    return f"{getattr(run, '__module__', '') or ''}.{name}"


_SKIP = ("/gevent/", "/socket.py", "/selectors.py", "/contextlib.py", "/threading.py")


def _site(g: Any) -> str:
    """The innermost frame outside gevent and the standard library's socket plumbing where the
    greenlet yielded (what it waits for next)."""
    frame = getattr(g, "gr_frame", None)
    for _ in range(12):
        if frame is None:
            break
        name = frame.f_code.co_filename
        if not any(s in name for s in _SKIP):
            return f"{name.rsplit('/', 2)[-1]}:{frame.f_code.co_name}"
        frame = frame.f_back
    return "?"


def _where(g: Any) -> list[str]:
    frame = getattr(g, "gr_frame", None)
    out: list[str] = []
    while frame is not None and len(out) < FRAMES:
        code = frame.f_code
        out.append(f"{code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno}:{code.co_name}")
        frame = frame.f_back
    return out


class Tracer:
    def __init__(self, clock: Callable[[], float] = time.thread_time) -> None:
        self.clock = clock
        self.last = clock()
        self.hist = [0] * (len(BOUNDS_MS) + 1)
        self.kinds: dict[str, list[float]] = {}  # kind -> [count, total ms, max ms]
        self.sites: dict[tuple[str, str], list[float]] = {}  # (kind, where it yielded) -> same
        self.long: list[tuple[float, float, str, list[str]]] = []
        self.gc: list[tuple[int, float, float]] = []  # generation, ms, at
        self.iters = [0] * (len(BOUNDS_MS) + 1)
        self.iter_kinds: list[tuple[float, float, dict[str, float]]] = []  # the longest
        self._iter_start = clock()
        self._iter_segs: dict[str, float] = {}
        self._gc_start = 0.0
        self.started = time.time()

    def trace(self, event: str, args: Any) -> None:
        if event not in ("switch", "throw"):
            return
        now = self.clock()
        ms = (now - self.last) * 1000
        self.last = now
        origin = args[0]
        i = 0
        while i < len(BOUNDS_MS) and ms > BOUNDS_MS[i]:
            i += 1
        self.hist[i] += 1
        kind = _kind(origin)
        self._iter_segs[kind] = self._iter_segs.get(kind, 0.0) + ms
        k = self.kinds.get(kind)
        if k is None:
            k = self.kinds[kind] = [0, 0.0, 0.0]
        k[0] += 1
        k[1] += ms
        if ms > k[2]:
            k[2] = ms
        site = (kind, _site(origin))
        k = self.sites.get(site)
        if k is None:
            k = self.sites[site] = [0, 0.0, 0.0]
        k[0] += 1
        k[1] += ms
        if ms > k[2]:
            k[2] = ms
        if ms >= LONG_MS:
            self.long.append((ms, time.time() - self.started, kind, _where(origin)))
            if len(self.long) > KEEP * 2:
                self.long = sorted(self.long, reverse=True)[:KEEP]

    def on_iteration(self) -> None:
        """Once per loop iteration, before the loop polls for IO."""
        now = self.clock()
        ms = (now - self._iter_start) * 1000
        self._iter_start = now
        i = 0
        while i < len(BOUNDS_MS) and ms > BOUNDS_MS[i]:
            i += 1
        self.iters[i] += 1
        if ms >= LONG_MS * 4:
            top = dict(sorted(self._iter_segs.items(), key=lambda kv: -kv[1])[:6])
            self.iter_kinds.append((ms, time.time() - self.started, top))
            if len(self.iter_kinds) > KEEP * 2:
                self.iter_kinds = sorted(self.iter_kinds, key=lambda x: -x[0])[:KEEP]
        self._iter_segs = {}

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.thread_time()
        else:
            ms = (time.thread_time() - self._gc_start) * 1000
            self.gc.append((info["generation"], ms, time.time() - self.started))

    def report(self) -> dict[str, Any]:
        labels = [f"<= {b} ms" for b in BOUNDS_MS] + [f"> {BOUNDS_MS[-1]} ms"]
        kinds = sorted(self.kinds.items(), key=lambda kv: -kv[1][1])
        gens: dict[int, list[float]] = {}
        for gen, ms, _ in self.gc:
            gens.setdefault(gen, []).append(ms)
        return {
            "segments": dict(zip(labels, self.hist, strict=True)),
            "iterations": dict(zip(labels, self.iters, strict=True)),
            "longest_iterations": [
                {
                    "ms": round(ms, 2),
                    "at_s": round(at, 2),
                    "kinds_ms": {k: round(v, 2) for k, v in top.items()},
                }
                for ms, at, top in sorted(self.iter_kinds, key=lambda x: -x[0])[:50]
            ],
            "kinds": [
                {
                    "kind": k,
                    "count": int(v[0]),
                    "total_ms": round(v[1], 1),
                    "max_ms": round(v[2], 2),
                }
                for k, v in kinds[:40]
            ],
            "sites": [
                {
                    "kind": k[0],
                    "yielded_in": k[1],
                    "count": int(v[0]),
                    "total_ms": round(v[1], 1),
                    "max_ms": round(v[2], 2),
                }
                for k, v in sorted(self.sites.items(), key=lambda kv: -kv[1][1])[:40]
            ],
            "longest": [
                {"ms": round(ms, 2), "at_s": round(at, 2), "kind": kind, "yielded_in": where}
                for ms, at, kind, where in sorted(self.long, reverse=True)[:KEEP]
            ],
            "gc": {
                str(g): {"count": len(v), "total_ms": round(sum(v), 1), "max_ms": round(max(v), 2)}
                for g, v in sorted(gens.items())
            },
            "gc_oldest": [  # the full collections, when
                {"ms": round(ms, 2), "at_s": round(at, 2)} for gen, ms, at in self.gc if gen == 2
            ],
        }


def main() -> None:
    out, sys.argv = sys.argv[1], ["calldesk", *sys.argv[2:]]
    tracer = Tracer()
    greenlet.settrace(tracer.trace)
    gc.callbacks.append(tracer.on_gc)
    import gevent

    watcher = gevent.get_hub().loop.prepare(ref=False)
    watcher.start(tracer.on_iteration)
    try:
        runpy.run_module("calldesk.cli.main", run_name="__main__")
    except SystemExit:
        pass
    finally:
        greenlet.settrace(None)
        with open(out, "w") as f:
            json.dump(tracer.report(), f, indent=1)


if __name__ == "__main__":
    main()
