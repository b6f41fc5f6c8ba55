"""say: mod_say's file list played as one file_string, or nothing without its language.

switch_ivr_say looks the language up in freeswitch.xml's `languages` section
(switch_xml_locate_language). Without the section (or without that `<language>`) it logs
"Open of languages and phrases failed." and returns at once: CHANNEL_EXECUTE and
EXECUTE_COMPLETE in the same millisecond, `_none_`, no PLAYBACK events (say-languages trace).
With it, mod_say_en plays `file_string://digits/40.wav!digits/2.wav` for 42: one
PLAYBACK_START/STOP pair, 0.85 s (about 0.43 s a file when the sim has no WAV to measure).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .. import media
from ..executor import app
from ..legs import AppFrame, Leg
from .playback import _terminators, play

if TYPE_CHECKING:
    from ..switch import SimSwitch

FILE_SECONDS = 0.425  # say-languages trace: two digit files in 0.85 s


def _number_files(n: int) -> list[str]:
    """mod_say_en.c en_say_general_count, pronounced: 42 -> 40.wav, 2.wav."""
    if n == 0:
        return ["digits/0.wav"]
    out: list[str] = []
    for div, word in ((1_000_000, "million"), (1_000, "thousand")):
        if n >= div:
            out += _number_files(n // div) + [f"digits/{word}.wav"]
            n %= div
    if n >= 100:
        out += [f"digits/{n // 100}.wav", "digits/hundred.wav"]
        n %= 100
    if n >= 20:
        out.append(f"digits/{n // 10}0.wav")
        n %= 10
    if n:
        out.append(f"digits/{n}.wav")
    return out


def say_files(kind: str, method: str, text: str) -> list[str]:
    """The sound files `say <lang> <kind> <method> <text>` plays (number pronounced; anything
    else is said character by character, as mod_say_en's iterated method does)."""
    digits = text.strip().replace(",", "")
    if kind.lower() == "number" and method.lower() == "pronounced" and digits.isdigit():
        return _number_files(int(digits))
    return [f"digits/{c.lower()}.wav" for c in text if c.isalnum()]


def _seconds(sw: SimSwitch, files: list[str]) -> float:
    total = 0.0
    for f in files:
        found = media.wav_seconds(str(Path(sw.sounds_dir) / f)) if sw.sounds_dir else None
        total += FILE_SECONDS if found is None else found
    return total


@app("say")
def say(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    parts = data.split(" ", 3)
    if len(parts) < 4:
        sw.log_line(leg, 3, "Usage: say <module_name>[:<lang>] <say_type> <say_method> <text>")
        return
    lang, kind, method, text = parts
    langs = sw.site.languages
    if langs is None or lang.split(":")[0] not in langs:
        why = "Open of languages and phrases failed." if langs is None else (
            f"Can't find language {lang}.")  # fmt: skip
        sw.log_line(leg, 3, why)
        frame.complete_at = frame.started_at  # returns at once: same instant as EXECUTE
        return
    files = say_files(kind, method, text)
    if not files:
        return
    path = "file_string://" + "!".join(files)
    play(sw, leg, path, frame, terminators=_terminators(leg), seconds=_seconds(sw, files))
