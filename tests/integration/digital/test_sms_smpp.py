"""The SMPP 3.4 adapter over real TCP against a stand-in SMSC: bind_transceiver, submit_sm with
UDH segmentation, deliver_sm (joined parts, receipts), enquire_link, and reconnecting."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.integration.digital.helpers import build
from tests.integration.digital.smsc import StandInSmsc

from calldesk.digital.sms.gateway import SmsGateway, SmsSettings
from calldesk.digital.sms.smpp import SmppError, SmppLink
from calldesk.digital.sms.smpp_codec import decode, split_udh

CUSTOMER = "+12125551234"


@pytest.fixture
def smsc():
    s = StandInSmsc()
    yield s
    s.stop()


def _link(smsc, **kw) -> SmppLink:
    return SmppLink("127.0.0.1", smsc.port, "calldesk", "s3cretpw", timeout=5.0, **kw).start()


def test_bind_submit_long_text_in_udh_parts_and_receipts(smsc):
    receipts = []
    link = _link(smsc, on_receipt=lambda mid, st: receipts.append((mid, st)))
    try:
        assert link.bound.wait(5) and smsc.binds == 1
        short = link.submit(CUSTOMER, "+15550001111", "Your code is 1234")
        assert short == "msg-1" and smsc.submitted[0].to == "12125551234"
        assert smsc.submitted[0].body == b"Your code is 1234" and smsc.submitted[0].esm_class == 0
        text = "A long answer. " * 27  # 405 GSM characters: three parts of up to 153
        first = link.submit(CUSTOMER, "+15550001111", text)
        parts = smsc.submitted[1:]
        assert len(parts) == 3 and all(p.esm_class == 0x40 for p in parts)
        infos = [split_udh(p.body) for p in parts]
        assert [i[0][1:] for i in infos] == [(3, 1), (3, 2), (3, 3)]
        assert len({i[0][0] for i in infos}) == 1  # one reference
        assert "".join(decode(i[1], 0) for i in infos) == text
        assert parts[0].registered_delivery == 1
        smsc.receipt(parts[2].message_id, "DELIVRD")  # a receipt naming any part
        eventually(lambda: receipts, "the receipt")
        assert receipts == [(first, "delivered")]
        ucs = link.submit(CUSTOMER, "+15550001111", "Привет")  # not GSM 7-bit: UCS-2
        assert ucs and smsc.submitted[-1].data_coding == 8
        assert smsc.submitted[-1].body == "Привет".encode("utf-16-be")
    finally:
        link.stop()


def test_deliver_sm_parts_are_joined_and_stored_before_they_are_acknowledged(smsc, tmp_path):
    rig = build(tmp_path)
    seen = []

    def on_message(sender, text, mid):
        seen.append(text)
        gateway.inbound(sender, text, mid)

    link = _link(smsc, on_message=on_message)
    gateway = SmsGateway(rig.desk, link, SmsSettings(sender="+15550001111"), rig.clock)
    rig.desk.transports["sms"] = gateway
    try:
        assert link.bound.wait(5)
        smsc.deliver("12125551234", b"\x05\x00\x03\x2a\x02\x02world", esm_class=0x40)
        smsc.deliver("12125551234", b"\x05\x00\x03\x2a\x02\x01hello ", esm_class=0x40)
        smsc.wait_for(lambda: len(smsc.acks) == 2)
        assert smsc.acks == [0, 0] and seen == ["hello world"]
        conv = rig.desk.messages.latest("sms", CUSTOMER)
        assert rig.desk.messages.transcript(conv.id)[0].text == "hello world"
        # the bot's answer goes back over the same bind
        smsc.wait_for(lambda: len(smsc.submitted) >= 2)
        assert smsc.submitted[0].body == b"Hello! This is Example Bank."
        smsc.deliver("12125551234", "Ça va".encode("utf-16-be"), data_coding=8)
        smsc.wait_for(lambda: len(smsc.acks) == 3)
        assert "Ça va" in [m.text for m in rig.desk.messages.transcript(conv.id)]
    finally:
        link.stop()
        rig.stop()


def test_a_handler_failure_is_not_acknowledged(smsc):
    def broken(sender, text, mid):
        raise RuntimeError("store is down")

    link = _link(smsc, on_message=broken)
    try:
        assert link.bound.wait(5)
        smsc.deliver("12125551234", b"hello")
        smsc.wait_for(lambda: smsc.acks)
        assert smsc.acks == [0x08]  # system error: the SMSC keeps it and delivers it again
    finally:
        link.stop()


def test_enquire_link_when_quiet_and_reconnect_after_the_link_drops(smsc):
    link = _link(smsc, enquire_link_s=0.2)
    try:
        assert link.bound.wait(5)
        smsc.wait_for(lambda: smsc.enquire_links >= 2)
        smsc.drop_all()
        smsc.wait_for(lambda: smsc.binds >= 2)
        eventually(lambda: link.bound.is_set(), "the link to bind again")
        assert link.submit(CUSTOMER, "+15550001111", "after the reconnect")
        assert link.binds == 2
    finally:
        link.stop()
    assert smsc.wait_for(lambda: not smsc.links)  # unbound and closed


def test_a_wrong_password_never_binds_and_submit_says_so(smsc):
    link = SmppLink("127.0.0.1", smsc.port, "calldesk", "wrong", timeout=0.5).start()
    try:
        smsc.wait_for(lambda: smsc.refused_binds >= 1)
        with pytest.raises(SmppError, match="not bound"):
            link.submit(CUSTOMER, "+15550001111", "hello")
    finally:
        link.stop()
