"""Inbound mail, pure: what a message says, whom it answers, and whether a machine sent it."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html import unescape

import nh3

SAFE_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
QUOTE_HEAD = re.compile(
    r"^(On .{0,200}wrote:|Le .{0,200}a écrit ?:|-{2,} ?Original Message ?-{2,}|From: .+)$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    message_id: str
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    text: str  # what is new in this message
    quoted: str  # the history it quotes (collapsed in the agent's view)
    html: str  # sanitized, or ""
    in_reply_to: str
    references: list[str]
    attachments: list[Part] = field(default_factory=list)
    automatic: str = ""  # why a machine sent it (auto-reply, bounce), or ""

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this one answers, nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        return ids + [r for r in reversed(self.references) if r not in ids]


def _ids(value: str | None) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value or "")


def automatic(msg: EmailMessage) -> str:
    """Why this message is a machine's (RFC 3834 Auto-Submitted, common auto-reply headers,
    a delivery status notification), or "" for a person's."""
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return f"Auto-Submitted: {auto}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if msg.get(header) is not None and header != "X-Auto-Response-Suppress":
            return header
    if (msg.get("Precedence") or "").strip().lower() in ("bulk", "junk", "auto_reply", "list"):
        return f"Precedence: {msg.get('Precedence')}"
    if msg.get_content_type() == "multipart/report":
        return f"report: {msg.get_param('report-type') or 'unknown'}"
    sender = parseaddr(msg.get("From") or "")[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster") or msg.get("Return-Path") == "<>":
        return "bounce"
    return ""


def split_quoted(text: str) -> tuple[str, str]:
    """(what is new, the quoted history): cut at the first "On … wrote:" or run of "> " lines."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if QUOTE_HEAD.match(line.strip()) or (
            line.startswith(">") and all(x.startswith(">") or not x.strip() for x in lines[i:])
        ):
            return "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip()
    return text.strip(), ""


URL_SCHEMES = {"http", "https", "mailto"}


def sanitize(html: str) -> str:
    """An email's HTML safe to show an agent: a whitelist of tags (no img, so no remote image
    is loaded, no form, no style), scripts and styles dropped with their content, no event
    handler or style attribute, links only to http(s)/mailto (not relative: nothing may point
    into calldesk's own origin). nh3 (ammonia) parses as a browser does, which a hand-written
    filter would not."""
    return nh3.clean(
        html,
        tags=SAFE_TAGS,
        link_rel="noopener noreferrer nofollow",
        url_schemes=URL_SCHEMES,
        url_relative="deny",
    )


def text_of(html: str) -> str:
    """The text of an HTML-only body, unescaped (it is stored and shown as plain text)."""
    return unescape(nh3.clean(html, tags=set())).strip()


def parse(raw: bytes) -> Mail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    name, addr = parseaddr(msg.get("From") or "")
    body = msg.get_body(preferencelist=("plain", "html"))
    plain = ""
    html = ""
    if body is not None:
        content = body.get_content()
        if body.get_content_type() == "text/html":
            html = sanitize(content)
            plain = text_of(content)
        else:
            plain = content
            html_part = msg.get_body(preferencelist=("html",))
            html = sanitize(html_part.get_content()) if html_part is not None else ""
    new, quoted = split_quoted(plain)
    parts = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)  # bytes, or None for a multipart attachment
        data = payload if isinstance(payload, bytes) else b""
        parts.append(Part(part.get_filename() or "attachment", part.get_content_type(), data))
    refs = _ids(msg.get("References"))
    reply_to = _ids(msg.get("In-Reply-To"))
    return Mail(
        message_id=(_ids(msg.get("Message-ID")) or [""])[0],
        sender=addr.lower(),
        sender_name=name,
        subject=str(msg.get("Subject") or ""),
        text=new,
        quoted=quoted,
        html=html,
        in_reply_to=reply_to[0] if reply_to else "",
        references=refs,
        attachments=parts,
        automatic=automatic(msg),
    )


def recipients(value: str) -> list[str]:
    return [a.lower() for _, a in getaddresses([value]) if a]
