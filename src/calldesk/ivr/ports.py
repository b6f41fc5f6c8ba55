"""The edges the runner talks to, as Protocols: media, HTTP, customer context, ACD hand-off.

The runner core never sleeps, reads the wall clock or opens a socket; each of these does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

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


@dataclass(frozen=True)
class EnqueueRequest:
    """Everything the ACD needs to queue an interaction, and the agent to see what the IVR learned."""

    interaction_id: str
    medium: str
    queue: str
    priority: int
    skills: dict[str, int]
    language: str
    caller: dict[str, Any]
    variables: dict[str, Any]  # every flow variable; PCI ones masked
    data: dict[str, Any]  # the enqueue step's own data
    flow: str
    flow_version: str
    path: list[str]
    timeout: float | None = None
    callback_number: str | None = None

    def screen_pop(self) -> dict[str, Any]:
        return {**self.variables, **self.data, "caller": self.caller, "ivr_path": self.path}

    def arrival(self) -> Any:
        """The ACD's `InteractionArrived` event for this request."""
        from calldesk.acd.events import InteractionArrived

        return InteractionArrived(
            interaction=self.interaction_id,
            queue=self.queue,
            medium=self.medium,
            customer=str(self.caller.get("id", "")),
            priority=self.priority,
            skills=dict(self.skills),
            data=self.screen_pop(),
        )

    def acd_events(self) -> list[Any]:
        """What the ACD core consumes: the arrival, then a callback request if one was left."""
        from calldesk.acd.events import CallbackRequested

        events = [self.arrival()]
        if self.callback_number:
            events.append(CallbackRequested(self.interaction_id, self.callback_number))
        return events


class Handoff(Protocol):
    def enqueue(self, request: EnqueueRequest) -> None: ...


# --- small in-memory edges, for tests, the CLI and text-only deployments ----------------------
@dataclass
class MemoryContexts:
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def read(self, key: str) -> dict[str, Any]:
        return dict(self.data.get(key, {}))

    def write(self, key: str, values: dict[str, Any]) -> None:
        self.data.setdefault(key, {}).update(values)


@dataclass
class ScriptedHttp:
    """Answers by URL prefix; unknown URLs fail like a timeout. Records every request."""

    replies: dict[str, HttpResult] = field(default_factory=dict)
    sent: list[HttpRequest] = field(default_factory=list)

    def request(self, req: HttpRequest) -> HttpResult:
        self.sent.append(req)
        for prefix, reply in self.replies.items():
            if req.url.startswith(prefix):
                return reply
        return HttpResult(None, error="timeout")

    def fire(self, req: HttpRequest) -> None:
        self.sent.append(req)


@dataclass
class CollectingHandoff:
    requests: list[EnqueueRequest] = field(default_factory=list)

    def enqueue(self, request: EnqueueRequest) -> None:
        self.requests.append(request)
