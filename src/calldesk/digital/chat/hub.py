"""The live side of web chat: each visitor's open sockets, fed without blocking. It is also the
chat medium's Transport: an outbound message is pushed to every socket of its visitor; one that
finds no socket waits in the transcript and reaches the visitor when they reconnect."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent.queue

from calldesk.digital.model import Conversation, Message

log = logging.getLogger(__name__)

QUEUE_MAX = 500


class Socket:
    """One connected widget: frames queue here and a greenlet writes them out."""

    def __init__(self, visitor: str) -> None:
        self.visitor = visitor
        self.queue: gevent.queue.Queue = gevent.queue.Queue(QUEUE_MAX)
        self.dropped = False

    def push(self, frame: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(frame)
        except gevent.queue.Full:  # a dead or slow client never slows the controller
            self.dropped = True


class ChatHub:
    def __init__(self) -> None:
        self.sockets: dict[str, list[Socket]] = {}
        self.on_visitor_typing: list[Callable[[str, str], None]] = []  # (visitor, interaction)

    def open(self, visitor: str) -> Socket:
        sock = Socket(visitor)
        self.sockets.setdefault(visitor, []).append(sock)
        return sock

    def close(self, sock: Socket) -> None:
        socks = self.sockets.get(sock.visitor, [])
        if sock in socks:
            socks.remove(sock)
        if not socks:
            self.sockets.pop(sock.visitor, None)

    def count(self, visitor: str) -> int:
        return len(self.sockets.get(visitor, ()))

    def push(self, visitor: str, frame: dict[str, Any]) -> int:
        socks = list(self.sockets.get(visitor, ()))
        for s in socks:
            s.push(frame)
        return len(socks)

    # -- Transport -------------------------------------------------------------------------
    def send(self, conv: Conversation, msg: Message) -> str:
        self.push(conv.address, {"type": "message", "message": msg.view()})
        return msg.id  # receipts from the widget name the message by its own id

    def typing(self, visitor: str, author: str) -> None:
        """An agent is typing: shown in the visitor's widget."""
        self.push(visitor, {"type": "typing", "author": author})

    def visitor_typing(self, visitor: str, interaction: str) -> None:
        for fn in list(self.on_visitor_typing):
            try:
                fn(visitor, interaction)
            except Exception:
                log.exception("typing subscriber failed")
