"""The SMPP 3.4 adapter (smpplib): one transceiver bind to a carrier's SMSC.

A greenlet connects, binds (bind_transceiver), reads PDUs, sends enquire_link when the link is
quiet, and reconnects with back-off when the link drops. `submit()` sends submit_sm (long
texts split with a UDH, UCS-2 when GSM 7-bit cannot carry them) and waits for the
submit_sm_resp with the SMSC's message id. deliver_sm is either a customer's message
(concatenated parts joined) or a delivery receipt; it is handed on, and so stored, before its
deliver_sm_resp is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import gevent.lock
import gevent.socket
import smpplib.client
import smpplib.consts as c
import smpplib.exceptions
import smpplib.gsm

from calldesk.digital.sms.smpp_codec import ESM_RECEIPT, Reassembler, decode, parse_receipt

log = logging.getLogger("calldesk.digital.sms.smpp")


class SmppError(Exception):
    pass


class _Client(smpplib.client.Client):
    """smpplib's client on a gevent socket (cooperative), with responses matched by sequence."""

    def __init__(self, link: SmppLink, host: str, port: int, timeout: float) -> None:
        super().__init__(
            host,
            port,
            timeout=timeout,
            allow_unknown_opt_params=True,
            logger_name="calldesk.digital.sms.smpplib",
        )
        self.link = link

    def _create_socket(self) -> Any:
        sock = gevent.socket.socket(gevent.socket.AF_INET, gevent.socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        return sock

    def message_sent_handler(self, pdu: Any, **kw: Any) -> None:
        self.link._answered(pdu.sequence, pdu.message_id)

    def error_pdu_handler(self, pdu: Any) -> None:
        desc = c.DESCRIPTIONS.get(pdu.status, "unknown status")
        self.link._answered(pdu.sequence, SmppError(f"{pdu.command}: ({pdu.status}) {desc}"))

    def message_received_handler(self, pdu: Any, **kw: Any) -> int:
        return self.link._delivered(pdu)


class SmppLink:
    def __init__(
        self,
        host: str,
        port: int,
        system_id: str,
        password: str,
        *,
        on_message: Callable[[str, str, str], object] | None = None,
        on_receipt: Callable[[str, str], object] | None = None,
        system_type: str = "",
        enquire_link_s: float = 30.0,
        timeout: float = 10.0,
        reconnect_max_s: float = 30.0,
    ) -> None:
        self.host, self.port, self.system_id, self.password = host, port, system_id, password
        self.system_type, self.enquire_link_s, self.timeout = system_type, enquire_link_s, timeout
        self.reconnect_max_s = reconnect_max_s
        self.on_message = on_message or (lambda sender, text, mid: None)
        self.on_receipt = on_receipt or (lambda mid, status: None)
        self.bound = gevent.event.Event()
        self.binds = 0  # how many times the link was bound (reconnects show here)
        self._client: _Client | None = None
        self._write = gevent.lock.Semaphore()
        self._waiting: dict[int, gevent.event.AsyncResult] = {}
        self._parts = Reassembler()
        self._alias: dict[str, str] = {}  # every part's SMSC id -> the first part's
        self._greenlet: gevent.Greenlet | None = None
        self._stopping = False

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SmppLink:
        self._greenlet = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        self._stopping = True
        client = self._client
        if client is not None and self.bound.is_set():
            try:
                with self._write:
                    client.send_pdu(smpplib.smpp.make_pdu("unbind", client=client))
            except Exception:  # noqa: BLE001 - going away anyway
                pass
        if self._greenlet is not None:
            self._greenlet.kill()
        self._drop()

    def _drop(self) -> None:
        self.bound.clear()
        client, self._client = self._client, None
        if client is not None:
            try:
                client.disconnect()
            except Exception:  # noqa: BLE001
                pass
        for result in self._waiting.values():
            result.set(SmppError("the SMPP link went down"))
        self._waiting.clear()

    def _run(self) -> None:
        delay = 0.5
        while not self._stopping:
            try:
                client = _Client(self, self.host, self.port, self.enquire_link_s)
                client.connect()
                self._client = client
                client.bind_transceiver(
                    system_id=self.system_id, password=self.password, system_type=self.system_type
                )
                self.binds += 1
                self.bound.set()
                log.info("SMPP bound to %s:%d as %s", self.host, self.port, self.system_id)
                delay = 0.5
                while not self._stopping:
                    client.read_once(auto_send_enquire_link=True)  # quiet: enquire_link
            except (
                smpplib.exceptions.ConnectionError,
                smpplib.exceptions.PDUError,
                OSError,
            ) as exc:
                if not self._stopping:
                    log.warning("SMPP link to %s:%d down: %s", self.host, self.port, exc)
            self._drop()
            if not self._stopping:
                gevent.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_s)

    # -- sending -----------------------------------------------------------------------------
    def submit(self, to: str, sender: str, text: str) -> str:
        """Send one message (in as many parts as it needs); returns the SMSC's id of the
        first part, which its delivery receipts name."""
        if not self.bound.wait(self.timeout) or self._client is None:
            raise SmppError("the SMPP link is not bound")
        parts, coding, esm = smpplib.gsm.make_parts(text)
        ids = []
        for part in parts:
            client = self._client
            if client is None:
                raise SmppError("the SMPP link went down")
            result = gevent.event.AsyncResult()
            with self._write:
                pdu = smpplib.smpp.make_pdu(
                    "submit_sm",
                    client=client,
                    source_addr_ton=c.SMPP_TON_INTL if sender.startswith("+") else c.SMPP_TON_ALNUM,
                    source_addr=sender.lstrip("+"),
                    dest_addr_ton=c.SMPP_TON_INTL,
                    dest_addr_npi=c.SMPP_NPI_ISDN,
                    destination_addr=to.lstrip("+"),
                    short_message=part,
                    data_coding=coding,
                    esm_class=esm,
                    registered_delivery=1 if not ids else 0,
                )
                self._waiting[pdu.sequence] = result
                client.send_pdu(pdu)
            answer = result.get(timeout=self.timeout)
            if isinstance(answer, Exception):
                raise answer
            ids.append(answer.decode() if isinstance(answer, bytes) else str(answer))
        for i in ids:
            self._alias[i] = ids[0]
        return ids[0]

    def _answered(self, sequence: int, value: Any) -> None:
        result = self._waiting.pop(sequence, None)
        if result is not None:
            result.set(value)

    # -- receiving ---------------------------------------------------------------------------
    def _delivered(self, pdu: Any) -> int:
        sender = (
            pdu.source_addr.decode() if isinstance(pdu.source_addr, bytes) else str(pdu.source_addr)
        )
        body = pdu.short_message or b""
        if isinstance(body, str):
            body = body.encode("latin-1")
        try:
            if pdu.esm_class & ESM_RECEIPT:
                mid, status = parse_receipt(decode(body, pdu.data_coding or 0))
                if status:
                    self.on_receipt(self._alias.get(mid, mid), status)
                return c.SMPP_ESME_ROK
            whole = self._parts.add(sender, body, pdu.esm_class or 0)
            if whole is not None:
                sender = "+" + sender if sender.isdigit() else sender
                self.on_message(sender, decode(whole, pdu.data_coding or 0), "")
        except Exception:
            log.exception("SMPP deliver_sm from %s not taken", sender)
            return c.SMPP_ESME_RSYSERR  # not acknowledged: the SMSC delivers it again
        return c.SMPP_ESME_ROK
