"""The voice media adapter: drives one leg over ESL (playback, play_and_get_digits, say, record).

Completions are matched by Application-UUID (SwitchConnection.execute). DTMF is handled exactly
from the leg's DTMF events, not only from app results: between two apps the leg is parked, and
park dequeues (and drops) digits while still firing their DTMF events, so a caller typing ahead
would otherwise lose digits. An inline handler records every DTMF event in wire order, and the
position reached at each CHANNEL_EXECUTE_COMPLETE, so each digit is given to exactly one
question: the prompt it barged into, or the collect that follows."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from calldesk.errors import CalldeskError, ESLError, NotConnected
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

if TYPE_CHECKING:
    from calldesk.ivr.legrouter import LegRouter

log = logging.getLogger(__name__)

ALL_DIGITS = "0123456789*#"
# play_and_get_digits' prompt and invalid-input files when calldesk has already played the
# prompts itself. Never `silence_stream://0`: mod_tone_stream plays that forever.
PROMPT_SILENCE = "silence_stream://250"
NO_INVALID_PROMPT = "silence_stream://1"
SAY_TYPES = {
    "number": ("NUMBER", "pronounced"),
    "digits": ("NUMBER", "iterated"),
    "currency": ("CURRENCY", "pronounced"),
    "date": ("CURRENT_DATE", "pronounced"),
    "time": ("CURRENT_TIME", "pronounced"),
    "date_time": ("CURRENT_DATE_TIME", "pronounced"),
}


class Connection(Protocol):
    """The part of calldesk.esl.connection.SwitchConnection this adapter uses."""

    def execute(
        self, leg_uuid: str, app: str, arg: str = "", *, timeout: float | None = None
    ) -> Any: ...

    def api(
        self, command: str, *args: object, timeout: float | None = None, check: bool = True
    ) -> str: ...

    def hangup(self, leg_uuid: str, cause: str = "NORMAL_CLEARING") -> bool: ...

    def add_handler(self, handler: Any, *, inline: bool = False) -> None: ...


@dataclass
class VoiceSettings:
    prompts_dir: Path = Path("ivrflows/prompts")
    recordings_dir: Path = Path("var/recordings")
    tts_engine: str = "flite"
    tts_voice: str = "kal"
    # Dialplan context for extension transfers: the rendered one that rings agents' extensions
    # (calldesk.deskcalls picks the transferred caller up there).
    context: str = "calldesk_agents"
    agent_dial: str = "user/{agent}"  # an agent id not in `agent_contacts`
    agent_contacts: Mapping[str, str] = field(default_factory=dict)  # agent id -> contact
    external_dial: str = "sofia/gateway/default/{number}"
    # Trunks configured: external transfers dial out through OutboundDialer.dial (trunk by
    # pattern, failover, the global toll-fraud rules) and the caller is bridged to that leg.
    dial: Callable[..., Any] | None = None
    # Called as (interaction id, masked) around PCI collects, e.g. Recorder.pci.
    pci_hook: Callable[[str, bool], Any] | None = None


def _one_line(text: str) -> str:
    # Command builders refuse CR/LF; TTS text may span lines in YAML.
    return re.sub(r"\s+", " ", text).strip()


def _say_value(action: Say) -> str:
    """FreeSWITCH says dates and times from an epoch; flows may give ISO text."""
    if action.say_type in ("date", "time", "date_time") and not action.value.isdigit():
        try:
            return str(int(datetime.fromisoformat(action.value).timestamp()))
        except ValueError:
            pass
    return action.value


class VoicePort:
    medium = "voice"

    def __init__(
        self,
        conn: Connection,
        leg_uuid: str,
        settings: VoiceSettings,
        router: LegRouter | None = None,
    ) -> None:
        self.conn = conn
        self.leg = leg_uuid
        self.settings = settings
        self.router = router
        self.gone = False
        self.hangup_cause = ""
        self.dtmf: list[str] = []  # every DTMF event seen on the leg, in order
        self.marks: dict[str, int] = {}  # Application-UUID -> len(dtmf) at its completion
        self._cursor = 0  # dtmf[:cursor] has been given to a question (or dropped)
        self._held = ""  # digits seen but not yet used (typed past a terminator)
        self._terminators: str | None = None
        self._tts_state: tuple[str, str] | None = None
        self._seq = count(1)

    # --- plumbing --------------------------------------------------------------------------
    def _exec(self, app: str, arg: str = "") -> Any | None:
        """Run an app; None when the caller is gone. NotConnected propagates: the run stays
        saved at its step and resumes when the switch is back."""
        if self.gone:
            return None
        try:
            event = self.conn.execute(self.leg, app, arg)
        except NotConnected:
            raise
        except ESLError as exc:
            text = str(exc).lower()
            if self.gone or any(w in text for w in ("gone", "no such", "invalid session")):
                self.gone = True
                return None
            raise
        if self.gone or (
            event.get("Hangup-Cause") and event.name == "CHANNEL_EXECUTE_COMPLETE" and self.gone
        ):
            return None
        return event

    def _set(self, name: str, value: str) -> bool:
        return self._exec("set", f"{name}={value}") is not None

    def _playback_terminators(self, digits: str) -> bool:
        want = digits or "none"
        if self._terminators != want:
            if not self._set("playback_terminators", want):
                return False
            self._terminators = want
        return True

    def prompt_path(self, p: Prompt) -> str | None:
        if p.tone:
            return f"tone_stream://{p.tone}"
        if p.silence_ms is not None:  # 0 would be endless (mod_tone_stream): nothing to play
            return f"silence_stream://{p.silence_ms}" if p.silence_ms > 0 else None
        if p.file:
            if p.file.startswith(("/", "tone_stream://", "silence_stream://", "http")):
                return p.file
            base = self.settings.prompts_dir
            localized = base / p.language / p.file
            return str(localized if localized.exists() else base / p.file)
        if p.text:
            return "say:" + _one_line(p.text)
        return None

    def _tts(self, p: Prompt) -> bool:
        want = (self.settings.tts_engine, p.voice or self.settings.tts_voice)
        if self._tts_state != want:
            if not (self._set("tts_engine", want[0]) and self._set("tts_voice", want[1])):
                return False
            self._tts_state = want
        return True

    def _end_of(self, event: Any) -> int:
        """How many DTMF events had arrived when this app completed."""
        return self.marks.pop(event.get("Application-UUID") or "", len(self.dtmf))

    def _take(self, end: int | None = None) -> str:
        """Digits not yet given to any question, up to DTMF event `end`."""
        end = len(self.dtmf) if end is None else end
        digits = self._held + "".join(self.dtmf[self._cursor : end])
        self._cursor, self._held = max(end, self._cursor), ""
        return digits

    def _play(self, prompts: tuple[Prompt, ...], barge_in: bool) -> str | None:
        """Play in order; a digit stops the rest when barge-in is on. Returns the digits that
        barged in ('' if none), or None if the caller hung up."""
        if not self._playback_terminators(ALL_DIGITS if barge_in else ""):
            return None
        for p in prompts:
            path = self.prompt_path(p)
            if path is None:
                continue
            if path.startswith("say:") and not self._tts(p):
                return None
            early = self._take() if barge_in else ""
            if early:  # typed while parked, before this prompt: it never needs to play
                return early
            event = self._exec("playback", path)
            if event is None:
                return None
            typed = self._take(self._end_of(event))
            if barge_in and typed:
                return typed
        if not barge_in:
            self._take()  # digits during a prompt without barge-in are dropped
        return ""

    # --- MediaPort ---------------------------------------------------------------------------
    def play(self, action: Play) -> PromptDone | CallerGone:
        typed = self._play(action.prompts, action.barge_in)
        return CallerGone(self.hangup_cause) if typed is None else PromptDone(typed)

    def collect(
        self, action: CollectDigits, typed: str = ""
    ) -> DigitsReceived | NoInput | CallerGone:
        if not action.pci:
            return self._collect(action, typed)
        # PCI: recordings are masked (the recorder's hook) and the leg is flagged meanwhile.
        hook = self.settings.pci_hook
        if hook is not None:
            hook(self.leg, True)
        try:
            if not self._set("calldesk_pci", "true"):
                return CallerGone(self.hangup_cause)
            return self._collect(action, typed)
        finally:
            if not self.gone:
                self._set("calldesk_pci", "false")
            if hook is not None:
                hook(self.leg, False)

    def _collect(self, action: CollectDigits, typed: str) -> DigitsReceived | NoInput | CallerGone:
        if not typed:
            barged = self._play(action.prompts, barge_in=True)
            if barged is None:
                return CallerGone(self.hangup_cause)
            typed = barged
        keys = typed + self._take()
        done = self._complete(action, keys)
        if done is not None:
            return done
        var = f"calldesk_digits_{next(self._seq)}"
        need_min = max(action.min_digits - len(keys), 1 if not keys else 0)
        need_max = max(action.max_digits - len(keys), 1)
        first_ms = int((action.inter_digit_timeout if keys else action.timeout) * 1000)
        digit_ms = int(action.inter_digit_timeout * 1000)
        terms = action.terminators or "none"
        # The invalid-input file is played after every failed try, no-input included
        # (switch_play_and_get_digits), and `silence_stream://0` is endless silence
        # (mod_tone_stream: ms <= 0 means forever): 1 ms ends at once.
        arg = f"{need_min} {need_max} 1 {first_ms} {terms} {PROMPT_SILENCE} {NO_INVALID_PROMPT} {var} [0-9*#]* {digit_ms}"
        event = self._exec("play_and_get_digits", arg)
        if event is None:
            return CallerGone(self.hangup_cause)
        # The DTMF events are the truth: they include digits park dropped just before the app
        # started, which play_and_get_digits's own result never saw.
        keys += self._take(self._end_of(event))
        log.debug("%s: collect got %r (%s)", self.leg, keys, event.get("variable_read_result"))
        done = self._complete(action, keys)
        if done is not None:
            return done
        return DigitsReceived(keys) if keys else NoInput()

    def _complete(self, action: CollectDigits, keys: str) -> DigitsReceived | None:
        """The answer if `keys` already holds one (terminator or max length); extra digits are
        held for the next question."""
        for i, ch in enumerate(keys):
            if ch in action.terminators:
                self._held = keys[i + 1 :]
                return DigitsReceived(keys[:i], ch)
        if len(keys) >= action.max_digits:
            self._held = keys[action.max_digits :]
            return DigitsReceived(keys[: action.max_digits])
        return None

    def say(self, action: Say) -> PromptDone | CallerGone:
        kind, method = SAY_TYPES[action.say_type]
        value = _one_line(_say_value(action))
        if not value:
            return PromptDone()
        done = self._exec("say", f"{action.language} {kind} {method} {value}")
        return CallerGone(self.hangup_cause) if done is None else PromptDone()

    def record(self, action: Record) -> RecordingDone | NoInput | CallerGone:
        if action.prompts and self._play(action.prompts, barge_in=False) is None:
            return CallerGone(self.hangup_cause)
        if self._exec("playback", "tone_stream://%(400,0,800)") is None:
            return CallerGone(self.hangup_cause)
        if not self._playback_terminators(action.terminators):
            return CallerGone(self.hangup_cause)
        path = self.settings.recordings_dir / "ivr" / f"{self.leg}-{next(self._seq)}.wav"
        event = self._exec("record", f"{path} {action.max_seconds} 200 {action.silence_seconds}")
        self._take()  # the terminator that ended the recording is not type-ahead
        if event is None:
            # A hang-up ends the recording; the message is still worth keeping.
            return (
                RecordingDone(str(path)) if Path(path).exists() else CallerGone(self.hangup_cause)
            )
        seconds = float(event.get("variable_record_seconds") or 0)
        return RecordingDone(str(path), seconds) if seconds or Path(path).exists() else NoInput()

    def transfer(self, action: Transfer) -> Done | CallerGone:
        if self.gone:
            return CallerGone(self.hangup_cause)
        s = self.settings
        if action.target_type == "extension":
            args: tuple[str, ...] = (action.destination, "XML", s.context)
        elif action.target_type == "agent":
            contact = s.agent_contacts.get(action.destination) or s.agent_dial.format(
                agent=action.destination
            )
            args = ("bridge:" + contact, "inline")
        elif s.dial is not None:
            return self._transfer_out(action.destination, s.dial)
        else:
            args = ("bridge:" + s.external_dial.format(number=action.destination), "inline")
        text = self.conn.api("uuid_transfer", self.leg, *args, check=False)
        if not text.startswith("+OK"):
            log.warning(
                "transfer of %s to %s refused: %s", self.leg, action.destination, text.strip()
            )
            self.gone = self.gone or "No such channel" in text
            return CallerGone(self.hangup_cause) if self.gone else Done()
        return Done()

    def _transfer_out(self, number: str, dial: Callable[..., Any]) -> Done | CallerGone:
        """Dial `number` through a trunk, then bridge the caller to it. A refusal or a failed
        dial hangs the caller up with the cause (CALL_REJECTED for a refused destination)."""
        variables = {"calldesk_role": "transfer", "calldesk_interaction": self.leg}
        try:
            got = dial(number, variables, switch=getattr(self.conn, "name", None), subject=self.leg)
        except CalldeskError as exc:
            log.warning("transfer of %s to %s: %s", self.leg, number, exc)
            cause = getattr(exc, "cause", "") or "NORMAL_TEMPORARY_FAILURE"
            self.hangup(Hangup(cause))
            return CallerGone(cause)
        text = self.conn.api("uuid_bridge", self.leg, got.uuid, check=False)
        if not text.startswith("+OK"):  # the caller left while the far end answered
            log.info("transfer of %s to %s not bridged: %s", self.leg, number, text.strip())
            self.conn.hangup(got.uuid, "NORMAL_CLEARING")
            self.gone = True
            return CallerGone(self.hangup_cause or "NORMAL_CLEARING")
        return Done()

    def hangup(self, action: Hangup) -> None:
        if not self.gone:
            self.conn.hangup(self.leg, action.cause)
        self.gone = True
        if self.router is not None:
            self.router.release(self.leg)
