"""SMPP message bodies, pure: decoding short messages, reassembling UDH-concatenated parts,
reading delivery receipts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from smpplib.gsm import GSM_CHARACTER_TABLE

ESM_RECEIPT = 0x04  # esm_class: an SMSC delivery receipt
ESM_UDHI = 0x40  # esm_class: the body starts with a user data header
RECEIPT_STATUS = {
    "DELIVRD": "delivered",
    "UNDELIV": "failed",
    "EXPIRED": "failed",
    "REJECTD": "failed",
    "DELETED": "failed",
}  # ACCEPTD/ENROUTE/UNKNOWN: in flight


def decode(body: bytes, data_coding: int) -> str:
    if data_coding == 0x08:
        return body.decode("utf-16-be", errors="replace")
    if data_coding == 0x03:
        return body.decode("latin-1")
    out, escape = [], False
    for b in body:  # GSM 03.38, unpacked (one septet per octet), with the escape table
        if b == 0x1B:
            escape = True
            continue
        index = b + 0x80 if escape else b
        escape = False
        out.append(GSM_CHARACTER_TABLE[index] if index < len(GSM_CHARACTER_TABLE) else "?")
    return "".join(out)


def split_udh(body: bytes) -> tuple[tuple[int, int, int] | None, bytes]:
    """((reference, total, index) of a concatenated part, or None; the payload)."""
    if not body:
        return None, body
    udhl = body[0]
    header, payload = body[1 : 1 + udhl], body[1 + udhl :]
    i = 0
    while i + 2 <= len(header):
        iei, length = header[i], header[i + 1]
        data = header[i + 2 : i + 2 + length]
        if iei == 0x00 and length == 3:
            return (data[0], data[1], data[2]), payload
        if iei == 0x08 and length == 4:
            return ((data[0] << 8) | data[1], data[2], data[3]), payload
        i += 2 + length
    return None, payload


@dataclass
class Reassembler:
    """Joins concatenated parts per (sender, reference); a message is whole when all are in."""

    parts: dict[tuple[str, int], dict[int, bytes]] = field(default_factory=dict)

    def add(self, sender: str, body: bytes, esm_class: int) -> bytes | None:
        if not esm_class & ESM_UDHI:
            return body
        info, payload = split_udh(body)
        if info is None:
            return payload
        ref, total, index = info
        got = self.parts.setdefault((sender, ref), {})
        got[index] = payload
        if len(got) < total:
            return None
        del self.parts[(sender, ref)]
        return b"".join(got[i] for i in sorted(got))


def parse_receipt(text: str) -> tuple[str, str | None]:
    """(the SMSC's message id, our status or None while in flight) from the usual receipt text
    `id:IIII sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD err:000 text:...`."""
    found = re.search(r"\bid:(\S+)", text)
    stat = re.search(r"\bstat:(\w+)", text)
    if not found:
        raise ValueError("a delivery receipt without an id")
    return found.group(1), RECEIPT_STATUS.get(stat.group(1).upper() if stat else "")
