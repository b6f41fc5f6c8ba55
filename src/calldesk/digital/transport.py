"""How messages leave calldesk for the customer: one Transport per medium, and the in-process
one (tests, `flows test`, the demo), whose customer side reads what was sent."""

from __future__ import annotations

from typing import Protocol

import gevent.event

from calldesk.digital.model import Conversation, Message


class Transport(Protocol):
    def send(self, conv: Conversation, msg: Message) -> str:
        """Hand one outbound message to the medium; returns the medium's id for it (receipts
        name it). Raises on a refusal: the message is then marked failed."""
        ...


class InProcessTransport:
    """Keeps what was sent per conversation; `wait(iid, n)` blocks until n messages went out."""

    def __init__(self) -> None:
        self.sent: dict[str, list[Message]] = {}
        self._changed = gevent.event.Event()

    def send(self, conv: Conversation, msg: Message) -> str:
        self.sent.setdefault(conv.id, []).append(msg)
        self._changed.set()
        return f"local-{msg.id}"

    def texts(self, iid: str) -> list[str]:
        return [m.text for m in self.sent.get(iid, [])]

    def wait(self, iid: str, count: int, timeout: float = 5.0) -> list[Message]:
        """The first `count` messages sent to `iid`; raises TimeoutError if they do not come."""
        with gevent.Timeout(timeout, TimeoutError(f"{iid}: fewer than {count} messages sent")):
            while len(self.sent.get(iid, [])) < count:
                self._changed.clear()
                self._changed.wait()
        return self.sent[iid][:count]
