"""Email end to end against real servers (Dovecot for IMAP, an aiosmtpd sink over STARTTLS):
mailbox → flow → queue → agent → reply by SMTP with threading headers → the customer's answer
joins the same interaction; auto-replies and bounces make none; duplicates arrive once."""

from __future__ import annotations

import time
from email.message import EmailMessage
from email.utils import make_msgid

import gevent
import pytest
from imapclient import IMAPClient
from tests.eventually import eventually
from tests.integration.digital.helpers import build
from tests.integration.digital.mailservers import PASSWORD, USER, start_dovecot, start_smtp_sink
from tests.integration.digital.webchat import in_thread

from calldesk.digital.attachments import AttachmentStore
from calldesk.digital.email.gateway import EmailGateway, EmailSettings
from calldesk.digital.email.imap import MailboxReader, MailboxSettings
from calldesk.digital.email.smtp import SmtpSender, SmtpSettings
from calldesk.digital.settings import DigitalSettings

FLOW = """
flow: chatbot
entry: queue
steps:
  queue:
    kind: enqueue
    queue: support
"""
CUSTOMER = "dana@customer.test"


@pytest.fixture(scope="module")
def dovecot():
    d = start_dovecot()
    yield d
    d.stop()


def _append(port: int, msg: EmailMessage) -> None:
    def go() -> None:
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as c:
            c.login(USER, PASSWORD)
            c.append("INBOX", msg.as_bytes())

    in_thread(go)


