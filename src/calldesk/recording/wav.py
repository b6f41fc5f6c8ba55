"""WAV header checks and repair. A killed FreeSWITCH leaves the header it wrote at start, which
says 0 data bytes; the samples after it are fine. Repair rewrites RIFF and data sizes from the
real file length. Works on the file given; no clock.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WavInfo:
    path: str
    size: int
    riff_size: int  # what the RIFF header says
    data_offset: int  # where the data chunk's samples start
    data_declared: int  # what the data chunk header says
    channels: int
    rate: int
    bits: int

    @property
    def data_actual(self) -> int:
        return max(0, self.size - self.data_offset)

    @property
    def block(self) -> int:
        return max(1, self.channels * self.bits // 8)

    @property
    def healthy(self) -> bool:
        return self.data_declared == self.data_actual and self.riff_size == self.size - 8

    @property
    def seconds(self) -> float:
        return (self.data_actual // self.block) / self.rate if self.rate else 0.0


class NotAWav(ValueError):
    """The file is not a PCM WAV we can read or repair."""


def inspect(path: str | Path) -> WavInfo:
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as f:
        head = f.read(4096)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise NotAWav(f"{p}: not a RIFF/WAVE file")
    riff_size = struct.unpack_from("<I", head, 4)[0]
    pos, fmt = 12, None
    while pos + 8 <= len(head):
        cid, clen = head[pos : pos + 4], struct.unpack_from("<I", head, pos + 4)[0]
        if cid == b"fmt ":
            if clen < 16 or pos + 8 + 16 > len(head):
                raise NotAWav(f"{p}: short fmt chunk")
            _, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", head, pos + 8)
            fmt = (channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise NotAWav(f"{p}: data chunk before fmt")
            return WavInfo(str(p), size, riff_size, pos + 8, clen, *fmt)
        pos += 8 + clen + (clen & 1)
    raise NotAWav(f"{p}: no data chunk in the header")


def repair(path: str | Path) -> WavInfo:
    """Rewrite the RIFF and data sizes from the file's real length (whole sample frames).

    A trailing partial frame (a write cut mid-sample) is dropped so readers stay aligned."""
    info = inspect(path)
    data = info.data_actual - info.data_actual % info.block
    with open(info.path, "r+b") as f:
        if data != info.data_actual:
            f.truncate(info.data_offset + data)
        f.seek(4)
        f.write(struct.pack("<I", info.data_offset + data - 8))
        f.seek(info.data_offset - 4)
        f.write(struct.pack("<I", data))
    return inspect(path)


def sha256_of(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(65536), b""):
            h.update(chunk)
    return h.hexdigest()
