"""The edges the runner talks to, as Protocols: media, HTTP, customer context. The ACD hand-off
(`EnqueueRequest`, `Handoff`) lives in `calldesk.interactions`; it is re-exported here.

The runner core never sleeps, reads the wall clock or opens a socket; each of these does."""

from __future__ import annotations

from typing import Any, Protocol

from calldesk.interactions import EnqueueRequest, Handoff
from calldesk.ivr.actions import (
    CallerGone,
    CollectDigits,
    DigitsReceived,
    Done,
    Hangup,
    HttpRequest,
    HttpResult,
    NoInput,
    Play,
    PromptDone,
    Record,
    RecordingDone,
    Say,
    Transfer,
)


class MediaPort(Protocol):
    """One interaction's media: a voice leg over ESL, or a text conversation."""

    medium: str
    gone: bool  # the caller hung up / the conversation closed

    def play(self, action: Play) -> PromptDone | CallerGone: ...

    def collect(
        self, action: CollectDigits, typed: str = ""
    ) -> DigitsReceived | NoInput | CallerGone:
        """Ask for digits. `typed` holds digits the caller already typed (type-ahead): the port
        skips the prompts and returns them plus whatever follows."""
        ...

    def say(self, action: Say) -> PromptDone | CallerGone: ...

    def record(self, action: Record) -> RecordingDone | NoInput | CallerGone: ...

    def transfer(self, action: Transfer) -> Done | CallerGone: ...

    def hangup(self, action: Hangup) -> None: ...


class HttpClient(Protocol):
    def request(self, req: HttpRequest) -> HttpResult: ...

    def fire(self, req: HttpRequest) -> None:
        """Fire and forget: must return at once (the edge runs it in the background)."""
        ...


class ContextStore(Protocol):
    def read(self, key: str) -> dict[str, Any]: ...

    def write(self, key: str, values: dict[str, Any]) -> None: ...


__all__ = ["ContextStore", "EnqueueRequest", "Handoff", "HttpClient", "MediaPort"]
