"""Attachments: checked for size and type (by content, not only by name) and stored by calldesk
under their SHA-256, to be served to agents only."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from calldesk.digital.model import Attachment

ALLOWED = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "text/plain"})
MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF8": "image/gif",
    b"%PDF-": "application/pdf",
}


class Refused(ValueError):
    pass


def sniff(data: bytes, declared: str) -> str:
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    if declared == "text/plain":
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    return "application/octet-stream"


@dataclass(frozen=True)
class AttachmentStore:
    root: Path
    max_bytes: int = 10 * 1024 * 1024
    allowed: frozenset[str] = ALLOWED

    def keep(self, name: str, declared: str, data: bytes) -> Attachment:
        """Store one attachment, or raise Refused saying why."""
        if len(data) > self.max_bytes:
            raise Refused(f"{name}: {len(data)} bytes, more than {self.max_bytes}")
        kind = sniff(data, declared)
        if kind not in self.allowed:
            raise Refused(f"{name}: type {kind} (declared {declared}) is not allowed")
        digest = hashlib.sha256(data).hexdigest()
        path = self.root / digest[:2] / digest
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(path)
        safe = "".join(ch for ch in name if ch.isprintable() and ch not in "/\\")[:120] or "file"
        return Attachment(safe, kind, len(data), str(path))
