"""Answering-machine detection on what FreeSWITCH's own tree has, as classic AMD does it.

mod_amd is not in the tree. mod_dptools has `detect_audio <thresh> <audio_hits> <timeout_ms>`
(returns after more than `audio_hits` consecutive loud 20 ms frames, setting
`detect_audio_timeout=false`, or at the timeout with `detect_audio_timeout=true`) and
`detect_silence <thresh> <silence_hits> <timeout_ms>` (the same for quiet frames, variable
`detect_silence_timeout`); mod_avmd fires `avmd::beep` (Beep-Status: DETECTED) on a machine's
beep. The classifier is a pure step machine: `start()` gives the first app to run on the answered
leg; each app's completion (how long it ran, whether it timed out) gives the next app or the
verdict. The adapter runs the apps and reports CHANNEL_EXECUTE_COMPLETE to it.

Rules (thresholds configurable; the defaults were tuned on the simulated callees of
`calldesk.sim.virtual.amd_callees`, see `measure()`):
1. initial silence longer than `initial_silence_s` -> machine (or `initial_silence_verdict`);
2. a first utterance longer than `greeting_s` -> machine (a recorded greeting);
3. silence after the utterance of `after_greeting_s` -> human (a "hello?" waiting for a reply);
4. more speech right after a short pause: another word; more than `max_words` -> machine;
5. `avmd::beep` at any point -> machine; past `total_s` -> human ("not sure" is not a machine:
   calling a person a machine abandons them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

FRAME_S = 0.02


@dataclass(frozen=True)
class AmdThresholds:
    energy: int = 200  # the apps' threshold on mean absolute sample value per frame
    audio_frames: int = 5  # consecutive loud frames that start speech (100 ms)
    silence_frames: int = 15  # consecutive quiet frames that end a word (300 ms)
    initial_silence_s: float = 2.5
    greeting_s: float = 2.5
    after_greeting_s: float = 0.6
    max_words: int = 3
    total_s: float = 5.0
    initial_silence_verdict: str = "machine"

    def __post_init__(self) -> None:
        if self.initial_silence_verdict not in ("machine", "human"):
            raise ValueError("initial_silence_verdict: expected machine or human")
        for name in ("initial_silence_s", "greeting_s", "after_greeting_s", "total_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name}: must be > 0")


@dataclass(frozen=True)
class Verdict:
    result: str  # human | machine
    reason: str  # initial_silence | long_greeting | silence_after_greeting | max_words | beep | total_time
    after_s: float  # seconds from the answer


@dataclass
class AmdRun:
    """One answered leg's classification in progress."""

    t: AmdThresholds = field(default_factory=AmdThresholds)
    phase: str = "initial"  # initial | word | pause | done
    elapsed: float = 0.0
    words: int = 0
    word_s: float = 0.0
    verdict: Verdict | None = None

    def start(self) -> str:
        return self._audio(self.t.initial_silence_s)

    def _audio(self, timeout_s: float) -> str:
        ms = max(1, int(round(timeout_s * 1000)))
        return f"detect_audio {self.t.energy} {self.t.audio_frames} {ms}"

    def _silence(self, timeout_s: float) -> str:
        ms = max(1, int(round(timeout_s * 1000)))
        return f"detect_silence {self.t.energy} {self.t.silence_frames} {ms}"

    def _done(self, result: str, reason: str) -> Verdict:
        self.phase = "done"
        self.verdict = Verdict(result, reason, round(self.elapsed, 3))
        return self.verdict

    def beep(self, at_s: float) -> Verdict:
        self.elapsed = max(self.elapsed, at_s)
        return self._done("machine", "beep")

    def completed(self, ran_s: float, timed_out: bool) -> str | Verdict:
        """The running app finished after `ran_s` seconds: the next app, or the verdict."""
        if self.verdict is not None:
            return self.verdict
        self.elapsed += ran_s
        t = self.t
        if self.phase == "initial":
            if timed_out:
                return self._done(t.initial_silence_verdict, "initial_silence")
            self.phase, self.words, self.word_s = "word", 1, 0.0
        elif self.phase == "word":  # the app ran for the word plus its trailing silence
            self.word_s += ran_s if timed_out else max(0.0, ran_s - FRAME_S * t.silence_frames)
            if timed_out or self.word_s > t.greeting_s:
                return self._done("machine", "long_greeting")
            self.phase = "pause"
        elif self.phase == "pause":
            if timed_out:
                return self._done("human", "silence_after_greeting")
            self.words += 1
            if self.words > t.max_words:
                return self._done("machine", "max_words")
            self.phase = "word"
        left = t.total_s - self.elapsed
        if left <= 0:
            return self._done("human", "total_time")
        if self.phase == "word":
            return self._silence(min(left, t.greeting_s - self.word_s + FRAME_S * t.silence_frames))
        return self._audio(min(left, t.after_greeting_s))
