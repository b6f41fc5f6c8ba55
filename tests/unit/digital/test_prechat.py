"""`digital.chat.prechat`, pure: the configuration refuses what it does not know by key, and
the check keeps a clean name and a lower-case email, refusing by field."""

from __future__ import annotations

import pytest

from calldesk.digital.chat.prechat import BadProfile, Prechat
from calldesk.digital.chat.settings import ChatSettings
from calldesk.errors import ConfigError


def test_configuration_by_key():
    s = ChatSettings.load({"prechat": {"name": "required", "email": "optional"}})
    assert s.prechat == Prechat("required", "optional") and s.prechat.asks
    assert not ChatSettings.load({}).prechat.asks
    for bad, key in (
        ({"name": "yes"}, "digital.chat.prechat.name"),
        ({"phone": "optional"}, "digital.chat.prechat.phone"),
        (["name"], "digital.chat.prechat"),
    ):
        with pytest.raises(ConfigError) as info:
            ChatSettings.load({"prechat": bad})
        assert str(info.value).startswith(key), str(info.value)


def test_the_check_keeps_clean_values_and_refuses_by_field():
    p = Prechat("required", "optional")
    assert p.check(" Zoe\x00\u200b  Quinn\n", " Zoe@Example.COM ") == (
        "Zoe Quinn",
        "zoe@example.com",
    )
    assert p.check("Zoe", "") == ("Zoe", "")
    for name, email, field in (
        ("", "", "name"),
        ("   ", None, "name"),
        (5, None, "name"),
        ("x" * 81, None, "name"),
        ("Zoe", "zoe@", "email"),
        ("Zoe", "a@b", "email"),
        ("Zoe", "<a@b.example>", "email"),
        ("Zoe", ["a@b.example"], "email"),
    ):
        with pytest.raises(BadProfile) as info:
            p.check(name, email)
        assert info.value.field == field, (name, email)
    both = Prechat("optional", "required")
    with pytest.raises(BadProfile, match="email"):
        both.check("Zoe", "")
    assert Prechat("off", "off").check("ignored", "a@b.example") == ("", "")
