"""Routing by customer context: per-queue rules the core applies when an interaction arrives.

The context is what the flow (a `context` read of `customer:…`) or the medium learned about the
customer, handed over in `InteractionArrived.context`:
`{"customer": id, "fields": {...}, "last_agent": "a1", "language": "es"}`. Each rule that fires
leaves a note, and the notes travel in the ACD's "why this agent" trace (`Why.context`).

```yaml
queues:
  - name: support
    context:
      sticky_s: 20                     # the last agent first, if logged in, for up to 20 s
      priority:                        # added to the queue's priority, every match counts
        - {field: tier, equals: gold, add: 5}
        - {field: open_complaint, add: 10}       # no `equals`: any true value
      languages: {es: spanish, fr: french}       # language spoken last time -> skill required
```
A language skill is widened like any other skill, by an overflow `widen_skills` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calldesk.errors import ConfigError


@dataclass(frozen=True)
class PriorityRule:
    field: str
    add: int
    equals: Any = None  # None: any true value of the field

    def matches(self, fields: Mapping[str, Any]) -> bool:
        value = fields.get(self.field)
        if self.equals is None:
            return bool(value) and value not in ("false", "no", "0")
        return value == self.equals or str(value) == str(self.equals)


@dataclass(frozen=True)
class ContextRules:
    sticky_s: float = 0.0
    priority: tuple[PriorityRule, ...] = ()
    languages: Mapping[str, str] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return bool(self.sticky_s or self.priority or self.languages)


@dataclass(frozen=True)
class Applied:
    """What the rules decided for one arrival."""

    priority_add: int = 0
    skills: Mapping[str, int] = field(default_factory=dict)
    sticky_agent: str | None = None
    notes: tuple[str, ...] = ()


def apply(
    rules: ContextRules,
    context: Mapping[str, Any],
    last_agent: str | None,
    agent_free: Mapping[str, bool],
) -> Applied:
    """`last_agent`: who served this customer last (the context's, else the core's memory);
    `agent_free`: agent id -> logged in (True) for the queue's members. Pure."""
    notes: list[str] = []
    fields = context.get("fields") or {}
    add = 0
    for r in rules.priority:
        if isinstance(fields, Mapping) and r.matches(fields):
            add += r.add
            notes.append(f"priority {r.add:+d}: {r.field}={fields.get(r.field)!r}")
    skills: dict[str, int] = {}
    lang = str(context.get("language") or "")
    if lang and lang in rules.languages:
        skills[rules.languages[lang]] = 1
        notes.append(f"language {lang}: skill {rules.languages[lang]} required")
    elif lang and rules.languages:
        notes.append(f"language {lang}: no skill configured, any agent")
    sticky = None
    if rules.sticky_s > 0:
        if not last_agent:
            notes.append("sticky: no earlier agent for this customer")
        elif last_agent not in agent_free:
            notes.append(f"sticky: {last_agent} is not a member of this queue, widened")
        elif not agent_free[last_agent]:
            notes.append(f"sticky: {last_agent} is not logged in, widened")
        else:
            sticky = last_agent
            notes.append(
                f"sticky: {last_agent} served this customer last, held {rules.sticky_s:g} s"
            )
    return Applied(add, skills, sticky, tuple(notes))


def _rule(v: Any, path: str) -> PriorityRule:
    if not isinstance(v, Mapping):
        raise ConfigError(path, f"expected a mapping {{field, add, equals?}}, got {v!r}")
    for k in v:
        if k not in ("field", "add", "equals"):
            raise ConfigError(f"{path}.{k}", "unknown key (allowed: add, equals, field)")
    name = v.get("field")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{path}.field", f"expected a customer field name, got {name!r}")
    add = v.get("add")
    if not isinstance(add, int) or isinstance(add, bool):
        raise ConfigError(f"{path}.add", f"expected an integer, got {add!r}")
    return PriorityRule(field=name, add=add, equals=v.get("equals"))


def parse(v: Any, path: str, known_skills: set[str]) -> ContextRules:
    """The queue's `context:` mapping; every refusal is `ConfigError(key path, reason)`."""
    if not isinstance(v, Mapping):
        raise ConfigError(path, f"expected a mapping, got {type(v).__name__}")
    for k in v:
        if k not in ("sticky_s", "priority", "languages"):
            raise ConfigError(f"{path}.{k}", "unknown key (allowed: languages, priority, sticky_s)")
    sticky = v.get("sticky_s", 0)
    if not isinstance(sticky, int | float) or isinstance(sticky, bool) or sticky < 0:
        raise ConfigError(f"{path}.sticky_s", f"expected seconds >= 0, got {sticky!r}")
    raw = v.get("priority", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{path}.priority", f"expected a list, got {type(raw).__name__}")
    langs = v.get("languages", {})
    if not isinstance(langs, Mapping):
        raise ConfigError(f"{path}.languages", "expected a mapping language -> skill")
    for lang, skill in langs.items():
        if skill not in known_skills:
            raise ConfigError(f"{path}.languages.{lang}", f"unknown skill {skill!r}")
    return ContextRules(
        sticky_s=float(sticky),
        priority=tuple(_rule(r, f"{path}.priority[{i}]") for i, r in enumerate(raw)),
        languages={str(k): str(s) for k, s in langs.items()},
    )
