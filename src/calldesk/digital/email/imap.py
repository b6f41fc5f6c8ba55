"""IMAP in (imapclient): one mailbox, read with IDLE when the server has it and by polling
otherwise. Each unseen message is handed on (and so stored) before it is flagged \\Seen; a
crash in between fetches it again, and the gateway drops the duplicate by its Message-ID.
The blocking IMAP calls run in the hub's thread pool, so the controller keeps running."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent
from imapclient import IMAPClient

log = logging.getLogger("calldesk.digital.email.imap")


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int = 993
    username: str = ""
    password: str = ""
    folder: str = "INBOX"
    tls: bool = True  # implicit TLS (993); False only for a loopback server
    cafile: str | None = None
    poll_s: float = 30.0  # without IDLE
    idle_s: float = 240.0  # re-issue IDLE (servers drop it after ~30 min)
    use_idle: bool = True
    timeout: float = 30.0


class MailboxReader:
    def __init__(self, settings: MailboxSettings, handle: Callable[[bytes], object]) -> None:
        if not settings.tls and settings.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("IMAP without TLS is only allowed to a loopback server")
        self.settings, self.handle = settings, handle
        self.client: IMAPClient | None = None
        self.idling = False  # the server has IDLE and it is used
        self.rounds = 0  # how many times the mailbox was read
        self._greenlet: gevent.Greenlet | None = None
        self._stopping = False

    def _io(self, fn: Callable[..., Any], *args: Any) -> Any:
        ok, value = gevent.get_hub().threadpool.apply(_guard, (fn, *args))
        if not ok:
            raise value
        return value

    def start(self) -> MailboxReader:
        self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        """The socket is shut first: a pool thread blocked in IDLE returns at once. Killed the
        other way round, the reader's IDLE DONE raced that thread for the server's reply and
        could wait out the whole socket timeout (30 s by default)."""
        self._stopping = True
        client, self.client = self.client, None
        if client is not None:
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001 - going away
                pass
        if self._greenlet is not None:
            self._greenlet.kill()

    def _connect(self) -> IMAPClient:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile) if s.tls else None
        client = self._io(
            lambda: IMAPClient(
                s.host, port=s.port, ssl=s.tls, ssl_context=context, timeout=s.timeout
            )
        )
        self._io(client.login, s.username, s.password)
        self._io(client.select_folder, s.folder)
        caps = self._io(client.capabilities)
        self.idling = s.use_idle and b"IDLE" in caps
        return client

    def _run(self) -> None:
        delay = 1.0
        while not self._stopping:
            try:
                self.client = self._connect()
                delay = 1.0
                while not self._stopping:
                    self.read_new()
                    self._wait()
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect after a pause
                if not self._stopping:
                    log.warning("IMAP %s@%s: %s", self.settings.username, self.settings.host, exc)
            self.client = None
            if not self._stopping:
                gevent.sleep(delay)
                delay = min(delay * 2, 60.0)

    def _wait(self) -> None:
        c = self.client
        assert c is not None
        if not self.idling:
            gevent.sleep(self.settings.poll_s)
            return
        self._io(c.idle)
        try:
            self._io(c.idle_check, self.settings.idle_s)
        finally:
            if not self._stopping:  # stopping: the socket is shut, there is no IDLE to end
                self._io(c.idle_done)

    def read_new(self) -> int:
        """Hand on every unseen message, then flag it seen; returns how many."""
        c = self.client
        assert c is not None
        uids = self._io(c.search, ["UNSEEN"])
        for uid in uids:
            data = self._io(c.fetch, [uid], ["BODY.PEEK[]"])
            raw = data.get(uid, {}).get(b"BODY[]")
            if raw is None:
                continue
            self.handle(raw)  # stored (or refused with a log line) before the flag
            self._io(c.add_flags, [uid], [b"\\Seen"])
        self.rounds += 1
        return len(uids)


def _guard(fn: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
    try:
        return True, fn(*args)
    except Exception as exc:  # noqa: BLE001 - raised again in the calling greenlet
        return False, exc
