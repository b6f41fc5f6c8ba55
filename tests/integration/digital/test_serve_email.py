"""Email through `serve`'s composition: a mail appended to a real Dovecot mailbox is read by the
controller's own IMAP reader -> the flow -> the queue -> the agent (cookie session) accepts it
with the transcript and its attachment (downloaded by the API, refused to anyone else), replies
-> the reply leaves by SMTP (STARTTLS) in the same thread."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from tests.eventually import eventually
from tests.integration.digital.mailservers import PASSWORD, USER, start_dovecot, start_smtp_sink
from tests.integration.digital.served import MAIL_ENV, TOKEN_ENV, start_served, stop_served
from tests.integration.digital.sms_provider import TOKEN
from tests.integration.digital.test_email import _append, _empty_inbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def served_mail(tmp_path, monkeypatch):
    dovecot = start_dovecot()
    _empty_inbox(dovecot.port)
    sink = start_smtp_sink(tmp_path)
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.setenv(MAIL_ENV, PASSWORD)
    mail = {
        "address": USER,
        "imap": {"host": "127.0.0.1", "port": dovecot.port, "username": USER,
                 "password_env": MAIL_ENV, "tls": False, "poll_s": 0.2},
        "smtp": {"host": "127.0.0.1", "port": sink.port, "security": "starttls",
                 "cafile": sink.cafile},
        "attachments": {"dir": str(tmp_path / "attachments")},
    }  # fmt: skip
    s = start_served(tmp_path, mail=mail)
    s.extra.update(dovecot=dovecot, sink=sink)
    yield s
    stop_served(s)
    sink.stop()
    dovecot.stop()


def test_mail_into_serve_to_the_agent_and_the_reply_out(served_mail) -> None:
    s = served_mail
    agent = s.agent("a1")
    events = s.events(agent, "agent:a1")
    assert agent.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    m = EmailMessage()
    m["From"] = "Dana <dana@customer.test>"
    m["To"] = USER
    m["Subject"] = "Card blocked"
    m["Message-ID"] = make_msgid(domain="customer.test")
    m.set_content("My card is blocked; the screenshot is attached.")
    m.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png")
    _append(s.extra["dovecot"].port, m)

    offer = events.until(lambda f: f.get("kind") == "interaction.offered", timeout=30,
                         what="the email offer")  # fmt: skip
    iid = offer["subject"]
    r = agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept")
    assert r.status == 200, r.body
    hand = r.json()
    assert hand["medium"] == "email" and hand["customer"]["address"] == "dana@customer.test"
    assert hand["data"]["subject"] == "Card blocked"
    first = hand["transcript"][0]
    assert first["text"].startswith("My card is blocked")
    (att,) = first["attachments"]
    assert att["name"] == "screen.png" and att["type"] == "image/png" and att["size"] == len(PNG)
    got = agent.raw("GET", att["url"])
    assert got.status == 200 and got.body == PNG
    assert got.headers["x-content-type-options"] == "nosniff"
    assert s.agent("a2").raw("GET", att["url"]).status == 403  # not a2's
    from tests.integration.web.conftest import Client

    assert Client(s.port).raw("GET", att["url"]).status == 401  # never public

    r = agent.call("POST", f"/api/interactions/{iid}/messages", {"text": "We unblocked it."})
    assert r.status == 200 and r.json()["status"] == "sent", r.body
    sink = s.extra["sink"]
    eventually(lambda: sink.messages, "the reply at the SMTP sink")
    reply = sink.messages[-1]
    assert sink.tls_used == [True]
    assert reply["In-Reply-To"] == m["Message-ID"] and reply["Subject"] == "Re: Card blocked"
    assert reply["To"] == "dana@customer.test"
    events.close()


def test_an_html_mail_reaches_the_agent_sanitized(served_mail) -> None:
    """The transcript API carries `html` for a message that had an HTML body, cleaned of
    scripts, handlers, javascript: links and remote images; a plain message has none."""
    s = served_mail
    agent = s.agent("a1")
    events = s.events(agent, "agent:a1")
    assert agent.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    m = EmailMessage()
    m["From"] = "Eve <eve@customer.test>"
    m["To"] = "support@example.test"
    m["Subject"] = "Invoice"
    m["Message-ID"] = make_msgid(domain="customer.test")
    m.set_content("Where is my invoice?\n\nOn Monday, Support wrote:\n> Soon.")
    m.add_alternative(
        '<p onclick="steal()">Where is my <b>invoice</b>?<script>alert(1)</script>'
        '<img src="https://tracker.example/pixel.gif">'
        '<a href="javascript:alert(2)">here</a> <a href="https://shop.example/i/7">link</a></p>'
        "<blockquote>On Monday, Support wrote: Soon.</blockquote>",
        subtype="html",
    )
    _append(s.extra["dovecot"].port, m)
    offer = events.until(lambda f: f.get("kind") == "interaction.offered", timeout=30,
                         what="the email offer")  # fmt: skip
    iid = offer["subject"]
    assert agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200

    r = agent.call("GET", f"/api/interactions/{iid}/messages")
    assert r.status == 200, r.body
    first = r.json()[0]
    assert first["text"] == "Where is my invoice?"  # the quoted history is cut from the text
    html = first["html"]
    assert "<b>invoice</b>" in html and "<blockquote>On Monday" in html
    assert '<a href="https://shop.example/i/7" rel="noopener noreferrer nofollow">link</a>' in html
    for bad in ("script", "onclick", "steal", "javascript", "<img", "tracker.example"):
        assert bad not in html, (bad, html)
    r = agent.call("POST", f"/api/interactions/{iid}/messages", {"text": "Sent it again."})
    assert r.status == 200 and "html" not in r.json()
    listed = agent.call("GET", f"/api/interactions/{iid}/messages").json()
    assert "html" not in listed[-1]  # the agent's plain reply
    events.close()
