"""The `customers:` section: defaults, and each bad value named by its key."""

from __future__ import annotations

import pytest

from calldesk.config import load_config
from calldesk.customers.settings import Settings
from calldesk.errors import ConfigError


def test_defaults_and_values():
    s = Settings.from_config(None)
    assert (s.country, s.fcr_window_s, s.retention_days("voice")) == ("US", 72 * 3600.0, 0)
    assert "customer" in s.pii_fields and "notes" in s.pii_fields
    s = Settings.from_config(
        {
            "country": "gb",
            "fcr_window_h": 24,
            "pii_fields": ["name"],
            "retention": {"chat": {"pii_days": 30}},
        }
    )
    assert (s.country, s.fcr_window_s, s.pii_fields) == ("GB", 86400.0, frozenset({"name"}))
    assert s.retention_days("chat") == 30 and s.retention_days("chat", "recordings_days") == 0


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"contry": "GB"}, "customers.contry"),
        ({"country": "GBR"}, "customers.country"),
        ({"fcr_window_h": 0}, "customers.fcr_window_h"),
        ({"pii_fields": "name"}, "customers.pii_fields"),
        ({"retention": {"fax": {"pii_days": 1}}}, "customers.retention.fax"),
        ({"retention": {"chat": {"pii_days": -1}}}, "customers.retention.chat.pii_days"),
        ({"retention": {"chat": {"keep": 1}}}, "customers.retention.chat.keep"),
    ],
)
def test_bad_values_name_their_key(data, key):
    with pytest.raises(ConfigError) as err:
        Settings.from_config(data)
    assert err.value.key_path == key


def test_the_config_file_accepts_the_section(tmp_path):
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text("customers: {country: FR, retention: {voice: {pii_days: 365}}}\n")
    config = load_config(str(cfg))
    assert Settings.from_config(config["customers"]).country == "FR"
