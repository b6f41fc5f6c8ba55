"""The text media adapter: prompts become messages, replies become input (chat, SMS)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from calldesk.errors import CalldeskError
from calldesk.ivr.actions import (
    CallerGone,
    CollectDigits,
    DigitsReceived,
    Done,
    Hangup,
    NoInput,
    Play,
    Prompt,
    PromptDone,
    Record,
    RecordingDone,
    Say,
    Transfer,
)
from calldesk.ivr.errors import FlowError
from calldesk.ivr.flow import Flow


class ConversationClosed(CalldeskError):
    """The customer left the conversation."""


def prompt_text(prompts: tuple[Prompt, ...]) -> str:
    """The text of a prompt list; audio-only prompts (tones, silence, files) send nothing."""
    return "\n".join(p.text for p in prompts if p.text)


def say_text(action: Say) -> str:
    v = action.value
    try:
        if action.say_type == "digits":
            return " ".join(v)
        if action.say_type == "currency":
            return f"{float(v):,.2f}"
        if action.say_type == "number":
            return f"{int(float(v)):,}"
        if action.say_type in ("date", "time", "date_time"):
            when = (
                datetime.fromtimestamp(float(v), UTC)
                if re.fullmatch(r"\d+(\.\d+)?", v)
                else datetime.fromisoformat(v)
            )
            fmt = {"date": "%A %d %B %Y", "time": "%H:%M", "date_time": "%A %d %B %Y %H:%M"}
            return when.strftime(fmt[action.say_type])
    except ValueError:
        pass
    return v


def pick_choice(action: CollectDigits, reply: str) -> str | None:
    """The digit of the menu option a reply names ("Sales", "sales", "sales!"), if any."""
    word = re.sub(r"[^\w ]+", "", reply).strip().casefold()
    for label, digit in action.choices:
        if word and word == label.strip().casefold().replace("_", " "):
            return digit
        if word and word == label.strip().casefold():
            return digit
    return None


class TextPort:
    """`send(text)` posts a message; `receive(timeout_s)` returns the next reply, None on timeout,
    or raises ConversationClosed. Both are edges; this class holds no IO of its own."""

    def __init__(
        self,
        send: Callable[[str], None],
        receive: Callable[[float], str | None],
        medium: str = "chat",
    ) -> None:
        self.medium = medium
        self.gone = False
        self._send = send
        self._receive = receive

    def _say(self, text: str) -> None:
        if text:
            self._send(text)

    def _reply(self, timeout: float) -> str | None:
        try:
            return self._receive(timeout)
        except ConversationClosed:
            self.gone = True
            raise

    def play(self, action: Play) -> PromptDone | CallerGone:
        self._say(prompt_text(action.prompts))
        return PromptDone()

    def collect(
        self, action: CollectDigits, typed: str = ""
    ) -> DigitsReceived | NoInput | CallerGone:
        if not typed:
            self._say(prompt_text(action.prompts))
        try:
            reply = self._reply(action.timeout)
        except ConversationClosed:
            return CallerGone()
        if reply is None:
            return NoInput() if not typed else DigitsReceived(typed)
        picked = pick_choice(action, reply)
        if picked is not None:
            return DigitsReceived(picked)
        keys = typed + "".join(c for c in reply if c in "0123456789*#")
        for i, ch in enumerate(keys):
            if ch in action.terminators:
                return DigitsReceived(keys[:i], ch)
        return DigitsReceived(keys) if keys else NoInput()

    def say(self, action: Say) -> PromptDone | CallerGone:
        self._say(say_text(action))
        return PromptDone()

    def record(self, action: Record) -> RecordingDone | NoInput | CallerGone:
        self._say(prompt_text(action.prompts))
        try:
            reply = self._reply(float(action.max_seconds))
        except ConversationClosed:
            return CallerGone()
        return NoInput() if reply is None else RecordingDone("", 0.0, text=reply)

    def transfer(self, action: Transfer) -> Done | CallerGone:
        self._say(f"Transferring you ({action.target_type} {action.destination}).")
        return Done()

    def hangup(self, action: Hangup) -> None:
        self.gone = True


class ScriptedTextPort(TextPort):
    """A TextPort fed from a list of replies (None = the customer says nothing until the timeout).
    When the script runs out, the customer leaves. Used by tests and `flows test`."""

    def __init__(self, replies: list[str | None], medium: str = "chat") -> None:
        self.replies = list(replies)
        self.sent: list[str] = []
        super().__init__(self.sent.append, self._next, medium)

    def _next(self, timeout: float) -> str | None:
        if not self.replies:
            raise ConversationClosed("script ended")
        return self.replies.pop(0)


_CLOSED = object()


class TextConversation(TextPort):
    """A live text conversation: the digital adapter `deliver()`s customer messages as they
    arrive and `close()`s when the customer leaves; the run waits on a gevent queue.
    A question waits at least `min_timeout` seconds (people type slower than they press keys);
    `deliver(None)` answers the current question with silence at once (scripted tests)."""

    def __init__(
        self, send: Callable[[str], None], medium: str = "chat", min_timeout: float = 0.0
    ) -> None:
        import gevent.event
        import gevent.queue

        self._inbox: gevent.queue.Queue = gevent.queue.Queue()
        self.min_timeout = min_timeout
        self.asking = gevent.event.Event()  # set while the flow waits for a reply
        self.questions = 0  # how many times the flow waited for a reply so far
        super().__init__(send, self._wait, medium)

    def deliver(self, text: str | None) -> None:
        self._inbox.put(text)

    def close(self) -> None:
        self._inbox.put(_CLOSED)

    def _wait(self, timeout: float) -> str | None:
        import gevent.queue

        self.questions += 1
        self.asking.set()
        try:
            item = self._inbox.get(timeout=max(timeout, self.min_timeout))
        except gevent.queue.Empty:
            return None
        finally:
            self.asking.clear()
        if item is _CLOSED:
            raise ConversationClosed("the customer left")
        return item


# --- validation for a text medium ----------------------------------------------------------------
TEXT_MEDIA = ("chat", "sms", "email", "text")
_VOICE_ONLY = {"record": "records audio", "transfer": "transfers a phone leg"}


class VoiceOnlyStep(FlowError):
    code = "voice-only"


def check_medium(flow: Flow, medium: str) -> list[FlowError]:
    """What stops `flow` from running on `medium`: voice-only steps without a `text:` variant,
    and questions (menu, collect) whose prompt has no text to send. Empty for voice."""
    if medium not in TEXT_MEDIA:
        return []
    errors: list[FlowError] = []
    for step in flow.steps.values():
        spec = step.impl.spec
        if spec.get("text"):
            continue
        if step.kind in _VOICE_ONLY:
            errors.append(
                VoiceOnlyStep(
                    step.mark,
                    f"{step.kind} step {step.name!r} {_VOICE_ONLY[step.kind]}: on {medium} it "
                    "needs a `text:` step to go to instead",
                )
            )
        elif step.kind in ("menu", "collect"):
            if not any(p.get("text") for p in spec.get("prompt") or ()):
                errors.append(
                    VoiceOnlyStep(
                        step.mark_at(("prompt",)),
                        f"{step.kind} step {step.name!r}: the prompt has no `text:` to send "
                        f"on {medium}",
                    )
                )
    return sorted(errors, key=lambda e: (e.line, e.col))
