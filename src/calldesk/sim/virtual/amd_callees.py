"""Simulated callees' early audio, and what FreeSWITCH's detection apps report on it.

A callee's audio is a list of (kind, seconds) segments: `speech`, `silence` or `beep`. The
functions below return what `detect_audio`, `detect_silence` and mod_avmd would report when run
from a given position, following their source: detect_audio returns after more than
`audio_frames` consecutive loud 20 ms frames, detect_silence after more than `silence_frames`
quiet ones, each or at its timeout; avmd::beep comes about 60 ms into the tone.
`measure()` runs the classifier on many callees and reports its accuracy.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Iterator

from calldesk.dialer.amd import FRAME_S, AmdRun, AmdThresholds, Verdict
from calldesk.sim.virtual.outbound_model import lognormal

Segments = list[tuple[str, float]]
AVMD_DELAY_S = 0.06


def human(rng: random.Random) -> Segments:
    segs: Segments = [("silence", lognormal(rng, 0.6, 0.5))]
    u = rng.random()
    if u < 0.75:  # "Hello?"
        segs.append(("speech", lognormal(rng, 0.6, 0.3)))
    elif u < 0.95:  # "Hello, this is Ann."
        segs += [("speech", lognormal(rng, 0.5, 0.3)), ("silence", rng.uniform(0.1, 0.25)),
                 ("speech", lognormal(rng, 0.6, 0.3))]  # fmt: skip
    else:  # "Good afternoon, Acme Plumbing, Ann speaking."
        segs.append(("speech", lognormal(rng, 2.2, 0.2)))
    segs.append(("silence", 4.0))  # waiting for an answer
    return segs


def machine(rng: random.Random) -> Segments:
    segs: Segments = [("silence", lognormal(rng, 0.3, 0.5))]
    if rng.random() < 0.08:  # "Leave a message." (short)
        segs.append(("speech", lognormal(rng, 1.1, 0.2)))
    else:
        total = lognormal(rng, 4.5, 0.4)
        while total > 0:
            word = min(total, lognormal(rng, 0.9, 0.5))
            segs += [("speech", word), ("silence", rng.uniform(0.1, 0.45))]
            total -= word
    segs += [("silence", rng.uniform(0.3, 0.8)), ("beep", 0.6), ("silence", 30.0)]
    return segs


def _timeline(segs: Segments) -> Iterator[tuple[str, float, float]]:
    t = 0.0
    for kind, d in segs:
        yield kind, t, t + d
        t += d
    yield "silence", t, float("inf")


def detect(
    segs: Segments, at: float, loud: bool, frames: int, timeout: float
) -> tuple[float, bool]:
    """(seconds the app ran, timed out?) for detect_audio (loud) or detect_silence, from `at`."""
    need = (frames + 1) * FRAME_S
    for kind, a, b in _timeline(segs):
        if b <= at or (kind != "silence") != loud:
            continue
        start = max(a, at)
        if b - start >= need and start + need - at <= timeout:
            return start + need - at, False
        if start - at > timeout:
            break
    return timeout, True


def beep_at(segs: Segments) -> float | None:
    return next((a + AVMD_DELAY_S for kind, a, _ in _timeline(segs) if kind == "beep"), None)


def classify(segs: Segments, t: AmdThresholds) -> Verdict:
    run = AmdRun(t)
    app = run.start()
    beep = beep_at(segs)
    while True:
        name, _energy, frames, ms = app.split()
        ran, timed_out = detect(
            segs, run.elapsed, name == "detect_audio", int(frames), int(ms) / 1000
        )
        if beep is not None and beep <= run.elapsed + ran:
            return run.beep(beep)
        nxt = run.completed(ran, timed_out)
        if isinstance(nxt, Verdict):
            return nxt
        app = nxt


def measure(n: int = 2000, seed: int = 1, t: AmdThresholds | None = None) -> dict[str, float]:
    """False-positive rate (people judged machines), false-negative rate, decision times."""
    t = t or AmdThresholds()
    rng = random.Random(seed)
    fp = fn = 0
    human_s, machine_s, after_greeting = [], [], []
    for _ in range(n):
        segs = human(rng)
        v = classify(segs, t)
        fp += v.result == "machine"
        human_s.append(v.after_s)
        spoken = sum(d for _, d in segs[:-1])  # the person's greeting ends here
        after_greeting.append(v.after_s - spoken)
        v = classify(machine(rng), t)
        fn += v.result == "human"
        machine_s.append(v.after_s)
    human_s.sort()
    after_greeting.sort()
    return {
        "false_positive_rate": fp / n,
        "false_negative_rate": fn / n,
        "human_decision_p50_s": statistics.median(human_s),
        "human_decision_p95_s": human_s[int(0.95 * (n - 1))],
        "human_after_greeting_p50_s": statistics.median(after_greeting),
        "human_after_greeting_p95_s": after_greeting[int(0.95 * (n - 1))],
        "machine_decision_p50_s": statistics.median(machine_s),
    }
