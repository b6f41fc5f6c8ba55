"""SMS through the HTTP provider adapter over real HTTP: signed webhooks in, REST sends out to a
stand-in provider, delivery receipts, STOP/HELP/START, and the opt-out list checked on every send."""

from __future__ import annotations

import pytest
from flask import Flask
from gevent.pywsgi import WSGIServer
from tests.eventually import eventually
from tests.integration.digital.helpers import build
from tests.integration.digital.sms_provider import ACCOUNT, TOKEN, StandInProvider, post_webhook
from tests.integration.digital.webchat import in_thread

from calldesk.digital.sms.gateway import SmsGateway, SmsSettings
from calldesk.digital.sms.provider import HttpProviderLink, webhook_blueprint

OURS = "+15550001111"
CUSTOMER = "+12125551234"  # New York


class Sms:
    def __init__(self, tmp_path) -> None:
        self.rig = build(tmp_path)
        self.provider = StandInProvider()
        link = HttpProviderLink(self.provider.api, ACCOUNT, TOKEN)
        self.gateway = SmsGateway(self.rig.desk, link, SmsSettings(sender=OURS), self.rig.clock)
        self.rig.desk.transports["sms"] = self.gateway
        app = Flask("sms-test")
        self.public = "https://calldesk.example"
        app.register_blueprint(webhook_blueprint(self.gateway, TOKEN, self.public))
        self.server = WSGIServer(("127.0.0.1", 0), app, log=None)
        self.server.start()

    def post(self, path: str, form: dict, **kw) -> tuple[int, bytes]:
        return in_thread(post_webhook, self.server.server_port, path, form, self.public, **kw)

    def inbound(self, text: str, sid: str, sender: str = CUSTOMER) -> tuple[int, bytes]:
        return self.post(
            "/sms/inbound",
            {"MessageSid": sid, "From": sender, "To": OURS, "Body": text, "NumMedia": "0"},
        )

    def bodies(self, to: str = CUSTOMER) -> list[str]:
        return [m["Body"] for m in self.provider.sent if m["To"] == to]

    def stop(self) -> None:
        self.server.stop(timeout=1)
        self.provider.stop()
        self.rig.stop()


@pytest.fixture
def sms(tmp_path):
    s = Sms(tmp_path)
    yield s
    s.stop()


def test_an_inbound_sms_runs_the_flow_and_the_replies_go_out_through_the_provider(sms):
    status, body = sms.inbound("hi", "SMin1")
    assert status == 200 and b"<Response>" in body
    desk = sms.rig.desk
    conv = desk.messages.latest("sms", CUSTOMER)
    assert conv is not None and desk.messages.transcript(conv.id)[0].text == "hi"  # stored
    eventually(lambda: len(sms.bodies()) >= 2, "the bot's replies at the provider")
    assert sms.bodies()[:2] == [
        "Hello! This is Example Bank.",
        "Type 1 for sales or 2 for support.",
    ]
    assert all(m["From"] == OURS for m in sms.provider.sent)
    # the provider retries the same webhook: stored once
    assert sms.inbound("hi", "SMin1")[0] == 200
    assert [m.text for m in desk.messages.transcript(conv.id) if m.author == "customer"] == ["hi"]
    # delivery receipt for the first reply
    first = sms.provider.sent[0]["sid"]
    assert sms.post("/sms/status", {"MessageSid": first, "MessageStatus": "delivered"})[0] == 204
    out = [m for m in desk.messages.transcript(conv.id) if m.external_id == first]
    assert out[0].status == "delivered"
    assert sms.post("/sms/status", {"MessageSid": first, "MessageStatus": "sending"})[0] == 204
    assert desk.messages.find_external(first).status == "delivered"


def test_bad_signatures_and_malformed_webhooks_are_refused_and_store_nothing(sms):
    form = {"MessageSid": "SMx", "From": CUSTOMER, "To": OURS, "Body": "hi"}
    assert sms.post("/sms/inbound", form, signature="AAAA")[0] == 403
    assert sms.post("/sms/inbound", form, token="someone-elses-token")[0] == 403
    assert sms.post("/sms/inbound", {"From": CUSTOMER, "Body": "x"})[0] == 400  # no sid
    assert (
        sms.post("/sms/inbound", {"MessageSid": "SMy", "From": "not a number", "Body": "x"})[0]
        == 400
    )
    big = {"MessageSid": "SMz", "From": CUSTOMER, "Body": "x" * 20000}
    assert sms.post("/sms/inbound", big)[0] == 413
    assert sms.rig.desk.messages.latest("sms", CUSTOMER) is None


def test_stop_opts_out_and_every_later_send_is_refused_until_start(sms):
    desk = sms.rig.desk
    sms.inbound("hello", "SM1")
    conv = desk.messages.latest("sms", CUSTOMER)
    eventually(lambda: len(sms.bodies()) >= 2, "the bot's replies")
    assert sms.inbound("Stop", "SM2")[0] == 200
    assert sms.bodies()[-1].startswith("You are unsubscribed")
    assert CUSTOMER in sms.gateway.optouts
    eventually(lambda: desk.messages.get(conv.id).state == "closed", "the conversation to close")
    before = len(sms.provider.sent)
    refused = desk.send(conv.id, "agent:alice", "One more thing...")
    assert refused.status == "failed" and len(sms.provider.sent) == before
    assert sms.inbound("HELP", "SM3")[0] == 200
    assert sms.bodies()[-1].startswith("Example support")  # HELP is answered, even opted out
    assert desk.messages.latest("sms", CUSTOMER).id == conv.id  # keywords open nothing
    assert sms.inbound("start", "SM4")[0] == 200
    assert CUSTOMER not in sms.gateway.optouts
    kinds = [e.kind for e in sms.rig.published if e.kind.startswith("sms.")]
    assert kinds == ["sms.opt_out", "sms.opt_in"]


def test_a_provider_refusal_marks_the_message_failed_and_loses_nothing(sms):
    sms.provider.refuse = True
    sms.inbound("hello", "SM9")
    desk = sms.rig.desk
    conv = desk.messages.latest("sms", CUSTOMER)

    def outs():
        return [m for m in desk.messages.transcript(conv.id) if m.direction == "out"]

    eventually(
        lambda: len(outs()) >= 2 and all(m.status == "failed" for m in outs()),
        "the bot's messages stored, each marked failed",
    )
    assert [m.text for m in outs()][:2] == [
        "Hello! This is Example Bank.",
        "Type 1 for sales or 2 for support.",
    ]
    assert desk.messages.transcript(conv.id)[0].text == "hello"  # the customer's: kept
