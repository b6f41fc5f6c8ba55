"""WAV repair with real bytes: a header that says 0 (or a wrong number of) bytes is rewritten from
the data length; Python's `wave` then reads the right duration. Startup repair settles the index."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from calldesk.recording import wav
from calldesk.recording.index import RecordingIndex, Row
from calldesk.recording.integrity import startup_repair, verify_row
from calldesk.store import Store

RATE = 8000


def header(data_bytes: int, channels: int = 1) -> bytes:
    block = 2 * channels
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, RATE, RATE * block, block, 16)
            + b"data" + struct.pack("<I", data_bytes))  # fmt: skip


def tone(seconds: float, channels: int = 1) -> bytes:
    n = int(RATE * seconds)
    return b"".join(struct.pack("<h", int(3000 * math.sin(i / 3))) * channels for i in range(n))


def crashed(
    path: Path, seconds: float, channels: int = 1, declared: int = 0, extra: bytes = b""
) -> bytes:
    data = tone(seconds, channels)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header(declared, channels) + data + extra)
    return data


def test_zero_header_is_repaired_and_readable(tmp_path: Path) -> None:
    p = tmp_path / "a.wav"
    data = crashed(p, 2.5)
    info = wav.inspect(p)
    assert not info.healthy and info.data_declared == 0 and info.data_actual == len(data)
    with wave.open(str(p)) as w:  # before: the header lies
        assert w.getnframes() == 0
    fixed = wav.repair(p)
    assert fixed.healthy
    with wave.open(str(p)) as w:
        assert w.getnframes() == 20000 and w.getframerate() == RATE
        assert w.readframes(w.getnframes()) == data  # samples untouched


def test_wrong_size_and_partial_frame_and_stereo(tmp_path: Path) -> None:
    p = tmp_path / "s.wav"
    data = crashed(p, 1.0, channels=2, declared=999_999, extra=b"\x01\x02\x03")  # cut mid-frame
    fixed = wav.repair(p)
    assert fixed.healthy and fixed.data_actual == len(data)
    with wave.open(str(p)) as w:
        assert w.getnchannels() == 2 and w.getnframes() == RATE


def test_healthy_file_is_left_alone(tmp_path: Path) -> None:
    p = tmp_path / "ok.wav"
    p.write_bytes(header(1600) + tone(0.1))
    assert wav.inspect(p).healthy


def test_not_a_wav(tmp_path: Path) -> None:
    p = tmp_path / "x.wav"
    p.write_bytes(b"hello")
    with pytest.raises(wav.NotAWav):
        wav.inspect(p)


@pytest.fixture
def store():
    s = Store.open(":memory:")
    yield s
    s.close()


def test_startup_repair_settles_rows_and_orphans(tmp_path: Path, store) -> None:
    index = RecordingIndex(store.db)
    crashed(tmp_path / "2026/11/24/i1-leg1.wav", 3.0)
    (tmp_path / "2026/11/24/i2-leg2.wav").write_bytes(header(8000) + tone(0.5))
    crashed(tmp_path / "orphan.wav", 1.0)
    crashed(tmp_path / "live.wav", 1.0)
    for rid, inter, path, legs in (("r1", "i1", "2026/11/24/i1-leg1.wav", ["leg1"]),
                                   ("r2", "i2", "2026/11/24/i2-leg2.wav", ["leg2"]),
                                   ("r3", "i3", "gone.wav", ["leg3"]),
                                   ("r4", "i4", "live.wav", ["live-leg"])):  # fmt: skip
        index.insert(Row(rid, inter, path, started_at=100.0, legs=legs, agent="a1"))
    report = startup_repair(index, store.journal, tmp_path, at=500.0,
                            is_live_leg=lambda u: u == "live-leg")  # fmt: skip
    assert sorted(report.repaired) == ["2026/11/24/i1-leg1.wav", "orphan.wav"]
    assert report.completed == ["2026/11/24/i2-leg2.wav"] and report.missing == ["gone.wav"]
    assert report.skipped_live == ["live.wav"]
    r1 = index.get("r1")
    assert r1.status == "repaired" and r1.duration == 3.0 and r1.size == 44 + 48000
    assert r1.sha256 == wav.sha256_of(tmp_path / r1.path)
    assert index.get("r2").status == "complete" and index.get("r3").status == "missing"
    assert index.get("r4").status == "recording" and not wav.inspect(tmp_path / "live.wav").healthy
    kinds = [e.kind for e in store.journal.read(kind_prefix="recording.")]
    assert kinds.count("recording.repaired") == 2 and "recording.missing" in kinds
    with wave.open(str(tmp_path / "orphan.wav")) as w:
        assert w.getnframes() == RATE
    # once the live leg is gone, the next run settles that one and nothing else
    again = startup_repair(index, store.journal, tmp_path, at=600.0)
    assert again.repaired == ["live.wav"] and index.get("r4").status == "repaired"
    assert startup_repair(index, store.journal, tmp_path, at=700.0).repaired == []


def test_verify_row_of_a_leg_that_ended_without_stop(tmp_path: Path, store) -> None:
    index = RecordingIndex(store.db)
    crashed(tmp_path / "x.wav", 0.4)
    index.insert(Row("r", "i", "x.wav", started_at=1.0))
    assert (
        verify_row(index, store.journal, tmp_path, index.get("r"), 2.0, "leg ended") == "repaired"
    )
    assert index.get("r").duration == 0.4
