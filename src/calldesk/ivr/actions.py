"""What steps ask for (actions) and what they get back (results). Plain data, no IO."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Prompt:
    """One rendered prompt: a file, TTS text, a tone stream or silence (ms)."""

    file: str | None = None
    text: str | None = None
    tone: str | None = None
    silence_ms: int | None = None
    language: str = "en"
    voice: str | None = None


# --- actions: media -------------------------------------------------------------------------
@dataclass(frozen=True)
class Play:
    prompts: tuple[Prompt, ...]
    barge_in: bool = True


@dataclass(frozen=True)
class CollectDigits:
    prompts: tuple[Prompt, ...]
    min_digits: int = 1
    max_digits: int = 1
    terminators: str = ""
    timeout: float = 5.0
    inter_digit_timeout: float = 3.0
    pci: bool = False  # a recording subsystem must mask audio while this runs
    # Text media: (word, digit) pairs, so a reply naming a menu option picks it ("sales" -> "1").
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Say:
    value: str
    say_type: str  # number, digits, currency, date, time, date_time
    language: str = "en"


@dataclass(frozen=True)
class Record:
    prompts: tuple[Prompt, ...]
    max_seconds: int = 120
    silence_seconds: int = 5
    terminators: str = "#"
    purpose: str = "voicemail"


# --- actions: data --------------------------------------------------------------------------
@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    params: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    timeout: float = 3.0
    fire_and_forget: bool = False


@dataclass(frozen=True)
class ContextRead:
    key: str


@dataclass(frozen=True)
class ContextWrite:
    key: str
    values: dict[str, Any]


# --- actions: control (end the step) --------------------------------------------------------
@dataclass(frozen=True)
class Goto:
    step: str


@dataclass(frozen=True)
class EnterSubflow:
    flow: str
    return_to: str


@dataclass(frozen=True)
class Return:
    pass


@dataclass(frozen=True)
class Enqueue:
    """Hand the interaction to the ACD. `data` holds every flow variable plus the step's extras."""

    queue: str
    priority: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    timeout: float | None = None
    callback_number: str | None = None


@dataclass(frozen=True)
class Transfer:
    target_type: str  # extension, agent, external
    destination: str


@dataclass(frozen=True)
class Hangup:
    cause: str = "NORMAL_CLEARING"


# --- results --------------------------------------------------------------------------------
@dataclass(frozen=True)
class PromptDone:
    digits: str = ""  # digits typed during the prompt (barge-in), kept as type-ahead


@dataclass(frozen=True)
class DigitsReceived:
    digits: str
    terminator: str = ""


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class HttpResult:
    status: int | None
    data: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class RecordingDone:
    path: str
    seconds: float = 0.0
    text: str | None = None  # text media: the message itself


@dataclass(frozen=True)
class ContextData:
    data: dict[str, Any]


@dataclass(frozen=True)
class Done:
    """A generic acknowledgement (context written, webhook fired)."""


@dataclass(frozen=True)
class CallerGone:
    """The caller hung up (or the text conversation closed)."""

    cause: str = "NORMAL_CLEARING"


MediaAction = Play | CollectDigits | Say | Record
EffectAction = HttpRequest | ContextRead | ContextWrite
ControlAction = Goto | EnterSubflow | Return | Enqueue | Transfer | Hangup
Action = MediaAction | EffectAction | ControlAction
Result = (
    PromptDone
    | DigitsReceived
    | NoInput
    | HttpResult
    | RecordingDone
    | ContextData
    | Done
    | CallerGone
)
