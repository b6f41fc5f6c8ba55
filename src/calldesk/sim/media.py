"""Media durations: WAV files, tone_stream://, silence_stream:// and local_stream:// specs."""

from __future__ import annotations

import re
import wave
from pathlib import Path

_TONE_SEG = re.compile(r"%\(([\d.]+),([\d.]+),[^)]*\)")


def tone_stream_seconds(spec: str) -> float | None:
    """`tone_stream://%(on,off,freq...)[;%(...)][;loops=N]` -> seconds; None if no segment."""
    body = spec[len("tone_stream://") :]
    loops = 1
    m = re.search(r"loops=(-?\d+)", body)
    if m:
        loops = int(m.group(1))
    segs = _TONE_SEG.findall(body)
    if not segs:
        return None
    once = sum(float(on) + float(off) for on, off in segs) / 1000.0
    if loops < 0:  # mod_tone_stream: a negative loop count repeats the tones for ever
        return FOREVER
    return once * (loops if loops > 0 else 1)


FOREVER = 3600.0  # what the sim plays for an endless stream


def silence_stream_seconds(spec: str) -> float:
    """`silence_stream://MS[,noise]`. As mod_tone_stream's silence_stream_file_open: MS is read
    with atoi and anything not above 0 (-1, 0, text) plays forever (FOREVER here)."""
    arg = spec[len("silence_stream://") :].split(",", 1)[0]
    m = re.match(r"\s*[-+]?\d+", arg)
    ms = int(m.group()) if m else 0
    return FOREVER if ms <= 0 else ms / 1000.0


def wav_seconds(path: str) -> float | None:
    try:
        with wave.open(path, "rb") as w:
            rate = w.getframerate()
            return w.getnframes() / rate if rate else None
    except (OSError, wave.Error, EOFError):
        return None


def duration(spec: str, default: float, sounds_dir: str | None = None) -> float:
    """Simulated play time of a playback argument."""
    spec = spec.strip()
    if spec.startswith("{"):
        spec = spec[spec.find("}") + 1 :]
    if spec.startswith("tone_stream://"):
        secs = tone_stream_seconds(spec)
        return default if secs is None else secs
    if spec.startswith("silence_stream://"):
        return silence_stream_seconds(spec)
    if spec.startswith("local_stream://"):
        # mod_local_stream: a reader gets the stream's shared audio until it closes the
        # handle; the stream loops its directory for ever, so a playback of it never ends.
        return FOREVER
    if spec.startswith("file_string://"):
        return sum(duration(p, default, sounds_dir) for p in spec[14:].split("!") if p)
    candidates = [spec]
    if sounds_dir and not Path(spec).is_absolute():
        candidates.append(str(Path(sounds_dir) / spec))
    for c in candidates:
        secs = wav_seconds(c)
        if secs is not None:
            return secs
    return default
