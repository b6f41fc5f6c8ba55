"""A stand-in SMSC speaking SMPP 3.4 over TCP on a free loopback port (gevent StreamServer):
binds with a password, answers submit_sm with message ids, enquire_link, unbind; and lets the
test deliver messages (whole or in UDH parts), delivery receipts, and drop every link."""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.event
from gevent.server import StreamServer
from smpplib import consts as c
from smpplib import smpp


class _Seq:
    def __init__(self) -> None:
        self._n = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._n)
        return self.sequence


@dataclass
class Submitted:
    to: str
    sender: str
    body: bytes
    esm_class: int
    data_coding: int
    registered_delivery: int
    message_id: str


@dataclass
class _Link:
    sock: Any
    bound: bool = False
    acks: list[int] = field(default_factory=list)  # deliver_sm_resp statuses


class StandInSmsc:
    def __init__(self, system_id: str = "calldesk", password: str = "s3cretpw") -> None:
        self.system_id, self.password = system_id, password
        self.submitted: list[Submitted] = []
        self.enquire_links = 0
        self.binds = 0
        self.refused_binds = 0
        self.links: list[_Link] = []
        self.acks: list[int] = []
        self.changed = gevent.event.Event()
        self._ids = itertools.count(1)
        self._seq = _Seq()
        self.server = StreamServer(("127.0.0.1", 0), self._handle)
        self.server.start()
        self.port = self.server.server_port

    def stop(self) -> None:
        self.drop_all()
        self.server.stop(timeout=1)

    # -- what the test does ------------------------------------------------------------------
    def wait_for(self, what: Any, timeout: float = 10.0) -> Any:
        with gevent.Timeout(timeout, AssertionError("the stand-in SMSC waited in vain")):
            while not what():
                self.changed.clear()
                self.changed.wait(0.05)
        return what()

    def drop_all(self) -> None:
        for link in list(self.links):
            try:
                link.sock.close()
            except OSError:
                pass
        self.links.clear()

    def deliver(
        self, sender: str, body: bytes, *, esm_class: int = 0, data_coding: int = 0
    ) -> None:
        link = next(link for link in self.links if link.bound)
        pdu = smpp.make_pdu(
            "deliver_sm",
            client=self._seq,
            source_addr_ton=c.SMPP_TON_INTL,
            source_addr=sender,
            dest_addr_ton=c.SMPP_TON_INTL,
            destination_addr="15550001111",
            esm_class=esm_class,
            data_coding=data_coding,
            short_message=body,
        )
        link.sock.sendall(pdu.generate())

    def receipt(self, message_id: str, stat: str = "DELIVRD") -> None:
        text = (
            f"id:{message_id} sub:001 dlvrd:001 submit date:2612030700 "
            f"done date:2612030701 stat:{stat} err:000 text:"
        ).encode()
        self.deliver("12125551234", text, esm_class=0x04)  # esm_class: SMSC delivery receipt

    # -- the wire ----------------------------------------------------------------------------
    def _handle(self, sock: Any, _addr: Any) -> None:
        link = _Link(sock)
        self.links.append(link)
        try:
            while True:
                head = self._recv(sock, 4)
                if head is None:
                    return
                (length,) = struct.unpack(">L", head)
                rest = self._recv(sock, length - 4)
                if rest is None:
                    return
                if not self._on_pdu(
                    link,
                    smpp.parse_pdu(head + rest, client=self._seq, allow_unknown_opt_params=True),
                ):
                    return
        finally:
            if link in self.links:
                self.links.remove(link)
            sock.close()
            self.changed.set()

    @staticmethod
    def _recv(sock: Any, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            try:
                part = sock.recv(n - len(data))
            except OSError:
                return None
            if not part:
                return None
            data += part
        return data

    def _reply(self, link: _Link, name: str, seq: int, **kw: Any) -> None:
        pdu = smpp.make_pdu(name, client=self._seq, **kw)
        pdu.sequence = seq  # smpplib's constructor keeps its own counter's
        link.sock.sendall(pdu.generate())

    def _on_pdu(self, link: _Link, pdu: Any) -> bool:
        cmd = pdu.command
        if cmd == "bind_transceiver":
            ok = pdu.system_id.decode() == self.system_id and pdu.password.decode() == self.password
            status = c.SMPP_ESME_ROK if ok else c.SMPP_ESME_RINVPASWD
            self._reply(
                link, "bind_transceiver_resp", pdu.sequence, status=status, system_id="standin"
            )
            link.bound = ok
            self.binds += ok
            self.refused_binds += not ok
        elif cmd == "submit_sm":
            mid = f"msg-{next(self._ids)}"
            self.submitted.append(
                Submitted(
                    pdu.destination_addr.decode(),
                    pdu.source_addr.decode(),
                    pdu.short_message,
                    pdu.esm_class,
                    pdu.data_coding,
                    pdu.registered_delivery,
                    mid,
                )
            )
            self._reply(link, "submit_sm_resp", pdu.sequence, message_id=mid)
        elif cmd == "enquire_link":
            self.enquire_links += 1
            self._reply(link, "enquire_link_resp", pdu.sequence)
        elif cmd == "deliver_sm_resp":
            self.acks.append(pdu.status)
        elif cmd == "unbind":
            self._reply(link, "unbind_resp", pdu.sequence)
            return False
        self.changed.set()
        return True
