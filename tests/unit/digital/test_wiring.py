"""SMS and email adapters from calldesk.yaml's `digital:` keys: secrets from named environment
variables, every refusal naming its key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from calldesk.digital.desk import DigitalDesk
from calldesk.digital.email.imap import MailboxReader
from calldesk.digital.sms.provider import HttpProviderLink
from calldesk.digital.sms.smpp import SmppLink
from calldesk.digital.wiring import build_email, build_sms
from calldesk.errors import ConfigError
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.runner import Runner
from calldesk.store import Store


@pytest.fixture
def desk(tmp_path):
    store = Store.open(tmp_path / "w.sqlite")
    runner = Runner(None, lambda: datetime.now(UTC), ScriptedHttp(), MemoryContexts())  # type: ignore[arg-type]
    yield DigitalDesk(store, CollectingHandoff(), None, runner, {}, lambda: 0.0)  # type: ignore[arg-type]
    store.close()


PROVIDER = {
    "sender": "+15550001111",
    "quiet_hours": {"start": "22:00", "end": "07:30"},
    "provider": {
        "api": "https://api.provider.test",
        "account_sid": "AC1",
        "auth_token_env": "SMS_TOKEN",
        "public_url": "https://cd.test",
    },
}


def test_sms_provider_from_config(desk):
    gateway, link = build_sms(PROVIDER, desk, lambda: 0.0, {"SMS_TOKEN": "t0ken"})
    assert isinstance(link, HttpProviderLink) and link.token == "t0ken"
    assert gateway.settings.quiet.start.hour == 22 and gateway.settings.quiet.end.minute == 30


def test_sms_smpp_from_config(desk):
    cfg = {
        "sender": "ACME",
        "smpp": {"host": "smsc.test", "system_id": "cd", "password_env": "SMPP_PW", "port": 2776},
    }
    gateway, link = build_sms(cfg, desk, lambda: 0.0, {"SMPP_PW": "pw"})
    assert isinstance(link, SmppLink) and link.port == 2776 and gateway.link is link
    assert link.on_message == gateway.inbound  # not started: the wiring starts it


@pytest.mark.parametrize(
    ("cfg", "env", "key"),
    [
        (PROVIDER, {}, "digital.sms.provider.auth_token_env"),
        ({**PROVIDER, "smpp": {}}, {"SMS_TOKEN": "x"}, "digital.sms"),
        (
            {k: v for k, v in PROVIDER.items() if k != "sender"},
            {"SMS_TOKEN": "x"},
            "digital.sms.sender",
        ),
        (
            {**PROVIDER, "quiet_hours": {"start": "late", "end": "07:00"}},
            {"SMS_TOKEN": "x"},
            "digital.sms.quiet_hours.start",
        ),
        ({**PROVIDER, "colour": 1}, {"SMS_TOKEN": "x"}, "digital.sms.colour"),
    ],
)
def test_sms_refusals_name_the_key(desk, cfg, env, key):
    with pytest.raises(ConfigError) as exc:
        build_sms(cfg, desk, lambda: 0.0, env)
    assert str(exc.value).startswith(key)


EMAIL = {
    "address": "support@example.test",
    "imap": {"host": "imap.example.test", "username": "support", "password_env": "IMAP_PW"},
    "smtp": {"host": "smtp.example.test", "security": "starttls"},
}


def test_email_from_config(desk, tmp_path):
    gateway, reader = build_email(
        {**EMAIL, "attachments": {"dir": str(tmp_path / "a")}}, desk, lambda: 0.0, {"IMAP_PW": "pw"}
    )
    assert isinstance(reader, MailboxReader) and reader.settings.port == 993 and reader.settings.tls
    assert gateway.smtp.settings.port == 587


@pytest.mark.parametrize(
    ("cfg", "key"),
    [
        ({**EMAIL, "imap": {**EMAIL["imap"], "tls": False}}, "digital.email.imap.tls"),
        ({**EMAIL, "smtp": {"host": "smtp.example.test", "security": "none"}}, "digital.email"),
        ({k: v for k, v in EMAIL.items() if k != "smtp"}, "digital.email.smtp"),
    ],
)
def test_email_refusals_name_the_key(desk, cfg, key):
    with pytest.raises(ConfigError) as exc:
        build_email(cfg, desk, lambda: 0.0, {"IMAP_PW": "pw"})
    assert str(exc.value).startswith(key)
