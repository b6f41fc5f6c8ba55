"""Canned responses: templates per queue and language, searchable, rendered with jinja2 in a
sandbox (`{{ customer.name }}`, `{{ interaction.data.account }}`). A template that breaks the
sandbox or fails is refused with its id and the reason, never half-rendered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from calldesk.errors import CalldeskError, ConfigError


class CannedError(CalldeskError):
    pass


@dataclass(frozen=True)
class Canned:
    id: str
    title: str
    text: str
    queue: str = ""  # "" = every queue
    language: str = ""  # "" = every language


_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


class CannedResponses:
    def __init__(self, items: Iterable[Canned]) -> None:
        self.items = {c.id: c for c in items}
        for c in self.items.values():
            try:
                _ENV.parse(c.text)
            except TemplateError as exc:
                raise ConfigError(f"digital.canned.{c.id}.text", str(exc)) from None

    @classmethod
    def load(cls, data: Any, path: str = "digital.canned") -> CannedResponses:
        if not isinstance(data, list):
            raise ConfigError(path, "a list of {id, title, text, queue?, language?}")
        items = []
        for i, d in enumerate(data):
            if not isinstance(d, Mapping) or not all(
                isinstance(d.get(k), str) and d.get(k) for k in ("id", "title", "text")
            ):
                raise ConfigError(f"{path}[{i}]", "needs id, title and text (strings)")
            extra = set(d) - {"id", "title", "text", "queue", "language"}
            if extra:
                raise ConfigError(f"{path}[{i}].{sorted(extra)[0]}", "unknown key")
            items.append(
                Canned(
                    d["id"],
                    d["title"],
                    d["text"],
                    str(d.get("queue") or ""),
                    str(d.get("language") or ""),
                )
            )
        return cls(items)

    def search(self, query: str = "", queue: str = "", language: str = "") -> list[Canned]:
        """Those for the queue and language (or for all), whose title or text has every word."""
        words = query.casefold().split()
        out = []
        for c in self.items.values():
            if (c.queue and queue and c.queue != queue) or (
                c.language and language and c.language != language
            ):
                continue
            hay = f"{c.title} {c.text}".casefold()
            if all(w in hay for w in words):
                out.append(c)
        return sorted(out, key=lambda c: (c.queue == "", c.title))

    def render(self, canned_id: str, scope: Mapping[str, Any]) -> str:
        c = self.items.get(canned_id)
        if c is None:
            raise CannedError(f"no canned response {canned_id!r}")
        try:
            return _ENV.from_string(c.text).render(dict(scope))
        except TemplateError as exc:  # SecurityError and UndefinedError are TemplateErrors
            raise CannedError(f"canned response {canned_id!r}: {exc}") from None


def scope_of(view: Mapping[str, Any], agent: str) -> dict[str, Any]:
    """The variables a template sees, from the desk's hand-off view."""
    return {
        "customer": dict(view.get("customer") or {}),
        "interaction": {
            "id": view.get("interaction"),
            "medium": view.get("medium"),
            "queue": view.get("queue"),
            "data": dict(view.get("collected") or {}),
        },
        "agent": {"id": agent},
    }
