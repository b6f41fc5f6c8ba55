"""A scripted caller for `flows test` and integration tests: wraps a real MediaPort and, each
time the flow asks for input, types the next scripted digits (during the prompt, as a hurried
caller would, so type-ahead is exercised) or hangs up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calldesk.ivr.actions import (
    CallerGone,
    CollectDigits,
    DigitsReceived,
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
from calldesk.ivr.ports import MediaPort

HANGUP = "hangup"


def parse_inputs(text: str) -> list[str]:
    """'1,12345#,,2' -> ['1', '12345#', '', '2'] ('' waits for the timeout; 'hangup' hangs up)."""
    return [part.strip() for part in text.split(",")] if text.strip() else []


class ScriptedCaller:
    def __init__(
        self,
        port: MediaPort,
        inputs: list[str],
        press: Callable[[str], Any],
        hang_up: Callable[[], Any],
        on_empty: str = HANGUP,
    ) -> None:
        self.port = port
        self.inputs = list(inputs)
        self.press = press
        self.hang_up = hang_up
        self.on_empty = on_empty
        self.medium = port.medium
        self.log: list[str] = []

    @property
    def gone(self) -> bool:
        return self.port.gone

    def _act(self) -> None:
        item = self.inputs.pop(0) if self.inputs else self.on_empty
        if item == HANGUP:
            self.log.append("(hangs up)")
            self.hang_up()
        elif item:
            self.log.append(f"(presses {item})")
            self.press(item)
        else:
            self.log.append("(says nothing)")

    def play(self, action: Play) -> PromptDone | CallerGone:
        return self.port.play(action)

    def collect(
        self, action: CollectDigits, typed: str = ""
    ) -> DigitsReceived | NoInput | CallerGone:
        self._act()
        return self.port.collect(action, typed)

    def say(self, action: Say) -> PromptDone | CallerGone:
        return self.port.say(action)

    def record(self, action: Record) -> RecordingDone | NoInput | CallerGone:
        self._act()
        return self.port.record(action)

    def transfer(self, action: Transfer) -> Done | CallerGone:
        return self.port.transfer(action)

    def hangup(self, action: Hangup) -> None:
        self.port.hangup(action)
