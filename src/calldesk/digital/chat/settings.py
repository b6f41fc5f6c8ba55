"""`digital.chat` in calldesk.yaml: the public endpoint's origins and limits, the visitors'
attachments, and the proactive invitation rules. Every refusal names its key path.

```yaml
digital:
  chat:
    allowed_origins: ["https://shop.example"]
    attachments: {dir: var/attachments, max_bytes: 5242880, per_minute: 6,
                  types: [image/png, image/jpeg, image/gif, application/pdf, text/plain]}
    invitations: [...]            # see calldesk.digital.chat.invite
    prechat: {name: required, email: optional}   # see calldesk.digital.chat.prechat
```"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calldesk.digital.attachments import ALLOWED, AttachmentStore
from calldesk.digital.chat.invite import Rule, load_rules
from calldesk.digital.chat.prechat import Prechat
from calldesk.errors import ConfigError

NUMBERS = {
    "max_message_chars",
    "messages_per_minute",
    "sessions_per_minute",
    "sockets_per_visitor",
    "token_ttl_s",
    "invitations_per_minute",
}
KEYS = NUMBERS | {"allowed_origins", "attachments", "invitations", "prechat"}
ATTACHMENT_KEYS = {"dir", "max_bytes", "types", "per_minute"}


@dataclass(frozen=True)
class AttachmentLimits:
    """What a visitor may upload: at most `max_bytes`, of these types (checked by content),
    `per_minute` uploads; kept under `dir`, served to agents only."""

    dir: str = "var/attachments"
    max_bytes: int = 5 * 1024 * 1024
    types: frozenset[str] = ALLOWED
    per_minute: int = 6

    def store(self, base: Path | None = None) -> AttachmentStore:
        root = Path(self.dir)
        if base is not None and not root.is_absolute():
            root = base / root
        return AttachmentStore(root, self.max_bytes, self.types)

    @classmethod
    def load(cls, data: Any, path: str) -> AttachmentLimits:
        if not isinstance(data, Mapping):
            raise ConfigError(path, "must be a mapping {dir, max_bytes, types, per_minute}")
        for k in data:
            if k not in ATTACHMENT_KEYS:
                raise ConfigError(
                    f"{path}.{k}", f"unknown key (known: {', '.join(sorted(ATTACHMENT_KEYS))})"
                )
        kw: dict[str, Any] = {}
        if "dir" in data:
            if not isinstance(data["dir"], str) or not data["dir"].strip():
                raise ConfigError(f"{path}.dir", "must be a directory path")
            kw["dir"] = data["dir"]
        for k in ("max_bytes", "per_minute"):
            if k in data:
                v = data[k]
                if isinstance(v, bool) or not isinstance(v, int) or v <= 0:
                    raise ConfigError(f"{path}.{k}", f"must be a whole number > 0, got {v!r}")
                kw[k] = v
        if "types" in data:
            types = data["types"]
            if not isinstance(types, list) or not types:
                raise ConfigError(f"{path}.types", "a non-empty list of content types")
            unknown = [t for t in types if t not in ALLOWED]
            if unknown:
                raise ConfigError(
                    f"{path}.types",
                    f"{unknown[0]!r} cannot be checked by content (known: {', '.join(sorted(ALLOWED))})",
                )
            kw["types"] = frozenset(types)
        return cls(**kw)


@dataclass(frozen=True)
class ChatSettings:
    allowed_origins: tuple[str, ...] = ()  # sites that may embed the widget
    max_message_chars: int = 2000
    messages_per_minute: int = 30  # per visitor
    sessions_per_minute: int = 10  # new visitors per client address
    sockets_per_visitor: int = 3
    token_ttl_s: float = 30 * 86400
    invitations_per_minute: int = 12  # invitation checks per client address
    attachments: AttachmentLimits = AttachmentLimits()
    invitations: tuple[Rule, ...] = field(default_factory=tuple)
    prechat: Prechat = Prechat()  # what the widget asks before the first message

    @classmethod
    def load(cls, data: Mapping[str, Any] | None, path: str = "digital.chat") -> ChatSettings:
        d = dict(data or {})
        for k in d:
            if k not in KEYS:
                raise ConfigError(f"{path}.{k}", f"unknown key (known: {', '.join(sorted(KEYS))})")
        origins = d.get("allowed_origins", [])
        if not isinstance(origins, list) or not all(
            isinstance(o, str) and o.startswith(("https://", "http://")) for o in origins
        ):
            raise ConfigError(
                f"{path}.allowed_origins", "a list of origins like https://shop.example"
            )
        kw: dict[str, Any] = {"allowed_origins": tuple(o.rstrip("/") for o in origins)}
        for k in NUMBERS:
            if k in d:
                v = d[k]
                if isinstance(v, bool) or not isinstance(v, int | float) or v <= 0:
                    raise ConfigError(f"{path}.{k}", f"must be a number > 0, got {v!r}")
                kw[k] = v
        if "attachments" in d:
            kw["attachments"] = AttachmentLimits.load(d["attachments"], f"{path}.attachments")
        kw["invitations"] = load_rules(d.get("invitations"), f"{path}.invitations")
        if "prechat" in d:
            kw["prechat"] = Prechat.load(d["prechat"], f"{path}.prechat")
        return cls(**kw)
