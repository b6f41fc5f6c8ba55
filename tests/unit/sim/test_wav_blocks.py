"""The block WAV writer writes the same bytes as the sample-by-sample writer it replaced."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest

from calldesk.sim import wav
from calldesk.sim.wav import WavWriter


class OldWavWriter:
    """The writer as it was before issue 11 (one struct.pack per sample), kept as the reference."""

    def __init__(self, path: Path) -> None:
        self._f = open(path, "wb")  # noqa: SIM115
        self._f.write(wav._header(0))
        self.samples = 0
        self._phase = 0.0

    def write_tone(self, samples: int, freq: float = 440.0, amplitude: int = 3000) -> None:
        step = 2 * math.pi * freq / wav.RATE
        out = bytearray()
        for _ in range(samples):
            out += struct.pack("<h", int(amplitude * math.sin(self._phase)))
            self._phase += step
        self._f.write(out)
        self.samples += samples

    def write_silence(self, samples: int) -> None:
        self._f.write(b"\x00\x00" * samples)
        self.samples += samples

    def close(self) -> None:
        self._f.seek(0)
        self._f.write(wav._header(self.samples * 2))
        self._f.close()


SCRIPTS = [
    [("tone", 8000 * 50)],  # one 50 s recording stopped at once (the demo's case)
    [("tone", 160), ("silence", 320), ("tone", 1), ("tone", 7999), ("silence", 0), ("tone", 333)],
    [("tone", 1000), ("tone", 500, 600.0), ("silence", 10), ("tone", 700), ("tone", 90, 440.0, 99)],
]


def _write(writer, script) -> None:
    for op, n, *tone in script:
        if op == "tone":
            writer.write_tone(n, *tone)
        else:
            writer.write_silence(n)
    writer.close()


@pytest.mark.parametrize("script", SCRIPTS)
def test_block_writer_output_is_byte_identical_to_the_old_writer(tmp_path, script) -> None:
    _write(OldWavWriter(tmp_path / "old.wav"), script)
    _write(WavWriter(tmp_path / "new.wav"), script)
    assert (tmp_path / "new.wav").read_bytes() == (tmp_path / "old.wav").read_bytes()


def test_identical_past_the_shared_table_too(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(wav, "TABLE_MAX_SAMPLES", 1000)
    monkeypatch.setattr(wav, "_TABLES", {})
    script = [("tone", 600), ("tone", 900), ("silence", 5), ("tone", 2500)]
    _write(OldWavWriter(tmp_path / "old.wav"), script)
    _write(WavWriter(tmp_path / "new.wav"), script)
    assert (tmp_path / "new.wav").read_bytes() == (tmp_path / "old.wav").read_bytes()


def test_second_recording_reuses_the_computed_tone(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(wav, "_TABLES", {})
    WavWriter(tmp_path / "a.wav").write_tone(8000 * 30)
    table = wav._TABLES[(440.0, 3000)]
    grown = table.samples
    calls = []
    monkeypatch.setattr(wav, "_tone_block", lambda *a: calls.append(a) or (b"", 0.0))
    w = WavWriter(tmp_path / "b.wav")
    w.write_tone(8000 * 30)
    assert calls == [] and table.samples == grown and w.close() == 44 + 2 * 8000 * 30
