"""Builds the SMS and email adapters from `digital.sms` / `digital.email` (calldesk.yaml).
Secrets come from environment variables named in the file (`*_env`), never from the file and
never a default; every refusal names its key path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from typing import Any

from calldesk.digital.attachments import AttachmentStore
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.email.gateway import EmailGateway, EmailSettings
from calldesk.digital.email.imap import MailboxReader, MailboxSettings
from calldesk.digital.email.smtp import SmtpSender, SmtpSettings
from calldesk.digital.sms.gateway import SmsGateway, SmsSettings
from calldesk.digital.sms.provider import HttpProviderLink
from calldesk.digital.sms.rules import QuietHours
from calldesk.digital.sms.smpp import SmppLink
from calldesk.errors import ConfigError


def _map(d: Any, path: str, keys: set[str], required: set[str] = frozenset()) -> Mapping[str, Any]:  # type: ignore[assignment]
    if not isinstance(d, Mapping):
        raise ConfigError(path, "must be a mapping")
    for k in d:
        if k not in keys:
            raise ConfigError(f"{path}.{k}", f"unknown key (known: {', '.join(sorted(keys))})")
    for k in sorted(required):
        if not d.get(k):
            raise ConfigError(f"{path}.{k}", "is required")
    return d


def _secret(d: Mapping[str, Any], key: str, path: str, env: Mapping[str, str]) -> str:
    name = d.get(key)
    if not name:
        return ""
    value = env.get(str(name), "")
    if not value:
        raise ConfigError(f"{path}.{key}", f"environment variable {name} is not set")
    return value


def _hhmm(v: Any, path: str) -> time:
    try:
        return time.fromisoformat(str(v))
    except ValueError:
        raise ConfigError(path, f"expected HH:MM, got {v!r}") from None


def build_sms(
    cfg: Mapping[str, Any],
    desk: DigitalDesk,
    clock: Callable[[], float],
    env: Mapping[str, str],
    path: str = "digital.sms",
) -> tuple[SmsGateway, Any]:
    """(gateway, link); the link is an HttpProviderLink or a started SmppLink."""
    d = _map(cfg, path, {"sender", "region", "quiet_hours", "provider", "smpp"}, {"sender"})
    if ("provider" in d) == ("smpp" in d):
        raise ConfigError(path, "configure exactly one of provider or smpp")
    quiet = QuietHours()
    if "quiet_hours" in d:
        q = _map(d["quiet_hours"], f"{path}.quiet_hours", {"start", "end"}, {"start", "end"})
        quiet = QuietHours(
            _hhmm(q["start"], f"{path}.quiet_hours.start"),
            _hhmm(q["end"], f"{path}.quiet_hours.end"),
        )
    settings = SmsSettings(sender=str(d["sender"]), region=str(d.get("region", "US")), quiet=quiet)
    link: Any
    if "provider" in d:
        p = _map(
            d["provider"],
            f"{path}.provider",
            {"api", "account_sid", "auth_token_env", "public_url", "status_callback"},
            {"api", "account_sid", "auth_token_env", "public_url"},
        )
        token = _secret(p, "auth_token_env", f"{path}.provider", env)
        link = HttpProviderLink(
            str(p["api"]),
            str(p["account_sid"]),
            token,
            status_callback=str(p.get("status_callback", "")),
        )
        gateway = SmsGateway(desk, link, settings, clock)
    else:
        s = _map(
            d["smpp"],
            f"{path}.smpp",
            {"host", "port", "system_id", "password_env", "system_type", "enquire_link_s"},
            {"host", "system_id", "password_env"},
        )
        password = _secret(s, "password_env", f"{path}.smpp", env)
        gateway = SmsGateway(desk, None, settings, clock)  # type: ignore[arg-type]
        link = SmppLink(
            str(s["host"]),
            int(s.get("port", 2775)),
            str(s["system_id"]),
            password,
            system_type=str(s.get("system_type", "")),
            enquire_link_s=float(s.get("enquire_link_s", 30.0)),
            on_message=gateway.inbound,
            on_receipt=gateway.receipt,
        )
        gateway.link = link
    return gateway, link


def build_email(
    cfg: Mapping[str, Any],
    desk: DigitalDesk,
    clock: Callable[[], float],
    env: Mapping[str, str],
    path: str = "digital.email",
) -> tuple[EmailGateway, MailboxReader]:
    d = _map(
        cfg,
        path,
        {"address", "name", "flow", "imap", "smtp", "attachments"},
        {"address", "imap", "smtp"},
    )
    i = _map(
        d["imap"],
        f"{path}.imap",
        {"host", "port", "username", "password_env", "folder", "tls", "poll_s", "use_idle",
         "cafile"},
        {"host", "username", "password_env"},
    )
    s = _map(
        d["smtp"],
        f"{path}.smtp",
        {"host", "port", "security", "username", "password_env", "cafile"},
        {"host"},
    )
    a = _map(d.get("attachments", {}), f"{path}.attachments", {"dir", "max_bytes"})
    try:
        smtp = SmtpSender(
            SmtpSettings(
                str(s["host"]),
                int(s.get("port", 587)),
                str(s.get("security", "starttls")),
                str(s.get("username", "")),
                _secret(s, "password_env", f"{path}.smtp", env),
                cafile=str(s["cafile"]) if s.get("cafile") else None,  # a private relay's CA
            )
        )
        mailbox = MailboxSettings(
            str(i["host"]),
            int(i.get("port", 993)),
            str(i["username"]),
            _secret(i, "password_env", f"{path}.imap", env),
            str(i.get("folder", "INBOX")),
            bool(i.get("tls", True)),
            poll_s=float(i.get("poll_s", 30.0)),
            use_idle=bool(i.get("use_idle", True)),
            cafile=str(i["cafile"]) if i.get("cafile") else None,
        )
    except ValueError as exc:
        raise ConfigError(path, str(exc)) from None
    gateway = EmailGateway(
        desk,
        smtp,
        EmailSettings(str(d["address"]), str(d.get("name", "Support")), d.get("flow")),
        AttachmentStore(
            Path(str(a.get("dir", "var/attachments"))), int(a.get("max_bytes", 10 * 1024 * 1024))
        ),
        clock,
    )
    try:
        reader = MailboxReader(mailbox, gateway.inbound)
    except ValueError as exc:
        raise ConfigError(f"{path}.imap.tls", str(exc)) from None
    return gateway, reader