def _mail(subject: str, text: str, *, reply_to: str = "", **headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"Dana <{CUSTOMER}>"
    m["To"] = "support@example.test"
    m["Subject"] = subject
    m["Message-ID"] = make_msgid(domain="customer.test")
    if reply_to:
        m["In-Reply-To"] = reply_to
        m["References"] = reply_to
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(text)
    return m


def _empty_inbox(port: int) -> None:
    def go() -> None:
        with IMAPClient("127.0.0.1", port=port, ssl=False, timeout=10) as c:
            c.login(USER, PASSWORD)
            c.select_folder("INBOX")
            uids = c.search(["ALL"])
            if uids:
                c.delete_messages(uids)
                c.expunge()

    in_thread(go)


class Mailroom:
    def __init__(self, tmp_path, dovecot, use_idle: bool = True) -> None:
        _empty_inbox(dovecot.port)  # the server is shared by this module's tests
        self.rig = build(tmp_path, flow=FLOW, settings=DigitalSettings(flows={"email": "chatbot"}))
        self.rig.acd_service.login("alice", ready=True)
        self.sink = start_smtp_sink(tmp_path)
        smtp = SmtpSender(
            SmtpSettings(
                "127.0.0.1",
                self.sink.port,
                "starttls",
                cafile=self.sink.cafile,
                domain="calldesk.test",
            )
        )
        self.gateway = EmailGateway(
            self.rig.desk,
            smtp,
            EmailSettings("support@example.test"),
            AttachmentStore(tmp_path / "att"),
            self.rig.clock,
        )
        self.rig.desk.transports["email"] = self.gateway
        self.results: list[str] = []
        settings = MailboxSettings(
            "127.0.0.1",
            dovecot.port,
            USER,
            PASSWORD,
            tls=False,
            use_idle=use_idle,
            poll_s=0.2,
            idle_s=5,
            # stop() kills the reader mid-IDLE; its IDLE DONE can then wait out the socket
            # timeout (30 s by default) when the idle_check thread took the reply
            timeout=5.0,
        )
        self.reader = MailboxReader(
            settings, lambda raw: self.results.append(self.gateway.inbound(raw))
        ).start()
        self.port = dovecot.port

    def stop(self) -> None:
        self.reader.stop()
        self.sink.stop()
        self.rig.stop()


@pytest.fixture(params=[True, False], ids=["idle", "polling"])
def room(request, tmp_path, dovecot):
    r = Mailroom(tmp_path, dovecot, use_idle=request.param)
    eventually(lambda: r.reader.rounds >= 1, "the mailbox to be read once")
    assert r.reader.idling is request.param  # Dovecot has IDLE: used unless turned off
    yield r
    r.stop()


def test_mail_to_agent_reply_and_the_customers_answer_joins(room):
    rig, desk = room.rig, room.rig.desk
    first = _mail("Card blocked", "My card is blocked.\n\nOn Monday, you wrote:\n> old text")
    _append(room.port, first)
    iid = eventually(lambda: room.results and room.results[-1], "the mail to become an interaction")
    assert iid.startswith("email-")
    offer = eventually(
        lambda: [e for e in rig.published if e.kind == "interaction.offered" and e.subject == iid],
        "the email offer",
    )
    view = desk.accept(offer[0].data["offer"], "alice")
    assert view["transcript"][0]["text"] == "My card is blocked."  # quoted history collapsed
    assert view["collected"]["subject"] == "Card blocked" and view["collected"]["quoted"]
    sent = desk.reply(iid, "alice", "We unblocked it.")
    assert sent.status == "sent" and sent.external_id.endswith("@calldesk.test>")
    reply = room.sink.messages[-1]
    assert room.sink.tls_used == [True]
    assert reply["In-Reply-To"] == first["Message-ID"] and reply["Subject"] == "Re: Card blocked"
    assert reply["To"] == CUSTOMER and reply["Message-ID"] == sent.external_id
    answer = _mail("Re: Card blocked", "Thanks!\n\n> We unblocked it.", reply_to=sent.external_id)
    _append(room.port, answer)
    eventually(lambda: len(room.results) >= 2, "the answer")
    assert room.results[-1] == iid  # the same interaction
    assert [m.text for m in desk.messages.transcript(iid)][-1] == "Thanks!"


def test_auto_replies_and_bounces_never_make_interactions(room):
    desk = room.rig.desk
    _append(room.port, _mail("Out of office", "I am away.", Auto_Submitted="auto-replied"))
    _append(room.port, _mail("Away", "Back Monday.", X_Autoreply="yes"))
    dsn = _mail("Undelivered Mail", "The mail system could not deliver.")
    dsn.replace_header("From", "MAILER-DAEMON@mx.customer.test")
    _append(room.port, dsn)
    eventually(lambda: len(room.results) >= 3, "the three to be read")
    assert all(r.startswith("ignored") for r in room.results), room.results
    assert desk.messages.latest("email", CUSTOMER) is None
    assert desk.messages.latest("email", "mailer-daemon@mx.customer.test") is None


def test_a_message_read_twice_arrives_once_and_is_flagged_seen(room):
    mail = _mail("Hello", "Hi there")
    _append(room.port, mail)
    eventually(lambda: room.results, "the mail")
    assert room.gateway.inbound(mail.as_bytes()) == "duplicate"  # a redelivery after a crash

    def unseen() -> list:
        with IMAPClient("127.0.0.1", port=room.port, ssl=False, timeout=10) as c:
            c.login(USER, PASSWORD)
            c.select_folder("INBOX")
            return c.search(["UNSEEN"])

    deadline = time.monotonic() + 10
    while in_thread(unseen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert in_thread(unseen) == []


def test_stop_while_idling_returns_at_once_with_a_long_socket_timeout(dovecot) -> None:
    """The reader waits in IMAP IDLE in a pool thread; stop() shuts the socket before killing
    it, so it neither races that thread for the server's reply nor waits out the timeout."""
    _empty_inbox(dovecot.port)
    settings = MailboxSettings("127.0.0.1", dovecot.port, USER, PASSWORD, tls=False,
                               use_idle=True, idle_s=120, timeout=120.0)
    reader = MailboxReader(settings, lambda raw: None).start()
    with gevent.Timeout(20, AssertionError("the reader never read the mailbox")):
        while reader.rounds < 1:
            gevent.sleep(0.05)
    assert reader.idling
    gevent.sleep(0.5)  # into idle_check, blocked on the socket in a pool thread
    with gevent.Timeout(10, AssertionError("stop() waited on the IDLE socket")):
        reader.stop()
