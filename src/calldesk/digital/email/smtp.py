"""SMTP out with TLS (STARTTLS or implicit TLS; plain text only to a loopback relay)."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

import gevent


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | tls | none (loopback relays only)
    username: str = ""
    password: str = ""
    cafile: str | None = None  # trust this CA (a private relay); the system's otherwise
    timeout: float = 20.0
    domain: str = "calldesk.local"  # the right side of our Message-IDs


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        if settings.security not in ("starttls", "tls", "none"):
            raise ValueError(f"security {settings.security!r}: starttls, tls or none")
        if settings.security == "none" and settings.host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("plain SMTP is only allowed to a loopback relay")
        self.settings = settings

    def new_id(self) -> str:
        return make_msgid(domain=self.settings.domain)

    def build(
        self,
        sender: str,
        sender_name: str,
        to: str,
        subject: str,
        text: str,
        message_id: str,
        in_reply_to: str = "",
        references: list[str] | None = None,
    ) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((sender_name, sender))
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
        if references:
            msg["References"] = " ".join(references)
        msg["Auto-Submitted"] = "no"
        msg.set_content(text)
        return msg

    def send(self, msg: EmailMessage) -> None:
        """Blocks the calling greenlet only (the SMTP exchange runs in the hub's thread pool)."""
        err = gevent.get_hub().threadpool.apply(self._send, (msg,))
        if err is not None:
            raise err

    def _send(self, msg: EmailMessage) -> Exception | None:
        s = self.settings
        context = ssl.create_default_context(cafile=s.cafile)
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=context
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=context)
                if s.username:
                    smtp.login(s.username, s.password)
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            return exc
        return None
