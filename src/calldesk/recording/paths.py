"""Recording file paths from a sandboxed jinja2 template with date partitions. Pure: time passed in.

    {{ date:%Y/%m/%d }}/{{ interaction }}-{{ leg }}.wav

`{{ date:FMT }}` is shorthand for `{{ date("FMT") }}` (strftime on the recording's start time, UTC).
Variables: interaction, leg, agent, queue, campaign. Each value is reduced to a safe file-name
token; the rendered path must be relative, without `..`, and stays under the recordings folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import PurePosixPath

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from calldesk.errors import CalldeskError

DEFAULT_TEMPLATE = "{{ date:%Y/%m/%d }}/{{ interaction }}-{{ leg }}.wav"
_SHORT_DATE = re.compile(r"\{\{\s*date:([^}]*?)\s*\}\}")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+@=-]")


class PathRefused(CalldeskError):
    """The template or its result would leave the recordings folder, or is not a usable path."""


def safe_token(value: object) -> str:
    """A value usable inside one path component: no separators, no dot-dot, one line."""
    text = _UNSAFE.sub("_", str(value if value is not None else ""))
    text = re.sub(r"\.{2,}", ".", text).strip(".") or "_"
    return text[:120]


class PathTemplate:
    def __init__(self, source: str = DEFAULT_TEMPLATE) -> None:
        if "\n" in source or "\r" in source:
            raise PathRefused("the recording path template must be one line")
        self.source = source
        env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        try:
            self._tpl = env.from_string(_SHORT_DATE.sub(r'{{ date("\1") }}', source))
        except TemplateError as exc:
            raise PathRefused(f"bad recording path template {source!r}: {exc}") from exc

    def render(self, *, at: float, interaction: str, leg: str, **extra: object) -> str:
        """The relative path for a recording started at `at` (epoch seconds)."""
        when = datetime.fromtimestamp(at, tz=UTC)

        def date(fmt: str = "%Y/%m/%d") -> str:
            parts = [safe_token(p) for p in when.strftime(fmt).split("/")]
            return "/".join(parts)

        values: dict[str, object] = {k: safe_token(v) for k, v in extra.items()}
        values.update(interaction=safe_token(interaction), leg=safe_token(leg))
        date_fn: Callable[..., str] = date
        try:
            text = self._tpl.render(date=date_fn, **values)
        except TemplateError as exc:
            raise PathRefused(f"recording path template {self.source!r}: {exc}") from exc
        return check_relative(text)


def check_relative(text: str) -> str:
    """Refuse absolute paths, `..`, empty components and control characters."""
    if not text or any(c in text for c in "\r\n\x00\\"):
        raise PathRefused(f"recording path {text!r} is empty or has forbidden characters")
    p = PurePosixPath(text)
    if p.is_absolute():
        raise PathRefused(f"recording path {text!r} is absolute; it must stay under the folder")
    if any(part in ("..", ".", "") for part in text.split("/")):
        raise PathRefused(f"recording path {text!r} escapes or has empty components")
    if not text.endswith(".wav"):
        raise PathRefused(f"recording path {text!r} must end in .wav")
    return text
