"""Proactive chat invitations, pure: page rules in, "invite or not" out.

```yaml
digital:
  chat:
    invitations:
      - {name: pricing, pages: ["/pricing*", "/plans/*"], after_s: 20, queue: sales,
         max_wait_s: 60, text: "Questions about our plans? We are here."}
```

A rule matches a page whose URL path fits one of its `pages` globs (`*` any run of characters,
`?` one); it invites once the visitor has been `after_s` seconds on the page, if at least
`min_agents` (1) agents could take a chat of its queue now and the queue's predicted wait is at
most `max_wait_s`. The first rule that invites wins. The visitor's widget learns only yes or no,
the rule's text, and when it may ask again: never a count of agents nor a wait.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from calldesk.errors import ConfigError

RULE_KEYS = {"name", "pages", "after_s", "queue", "max_wait_s", "min_agents", "text"}
RECHECK_S = 30.0  # conditions not met now: the widget may ask again after this long


@dataclass(frozen=True)
class Rule:
    name: str
    pages: tuple[str, ...]
    after_s: float
    queue: str
    max_wait_s: float
    text: str
    min_agents: int = 1

    def matches(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, p) for p in self.pages)


@dataclass(frozen=True)
class Outlook:
    """What the ACD says of a queue now: agents free for a chat, predicted wait (seconds)."""

    agents: int
    predicted_wait_s: float


@dataclass(frozen=True)
class Decision:
    invite: bool
    text: str = ""
    rule: str = ""  # for the log, never sent to the widget
    again_s: float | None = None  # when asking again could change the answer; None = never

    def public(self) -> dict[str, Any]:
        if self.invite:
            return {"invite": True, "text": self.text}
        return {"invite": False, "again_s": self.again_s}


def page_path(url: str) -> str:
    """The path of a page URL ("/" when it has none); a bare path is taken as is."""
    path = urlsplit(url).path
    return path or "/"


def decide(
    rules: Sequence[Rule],
    url: str,
    seconds_on_page: float,
    outlook: Callable[[str], Outlook] | Mapping[str, Outlook],
    recheck_s: float = RECHECK_S,
) -> Decision:
    """Invite or not, for a visitor `seconds_on_page` on `url`. `outlook(queue)` (or a mapping)
    gives each queue's availability and predicted wait; it is asked only for rules whose page
    and time match."""
    look = outlook.get if isinstance(outlook, Mapping) else outlook
    path = page_path(url)
    again: float | None = None
    for rule in rules:
        if not rule.matches(path):
            continue
        if seconds_on_page < rule.after_s:
            wait = rule.after_s - seconds_on_page
            again = wait if again is None else min(again, wait)
            continue
        seen = look(rule.queue)
        if seen is not None and seen.agents >= rule.min_agents:
            if seen.predicted_wait_s <= rule.max_wait_s:
                return Decision(True, rule.text, rule.name)
        again = recheck_s if again is None else min(again, recheck_s)
    return Decision(False, again_s=again)


def load_rules(data: Any, path: str = "digital.chat.invitations") -> tuple[Rule, ...]:
    """The rules, checked; each refusal names its key."""
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ConfigError(path, "a list of rules {name, pages, after_s, queue, max_wait_s, text}")
    rules, names = [], set()
    for i, d in enumerate(data):
        at = f"{path}[{i}]"
        if not isinstance(d, Mapping):
            raise ConfigError(at, "must be a mapping")
        for k in d:
            if k not in RULE_KEYS:
                raise ConfigError(
                    f"{at}.{k}", f"unknown key (known: {', '.join(sorted(RULE_KEYS))})"
                )
        for k in ("name", "queue", "text"):
            if not isinstance(d.get(k), str) or not d[k].strip():
                raise ConfigError(f"{at}.{k}", "is required (a non-empty text)")
        if d["name"] in names:
            raise ConfigError(f"{at}.name", f"duplicate rule name {d['name']!r}")
        names.add(d["name"])
        pages = d.get("pages")
        if isinstance(pages, str):
            pages = [pages]
        if not pages or not all(isinstance(p, str) and p.startswith("/") for p in pages):
            raise ConfigError(f"{at}.pages", 'URL path globs starting with "/", like "/pricing*"')
        nums: dict[str, float] = {}
        for k, default in (("after_s", None), ("max_wait_s", None), ("min_agents", 1)):
            v = d.get(k, default)
            if v is None:
                raise ConfigError(f"{at}.{k}", "is required (a number >= 0)")
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                raise ConfigError(f"{at}.{k}", f"must be a number >= 0, got {v!r}")
            nums[k] = float(v)
        if nums["min_agents"] < 1 or nums["min_agents"] != int(nums["min_agents"]):
            raise ConfigError(f"{at}.min_agents", "must be a whole number >= 1")
        rules.append(
            Rule(
                d["name"],
                tuple(pages),
                nums["after_s"],
                d["queue"],
                nums["max_wait_s"],
                d["text"].strip(),
                int(nums["min_agents"]),
            )
        )
    return tuple(rules)
