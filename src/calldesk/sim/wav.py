"""WAV recordings as FreeSWITCH writes them: header first, fixed up at close.

8000 Hz, mono, 16-bit PCM. The header's sizes say 0 until `close()`, so a crash mid-recording
leaves a file whose header claims no data (what recording-repair code has to deal with).
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

RATE = 8000
BYTES_PER_SAMPLE = 2


def _header(data_bytes: int) -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * BYTES_PER_SAMPLE, BYTES_PER_SAMPLE, 16)
        + b"data"
        + struct.pack("<I", data_bytes)
    )


class WavWriter:
    """Appends samples; `close()` fixes the header, `abandon()` leaves it claiming 0 bytes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(self.path, "wb")  # noqa: SIM115 - held open for the recording
        self._f.write(_header(0))
        self._f.flush()
        self.samples = 0
        self._phase = 0.0

    @property
    def closed(self) -> bool:
        return self._f.closed

    def write_tone(self, samples: int, freq: float = 440.0, amplitude: int = 3000) -> None:
        """Audible content (a tone stands in for speech)."""
        if samples <= 0 or self.closed:
            return
        step = 2 * math.pi * freq / RATE
        out = bytearray()
        for _ in range(samples):
            out += struct.pack("<h", int(amplitude * math.sin(self._phase)))
            self._phase += step
        self._f.write(out)
        self.samples += samples

    def write_silence(self, samples: int) -> None:
        if samples <= 0 or self.closed:
            return
        self._f.write(b"\x00\x00" * samples)
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
