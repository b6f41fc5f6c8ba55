"""Inbound mail, pure: machines' mail recognized, quoted history cut, HTML sanitized,
threading ids in order, attachments checked by content."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from calldesk.digital.attachments import AttachmentStore, Refused
from calldesk.digital.email.parse import parse, split_quoted


def _mail(**headers: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Dana <Dana@Customer.test>"
    m["To"] = "support@example.test"
    m["Subject"] = "Hi"
    m["Message-ID"] = "<a1@customer.test>"
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content("Hello")
    return m


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"X_Autoreply": "yes"}, "X-Autoreply"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Auto_Submitted": "no"}, ""),
    ],
)
def test_automatic_mail_is_recognized(headers, why):
    assert parse(_mail(**headers).as_bytes()).automatic == why


DSN = b"""From: Mail Delivery System <postmaster@mx.example>
To: support@example.test
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; nobody@example.test
Action: failed
Status: 5.1.1
--b1--
"""


def test_a_delivery_status_notification_is_a_bounce():
    assert parse(DSN).automatic == "report: delivery-status"
    assert (
        parse(
            DSN.replace(b"multipart/report; report-type=delivery-status; ", b"multipart/mixed; ")
        ).automatic
        == "bounce"
    )  # from postmaster


def test_threading_ids_and_the_sender():
    m = parse(_mail(In_Reply_To="<r2@x>", References="<r0@x> <r1@x> <r2@x>").as_bytes())
    assert m.sender == "dana@customer.test" and m.sender_name == "Dana"
    assert m.thread_ids == ["<r2@x>", "<r1@x>", "<r0@x>"]


def test_quoted_history_is_cut():
    assert split_quoted("Thanks!\n\nOn Tue, Bob wrote:\n> hi\n> there") == (
        "Thanks!",
        "On Tue, Bob wrote:\n> hi\n> there",
    )
    assert split_quoted("Yes\n> earlier\n>> older") == ("Yes", "> earlier\n>> older")
    assert split_quoted("> a quote\nthen my answer") == ("> a quote\nthen my answer", "")


def test_html_is_sanitized():
    m = EmailMessage()
    m["From"] = "x@y.test"
    m.set_content("plain")
    m.add_alternative(
        '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a>'
        '<img src="http://t.example/p.gif"></p>',
        subtype="html",
    )
    html = parse(m.as_bytes()).html
    assert "<p>Hi" in html and "script" not in html and "onclick" not in html
    assert "javascript" not in html and "<img" not in html


def test_attachments_are_checked_by_content(tmp_path):
    store = AttachmentStore(tmp_path, max_bytes=1000)
    png = store.keep("a.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)
    assert png.content_type == "image/png" and png.size == 28
    with pytest.raises(Refused, match="application/octet-stream"):
        store.keep("invoice.pdf", "application/pdf", b"MZ\x90\x00 an executable")
    with pytest.raises(Refused, match="more than 1000"):
        store.keep("big.txt", "text/plain", b"x" * 1001)
    assert store.keep("../../etc/passwd", "text/plain", b"ok").name == "....etcpasswd"


HOSTILE = [
    ('<p onclick="x()" onmouseover="y()" style="color:red">t</p>', "<p>t</p>"),
    ('<a href="JaVaScRiPt:alert(1)">a</a>', '<a rel="noopener noreferrer nofollow">a</a>'),
    ('<a href="java&#x09;script:alert(1)">a</a>', '<a rel="noopener noreferrer nofollow">a</a>'),
    ('<a href="data:text/html,&lt;script&gt;x&lt;/script&gt;">a</a>', "<a rel="),
    ('<a href="/api/agents/a1/logout">a</a>', '<a rel="noopener noreferrer nofollow">a</a>'),
    ('<a href="//evil.example/x">a</a>', '<a rel="noopener noreferrer nofollow">a</a>'),
    ("<svg><script>alert(1)</script></svg>ok", "ok"),
    ('<math><mi xlink:href="javascript:alert(1)">m</mi></math>ok', "ok"),
    ("<style>body{display:none}</style>ok", "ok"),
    ('<img src="http://tracker.example/p.gif" alt="x">ok', "ok"),
    ('<table background="http://t.example/b.gif"><tr><td>c</td></tr></table>', "<td>c</td>"),
    ('<form action="http://evil.example"><input name="pw"></form>ok', "ok"),
    ('<base href="http://evil.example/"><meta http-equiv="refresh" content="0">ok', "ok"),
    ("<!--[if IE]><script>x()</script><![endif]-->ok", "ok"),
    ('<iframe src="https://evil.example"></iframe><object data="x"></object>ok', "ok"),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>', ""),
]


@pytest.mark.parametrize(("dirty", "kept"), HOSTILE)
def test_the_sanitizer_refuses_hostile_html(dirty, kept):
    from calldesk.digital.email.parse import sanitize

    clean = sanitize(dirty)
    assert kept in clean
    for bad in ("<script", "on", "javascript", "style", "<img", "src=", "iframe", "evil", "http-"):
        assert bad not in clean.replace("noopener", "").replace("nofollow", ""), (bad, clean)


def test_safe_markup_and_links_are_kept_and_html_only_text_is_plain():
    from calldesk.digital.email.parse import sanitize, text_of

    clean = sanitize(
        '<h2>Order</h2><p>See <a href="https://shop.example/o/1">order</a> or '
        '<a href="mailto:help@shop.example">mail us</a>.</p>'
        "<blockquote>On Monday, Bob wrote: old</blockquote>"
    )
    assert clean == (
        '<h2>Order</h2><p>See <a href="https://shop.example/o/1" rel="noopener noreferrer '
        'nofollow">order</a> or <a href="mailto:help@shop.example" rel="noopener noreferrer '
        'nofollow">mail us</a>.</p><blockquote>On Monday, Bob wrote: old</blockquote>'
    )
    assert text_of("<p>Tom &amp; Jerry &lt;3 <script>x()</script></p>") == "Tom & Jerry <3"
