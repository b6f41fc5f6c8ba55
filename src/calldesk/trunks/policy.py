"""Toll-fraud safety: which outbound destinations may be dialled at all (the `outbound:` section).

Rules, applied in this order for a destination and the home country of the trunk that would
carry it:
1. it must be E.164 (`+` and 2-15 digits);
2. premium-rate numbers (`premium` patterns) are blocked unless an `allow_premium` pattern matches;
3. international numbers (another country code than the trunk's home, or for home `1` a NANP
   area code outside the US/Canada, e.g. +1876 Jamaica) are blocked unless an
   `allow_international` pattern matches;
4. anything else must match the `allow` list (default: the home country, `+<home>*`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.errors import ConfigError
from calldesk.trunks.config import _COUNTRY, _known, _list, _map, parse_patterns
from calldesk.trunks.patterns import Pattern, compile_pattern, first_match, is_e164

# Premium-rate ranges, as E.164 patterns. Replace the whole list with `outbound.premium`.
DEFAULT_PREMIUM: tuple[str, ...] = (
    "+1900NXXXXXX",  # NANP 900
    "+1NXX976XXXX",  # NANP 976 exchanges
    "+449*",  # UK 09 premium rate
    "+4487[1-3]*",  # UK 0871-0873 service numbers
    "+4470*",  # UK 070 personal numbers (a classic fraud range)
    "+3389*",  # France 089
    "+49900*",  # Germany 0900
    "+49137*",  # Germany 0137 televoting
    "+3989*",  # Italy 89x
    "+34[89]0[3-7]*",  # Spain 803-807 / 903-907
    "+979*",  # international premium rate service
    "+881*",  # global satellite networks
    "+882*",  # international networks
    "+883*",
)
# NANP area codes that are other countries (Caribbean, Bermuda): international from +1.
DEFAULT_NANP_FOREIGN: tuple[str, ...] = tuple(
    f"+1{npa}XXXXXXX"
    for npa in (
        "242",
        "246",
        "264",
        "268",
        "284",
        "345",
        "441",
        "473",
        "649",
        "658",
        "664",
        "721",
        "758",
        "767",
        "784",
        "809",
        "829",
        "849",
        "868",
        "869",
        "876",
    )
)
# Hangup causes after which the next trunk is tried: the carrier or the path failed, not the
# callee. USER_BUSY, NO_ANSWER, CALL_REJECTED, UNALLOCATED_NUMBER... are the callee's answer
# (or a wrong number) and another carrier would only repeat it, so they end the attempt.
DEFAULT_FAILOVER_CAUSES: frozenset[str] = frozenset(
    {
        "NORMAL_TEMPORARY_FAILURE",
        "GATEWAY_DOWN",
        "NO_ROUTE_DESTINATION",
        "NO_ROUTE_TRANSIT_NET",
        "NETWORK_OUT_OF_ORDER",
        "NORMAL_CIRCUIT_CONGESTION",
        "SWITCH_CONGESTION",
        "SERVICE_UNAVAILABLE",
        "RECOVERY_ON_TIMER_EXPIRE",
        "INCOMPATIBLE_DESTINATION",
        "BEARERCAPABILITY_NOTAVAIL",
        "DESTINATION_OUT_OF_ORDER",
    }
)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    code: str  # allowed | not_e164 | premium | international | not_allowed
    reason: str
    pattern: str = ""  # the pattern that decided, if any


@dataclass(frozen=True)
class OutboundPolicy:
    home_country: str = "1"
    allow: tuple[Pattern, ...] = ()
    premium: tuple[Pattern, ...] = ()
    allow_premium: tuple[Pattern, ...] = ()
    allow_international: tuple[Pattern, ...] = ()
    nanp_foreign: tuple[Pattern, ...] = ()
    failover_causes: frozenset[str] = DEFAULT_FAILOVER_CAUSES

    def is_international(self, number: str, country: str) -> bool:
        if not number.startswith("+" + country):
            return True
        return country == "1" and first_match(number, self.nanp_foreign) is not None

    def check(self, number: str, country: str | None = None) -> Verdict:
        country = country or self.home_country
        if not is_e164(number):
            return Verdict(False, "not_e164", f"{number!r} is not an E.164 number (+ and digits)")
        premium = first_match(number, self.premium)
        explicit = None
        if premium is not None:
            explicit = first_match(number, self.allow_premium)
            if explicit is None:
                return Verdict(
                    False, "premium", f"{number} is premium-rate ({premium.text})", premium.text
                )
        if self.is_international(number, country):
            explicit = first_match(number, self.allow_international)
            if explicit is None:
                return Verdict(
                    False,
                    "international",
                    f"{number} is international from country +{country} and not in "
                    "allow_international",
                )
        allowed = explicit or first_match(number, self.allow)
        if allowed is None:
            return Verdict(False, "not_allowed", f"{number} matches no allow-list pattern")
        return Verdict(True, "allowed", f"{number} allowed by {allowed.text}", allowed.text)


_KEYS = {
    "home_country",
    "allow",
    "premium",
    "allow_premium",
    "allow_international",
    "nanp_foreign",
    "failover_causes",
}


def parse_outbound(raw: Any, source: str | None = None) -> OutboundPolicy:
    """Validate the `outbound:` mapping (may be empty: secure defaults)."""
    try:
        d: Mapping[str, Any] = _map(raw if raw is not None else {}, "outbound")
        _known(d, _KEYS, "outbound")
        home = str(d.get("home_country", "1"))
        if not _COUNTRY.fullmatch(home):
            raise ConfigError("outbound.home_country", f"{home!r} is not a country code like 1")
        causes = DEFAULT_FAILOVER_CAUSES
        if "failover_causes" in d:
            items = _list(d["failover_causes"], "outbound.failover_causes")
            for i, c in enumerate(items):
                if not isinstance(c, str) or not c.isupper() or " " in c:
                    raise ConfigError(
                        f"outbound.failover_causes[{i}]", f"{c!r} is not a cause name"
                    )
                if c in ("USER_BUSY", "NO_ANSWER", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL"):
                    raise ConfigError(
                        f"outbound.failover_causes[{i}]",
                        f"{c} is the callee's answer; retrying it on another trunk rings them again",
                    )
            causes = frozenset(items)

        def pats(key: str, default: tuple[str, ...]) -> tuple[Pattern, ...]:
            if key in d:
                return parse_patterns(d[key], f"outbound.{key}")
            return tuple(compile_pattern(p) for p in default)

        return OutboundPolicy(
            home_country=home,
            allow=pats("allow", (f"+{home}*",)),
            premium=pats("premium", DEFAULT_PREMIUM),
            allow_premium=pats("allow_premium", ()),
            allow_international=pats("allow_international", ()),
            nanp_foreign=pats("nanp_foreign", DEFAULT_NANP_FOREIGN),
            failover_causes=causes,
        )
    except ConfigError as exc:
        raise ConfigError(exc.key_path, exc.reason, exc.source or source) from None
