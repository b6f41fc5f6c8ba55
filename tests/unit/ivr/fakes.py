"""A fake media port: scripted results per call, every call recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from calldesk.ivr.actions import (
    CallerGone,
    CollectDigits,
    Done,
    Hangup,
    NoInput,
    Play,
    PromptDone,
    Record,
    RecordingDone,
    Say,
    Transfer,
)


@dataclass
class FakePort:
    """`script` is consumed by collect/record (and by play/say when it holds a PromptDone or
    CallerGone for them). A callable in the script is called (to crash or edit files mid-call)."""

    script: list[Any] = field(default_factory=list)
    medium: str = "voice"
    gone: bool = False
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def _next(self, kind: str, default: Any) -> Any:
        if self.script and isinstance(self.script[0], Callable):  # type: ignore[arg-type]
            self.script.pop(0)()
        if kind in ("play", "say"):
            if self.script and isinstance(self.script[0], PromptDone | CallerGone):
                return self._maybe_gone(self.script.pop(0))
            return default
        if not self.script:
            return self._maybe_gone(CallerGone())
        return self._maybe_gone(self.script.pop(0))

    def _maybe_gone(self, result: Any) -> Any:
        if isinstance(result, CallerGone):
            self.gone = True
        return result

    def play(self, action: Play) -> Any:
        self.calls.append(("play", action))
        return self._next("play", PromptDone())

    def collect(self, action: CollectDigits, typed: str = "") -> Any:
        self.calls.append(("collect", (action, typed)))
        return self._next("collect", NoInput())

    def say(self, action: Say) -> Any:
        self.calls.append(("say", action))
        return self._next("say", PromptDone())

    def record(self, action: Record) -> Any:
        self.calls.append(("record", action))
        return self._next("record", RecordingDone("/tmp/rec.wav", 2.0))

    def transfer(self, action: Transfer) -> Any:
        self.calls.append(("transfer", action))
        return Done()

    def hangup(self, action: Hangup) -> None:
        self.calls.append(("hangup", action))
        self.gone = True

    def kinds(self) -> list[str]:
        return [k for k, _ in self.calls]


class Crash(Exception):
    """The controller dies mid-call (the leg stays parked in the switch)."""


def crash() -> Callable[[], None]:
    def boom() -> None:
        raise Crash()

    return boom
