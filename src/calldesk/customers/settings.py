"""The `customers:` section of calldesk.yaml, checked here (config.py only knows it is a map).

```yaml
customers:
  country: GB                # phone numbers without + are parsed as from this country
  pii_fields: [customer, caller, name, email, number, notes]   # redacted by erase/retention
  fcr_window_h: 72           # a repeat contact on the same intent within this = not FCR
  resolved_dispositions: [resolved, sale, info_given]
  retention:                 # days to keep, per medium; 0 = keep forever
    voice: {pii_days: 365, recordings_days: 90, transcripts_days: 90}
    chat: {pii_days: 180, transcripts_days: 180}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from calldesk.errors import ConfigError

MEDIA = ("voice", "chat", "sms", "email")
RETENTION_KEYS = ("pii_days", "recordings_days", "transcripts_days")
DEFAULT_PII = (
    "customer",
    "caller",
    "caller_name",
    "caller_number",
    "name",
    "email",
    "phone",
    "number",
    "callback_number",
    "notes",
    "address",
    "from",
    "to",
)
KNOWN = ("country", "pii_fields", "fcr_window_h", "resolved_dispositions", "retention")


@dataclass(frozen=True)
class Settings:
    country: str = "US"
    pii_fields: frozenset[str] = frozenset(DEFAULT_PII)
    fcr_window_s: float = 72 * 3600.0
    resolved_dispositions: frozenset[str] = frozenset({"resolved"})
    retention: dict[str, dict[str, int]] = field(default_factory=dict)

    def retention_days(self, medium: str, what: str = "pii_days") -> int:
        return int(self.retention.get(medium, {}).get(what, 0))

    @classmethod
    def from_config(cls, data: Mapping[str, Any] | None) -> Settings:
        data = dict(data or {})
        unknown = sorted(set(data) - set(KNOWN))
        if unknown:
            raise ConfigError(f"customers.{unknown[0]}", f"unknown key (known: {', '.join(KNOWN)})")
        country = str(data.get("country", "US")).upper()
        if len(country) != 2 or not country.isalpha():
            raise ConfigError(
                "customers.country", f"must be a 2-letter region code, not {country!r}"
            )
        pii = data.get("pii_fields", list(DEFAULT_PII))
        if not isinstance(pii, list) or not all(isinstance(p, str) for p in pii):
            raise ConfigError("customers.pii_fields", "must be a list of field names")
        window = data.get("fcr_window_h", 72)
        if not isinstance(window, int | float) or isinstance(window, bool) or window <= 0:
            raise ConfigError(
                "customers.fcr_window_h", f"must be a positive number, not {window!r}"
            )
        resolved = data.get("resolved_dispositions", ["resolved"])
        if not isinstance(resolved, list):
            raise ConfigError("customers.resolved_dispositions", "must be a list")
        return cls(
            country=country,
            pii_fields=frozenset(pii),
            fcr_window_s=float(window) * 3600.0,
            resolved_dispositions=frozenset(str(r) for r in resolved),
            retention=_retention(data.get("retention") or {}),
        )


def _retention(data: Any) -> dict[str, dict[str, int]]:
    if not isinstance(data, Mapping):
        raise ConfigError("customers.retention", "must be a mapping medium -> {pii_days, ...}")
    out: dict[str, dict[str, int]] = {}
    for medium, spec in data.items():
        path = f"customers.retention.{medium}"
        if medium not in MEDIA:
            raise ConfigError(path, f"unknown medium (known: {', '.join(MEDIA)})")
        if not isinstance(spec, Mapping):
            raise ConfigError(path, "must be a mapping")
        for key, days in spec.items():
            if key not in RETENTION_KEYS:
                raise ConfigError(
                    f"{path}.{key}", f"unknown key (known: {', '.join(RETENTION_KEYS)})"
                )
            if not isinstance(days, int) or isinstance(days, bool) or days < 0:
                raise ConfigError(f"{path}.{key}", f"must be whole days >= 0, not {days!r}")
        out[medium] = {k: int(v) for k, v in spec.items()}
    return out
