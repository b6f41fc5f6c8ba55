"""The flow model: a named, versioned graph of steps with an entry and bindings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from calldesk.ivr.errors import Mark

if TYPE_CHECKING:
    from calldesk.ivr.steps.base import StepKind

NUMBER = re.compile(r"^\+?[0-9]{2,20}$")


def number_allowed(number: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """An external number is allowed only if it is a plain number matching a glob in the list."""
    if not NUMBER.match(number):
        return False
    return any(fnmatchcase(number, p) for p in patterns)


@dataclass(frozen=True)
class Bindings:
    """What starts the flow: dialled numbers (DIDs) and digital entry points (chat widget, SMS)."""

    numbers: tuple[str, ...] = ()
    entry_points: tuple[str, ...] = ()


@dataclass
class Step:
    name: str
    kind: str
    impl: StepKind
    mark: Mark
    raw: Any  # the MarkedDict it came from, to point errors at fields

    def mark_at(self, path: tuple[Any, ...]) -> Mark:
        """Mark of a nested field, e.g. ("options", "1"); the nearest known node otherwise."""
        node: Any = self.raw
        mark = self.mark
        for key in path:
            try:
                if hasattr(node, "mark_of"):
                    if isinstance(node, dict):
                        match = next((k for k in node if str(k) == str(key)), key)
                        marked: Any = node  # a mapping that knows where each key was
                        mark, node = marked.mark_of(match), node[match]
                    else:
                        mark, node = node.mark_of(key), node[key]
                else:
                    break
            except (KeyError, IndexError, TypeError):
                break
        return mark


@dataclass
class Flow:
    name: str
    version: str
    entry: str
    steps: dict[str, Step]
    file: str
    source: str
    mark: Mark
    bindings: Bindings = field(default_factory=Bindings)
    allow_transfer: tuple[str, ...] = ()
    description: str = ""
    entry_mark: Mark | None = None
    broken: set[str] = field(default_factory=set)  # steps that failed the schema pass
    broken_raw: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str) -> Step:
        return self.steps[name]
