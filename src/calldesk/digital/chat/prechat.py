"""`digital.chat.prechat`: what the widget asks a visitor before their first message, and the
check of what they gave (pure).

```yaml
digital:
  chat:
    prechat: {name: required, email: optional}   # each: required | optional | off (default)
```

The name becomes the conversation's customer name (the agent's offer, hand-off and screen pop
show it); an email is kept as an unverified identity of the customer (`identity_email` for the
flow and for customer resolution) and shown in what the flow collected (`email`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.errors import ConfigError

MODES = ("required", "optional", "off")
FIELDS = ("name", "email")
NAME_MAX = 80
EMAIL = re.compile(r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


class BadProfile(ValueError):
    def __init__(self, field: str, detail: str) -> None:
        super().__init__(detail)
        self.field = field


@dataclass(frozen=True)
class Prechat:
    name: str = "off"
    email: str = "off"

    @classmethod
    def load(cls, data: Any, path: str) -> Prechat:
        if not isinstance(data, Mapping):
            raise ConfigError(path, "must be a mapping {name, email}, each required|optional|off")
        for k, v in data.items():
            if k not in FIELDS:
                raise ConfigError(f"{path}.{k}", f"unknown key (known: {', '.join(FIELDS)})")
            if v not in MODES:
                raise ConfigError(f"{path}.{k}", f"must be one of {', '.join(MODES)}, got {v!r}")
        return cls(**{k: str(v) for k, v in data.items()})

    @property
    def asks(self) -> bool:
        return self.name != "off" or self.email != "off"

    def public(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email}

    def check(self, name: object, email: object) -> tuple[str, str]:
        """(name, email) as kept, for a visitor's first message; what is off is dropped, what
        is required must be there, an email must look like one. Raises BadProfile."""
        clean_name = _name(name) if self.name != "off" else ""
        clean_email = _email(email) if self.email != "off" else ""
        if self.name == "required" and not clean_name:
            raise BadProfile("name", "your name is required")
        if self.email == "required" and not clean_email:
            raise BadProfile("email", "your email address is required")
        return clean_name, clean_email


def _name(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadProfile("name", "the name must be text")
    kept = "".join(c for c in value if unicodedata.category(c)[0] != "C")
    kept = " ".join(kept.split())
    if len(kept) > NAME_MAX:
        raise BadProfile("name", f"at most {NAME_MAX} characters")
    return kept


def _email(value: object) -> str:
    if value is None or value == "":
        return ""
    if not isinstance(value, str) or len(value) > 254 or not EMAIL.fullmatch(value.strip()):
        raise BadProfile("email", "that does not look like an email address")
    return value.strip().lower()
