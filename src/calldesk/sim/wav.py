"""WAV recordings as FreeSWITCH writes them: header first, fixed up at close.

8000 Hz, mono, 16-bit PCM. The header's sizes say 0 until `close()`, so a crash mid-recording
leaves a file whose header claims no data (what recording-repair code has to deal with).

The tone that stands in for speech is computed once per process into a shared table (C-speed
`map` over `itertools.accumulate`, the same float steps a sample-by-sample loop would take, so
the bytes are identical) and every recording writes slices of it: stopping a 50 s recording
writes 800 kB, it no longer computes 400,000 samples in Python on the event loop.
"""

from __future__ import annotations

import itertools
import math
import operator
import struct
import sys
from array import array
from collections import deque
from pathlib import Path

RATE = 8000
BYTES_PER_SAMPLE = 2
TABLE_MAX_SAMPLES = RATE * 3600  # an hour of tone is shared; beyond it each writer computes


def _header(data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * BYTES_PER_SAMPLE, BYTES_PER_SAMPLE, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


def _tone_block(phase: float, step: float, amplitude: int, count: int) -> tuple[bytes, float]:
    """`count` samples from `phase` on, and the phase after them: phase_k+1 = phase_k + step,
    added one by one as floats, sample = int(amplitude * sin(phase_k)), little-endian int16."""
    phases = list(itertools.accumulate(itertools.repeat(step, count), initial=phase))
    scaled = map(operator.mul, itertools.repeat(amplitude), map(math.sin, phases[:-1]))
    samples = array("h", map(int, scaled))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes(), phases[-1]


class _ToneTable:
    """The first samples of one tone from phase 0, grown on demand and shared by all writers."""

    def __init__(self, freq: float, amplitude: int) -> None:
        self.step = 2 * math.pi * freq / RATE
        self.amplitude = amplitude
        self.data = bytearray()
        self.end_phase = 0.0
        self.warming = False

    @property
    def samples(self) -> int:
        return len(self.data) // BYTES_PER_SAMPLE

    def ensure(self, samples: int) -> None:
        have = self.samples
        if samples <= have:
            return
        grow = min(TABLE_MAX_SAMPLES, samples) - have
        block, self.end_phase = _tone_block(self.end_phase, self.step, self.amplitude, grow)
        self.data += block


_TABLES: dict[tuple[float, int], _ToneTable] = {}
WARM_SAMPLES = RATE * 180  # a recording's start warms the table to 3 minutes, in the background
WARM_CHUNK = RATE * 2


def _table(freq: float, amplitude: int) -> _ToneTable:
    table = _TABLES.get((freq, amplitude))
    if table is None:
        table = _TABLES[(freq, amplitude)] = _ToneTable(freq, amplitude)
    return table


def _warm(table: _ToneTable, upto: int) -> None:
    """Grow the table a chunk at a time, yielding to the event loop between chunks, so the
    samples a recording will need are there before it stops."""
    import gevent

    while table.samples < upto:
        table.ensure(min(upto, table.samples + WARM_CHUNK))
        gevent.sleep(0)
    table.warming = False


def warm(freq: float = 440.0, amplitude: int = 3000) -> None:
    """Start warming the default tone's table in a background greenlet (once)."""
    table = _table(freq, amplitude)
    if table.warming or table.samples >= min(WARM_SAMPLES, TABLE_MAX_SAMPLES):
        return
    try:
        import gevent
    except ImportError:  # pragma: no cover - the sim always runs under gevent
        return
    table.warming = True
    gevent.spawn(_warm, table, min(WARM_SAMPLES, TABLE_MAX_SAMPLES))


def tone_bytes(start: int, count: int, freq: float = 440.0, amplitude: int = 3000) -> bytes:
    """Samples `start` .. `start + count` of the tone as a WavWriter writes it from phase 0."""
    table = _table(freq, amplitude)
    table.ensure(min(start + count, TABLE_MAX_SAMPLES))
    if start + count <= table.samples:
        return bytes(table.data[start * BYTES_PER_SAMPLE : (start + count) * BYTES_PER_SAMPLE])
    # Past the shared table: walk the phase on from its end (no storage), then compute.
    head = b""
    if start < table.samples:
        head = bytes(table.data[start * BYTES_PER_SAMPLE :])
        count -= table.samples - start
        start = table.samples
    phase = _advance(table.end_phase, table.step, start - table.samples)
    block, _ = _tone_block(phase, table.step, amplitude, count)
    return head + block


def _advance(phase: float, step: float, count: int) -> float:
    """The phase after `count` float additions of `step`."""
    return deque(itertools.accumulate(itertools.repeat(step, count), initial=phase), maxlen=1)[0]


class WavWriter:
    """Appends samples; `close()` fixes the header, `abandon()` leaves it claiming 0 bytes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "wb")  # noqa: SIM115 - held open for the recording
        self._f.write(_header(0))
        self._f.flush()
        warm()
        self.samples = 0
        self._tone_samples = 0  # the tone's phase: how many tone samples came before
        self._tone: tuple[float, int] | None = None  # the tone written so far
        self._phase: float | None = None  # set once a second tone makes the table unusable

    @property
    def closed(self) -> bool:
        return self._f.closed

    def write_tone(self, samples: int, freq: float = 440.0, amplitude: int = 3000) -> None:
        """Audible content (a tone stands in for speech)."""
        if samples <= 0 or self.closed:
            return
        if self._tone is None:
            self._tone = (freq, amplitude)
        if self._phase is None and self._tone == (freq, amplitude):
            self._f.write(tone_bytes(self._tone_samples, samples, freq, amplitude))
        else:  # another tone continues from the first one's phase, as one phase runs on
            if self._phase is None:
                self._phase = _advance(0.0, 2 * math.pi * self._tone[0] / RATE, self._tone_samples)
            block, self._phase = _tone_block(
                self._phase, 2 * math.pi * freq / RATE, amplitude, samples
            )
            self._f.write(block)
        self._tone_samples += samples
        self.samples += samples

    def write_silence(self, samples: int) -> None:
        if samples <= 0 or self.closed:
            return
        self._f.write(bytes(samples * BYTES_PER_SAMPLE))
        self.samples += samples

    def close(self) -> int:
        """Fix the header and close; returns the file size."""
        if self.closed:
            return self.path.stat().st_size
        data = self.samples * BYTES_PER_SAMPLE
        self._f.seek(0)
        self._f.write(_header(data))
        self._f.close()
        return 44 + data

    def abandon(self) -> None:
        """Crash: stop writing, leave the header as written at start (0 data bytes)."""
        if not self.closed:
            self._f.flush()
            self._f.close()
