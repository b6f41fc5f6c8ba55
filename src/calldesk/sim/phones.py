"""Simulated phones reached by originate/bridge: how each one reacts to a call."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gevent


@dataclass(frozen=True)
class PhoneBehavior:
    """What a simulated phone does when called. Build with the class methods."""

    kind: str  # answer | no_answer | busy | unregistered | fail | machine | reject
    after: float = 0.0  # seconds of ringing before answer / busy / fail
    beep_after: float = 0.0  # answering machine: greeting length before the beep
    avmd: bool = False  # answering machine: fire avmd::beep events when avmd runs
    hangup_after: float | None = None  # the phone hangs up this long after answer
    # "bridge": `hangup_after` counts from when the leg is first bridged (an agent talks that
    # long once the caller is through; a leg never bridged hangs up after `patience_s`).
    talk_from: str = "answer"
    patience_s: float = 30.0
    dtmf: list[tuple[float, str]] = field(default_factory=list)  # (seconds after answer, digits)
    # What the callee sends after answering, as (speech | silence | beep, seconds) segments:
    # what detect_audio / detect_silence hear (empty: a person's "Hello?", or for a machine a
    # greeting of `beep_after` seconds then the beep). See `audio_segments`.
    audio: tuple[tuple[str, float], ...] = ()

    @classmethod
    def answer(
        cls,
        after: float = 1.0,
        hangup_after: float | None = None,
        dtmf: list[tuple[float, str]] | None = None,
        audio: tuple[tuple[str, float], ...] = (),
        talk_from: str = "answer",
    ) -> PhoneBehavior:
        if talk_from not in ("answer", "bridge"):
            raise ValueError(f"talk_from: 'answer' or 'bridge', not {talk_from!r}")
        return cls(
            "answer", after=after, hangup_after=hangup_after, dtmf=list(dtmf or []), audio=audio,
            talk_from=talk_from,
        )

    @classmethod
    def no_answer(cls) -> PhoneBehavior:
        return cls("no_answer")

    @classmethod
    def busy(cls, after: float = 0.5) -> PhoneBehavior:
        return cls("busy", after=after)

    @classmethod
    def reject(cls, after: float = 0.5) -> PhoneBehavior:
        """The user declines the call (a SIP 603 on a real phone): CALL_REJECTED."""
        return cls("reject", after=after)

    @classmethod
    def unregistered(cls) -> PhoneBehavior:
        return cls("unregistered")

    @classmethod
    def fail(cls, after: float = 0.2) -> PhoneBehavior:
        return cls("fail", after=after)

    @classmethod
    def machine(
        cls,
        after: float = 2.0,
        beep_after: float = 5.0,
        avmd: bool = True,
        hangup_after: float | None = None,
    ) -> PhoneBehavior:
        return cls(
            "machine", after=after, beep_after=beep_after, avmd=avmd, hangup_after=hangup_after
        )

    def audio_segments(self) -> list[tuple[str, float]]:
        """The callee's audio from the answer on (ends in endless silence)."""
        if self.audio:
            return [*self.audio, ("silence", 3600.0)]
        if self.kind != "machine":
            return [("silence", 0.4), ("speech", 0.6), ("silence", 3600.0)]
        segs, left = [("silence", 0.3)], max(0.0, self.beep_after - 0.8)
        while left > 0:  # "Hi, you've reached ... leave a message": words and short pauses
            word = min(left, 0.7)
            segs += [("speech", word), ("silence", 0.2)]
            left -= word + 0.2
        used = sum(d for _, d in segs)
        segs += [("silence", max(0.0, self.beep_after - used)), ("beep", 0.5)]
        return [*segs, ("silence", 3600.0)]

    @property
    def failure_cause(self) -> str | None:
        return {
            "busy": "USER_BUSY",
            "reject": "CALL_REJECTED",
            "unregistered": "USER_NOT_REGISTERED",
            "fail": "NORMAL_TEMPORARY_FAILURE",
        }.get(self.kind)


def normalize_target(target: str) -> str:
    """`user/1001@domain` and `user/1001` name the same phone; sofia contacts are kept as given."""
    if target.startswith("user/"):
        return target.split("@", 1)[0]
    return target


def press_hold(sw: Any, uuid: str, on: bool) -> bool:
    """The phone on leg `uuid` presses its hold key: a re-INVITE with a=sendonly (hold) or
    a=sendrecv (resume), as phone-hold-reinvite shows. False if the leg is gone."""
    from .apps import hold

    leg = sw.get_leg(uuid)
    if leg is None:
        return False
    fn = hold.hold if on else hold.unhold
    gevent.spawn(fn, sw, leg, "phone")
    return True


def press_transfer(sw: Any, uuid: str, target: str) -> bool:
    """The phone on leg `uuid` presses its transfer key and dials `target`: an in-dialog REFER
    (Refer-To: <sip:target@…>); its bridged partner is transferred there (phone-refer)."""
    from .apps import refer

    leg = sw.get_leg(uuid)
    if leg is None or leg.peer is None:
        return False
    gevent.spawn(refer.refer, sw, leg, target)
    return True
