"""Identities: how a medium names a customer, normalized so the same person matches the same row.

Kinds: `phone` (E.164, parsed from the country of the trunk or DID), `email`, `chat` (a chat
visitor token), `account`, and any key a flow collects as `identity_<name>` (kind `<name>`).
Each is verified (a PIN checked by the IVR, a signed login token) or unverified (caller ID, a
From address, something typed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

from calldesk.errors import CalldeskError

BUILTIN = ("phone", "email", "chat", "account")
# Strength of a kind when it names a customer: an account number beats a flow key beats an
# email beats a chat token beats a phone number (caller ID is the easiest to share or spoof).
KIND_RANK = {"account": 5, "email": 3, "chat": 2, "phone": 1}
OTHER_RANK = 4
NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FLOW_PREFIX = "identity_"  # flow variable identity_<name>: an identity of kind <name>
VERIFIED_PREFIX = "verified_"  # flow variable verified_<name> truthy: that identity is verified


class IdentityError(CalldeskError):
    """An identity value that cannot be normalized: `kind: reason`."""


@dataclass(frozen=True, order=True)
class Identity:
    kind: str
    value: str
    verified: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.value)

    def rank(self) -> tuple[int, int]:
        """Strength: verified first, then the kind."""
        return (int(self.verified), KIND_RANK.get(self.kind, OTHER_RANK))

    def label(self) -> str:
        return f"{self.kind}:{self.value}{'' if self.verified else ' (unverified)'}"


def normalize_phone(raw: str, country: str = "US") -> str:
    text = str(raw).strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else country.upper())
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(f"phone: {text!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_possible_number(number):
        raise IdentityError(f"phone: {text!r} is not a possible number for {country.upper()}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    text = str(raw).strip().lower()
    if not EMAIL.match(text):
        raise IdentityError(f"email: {raw!r} is not an email address")
    return text


def normalize(kind: str, raw: Any, country: str = "US") -> str:
    """The canonical value of one identity; IdentityError names the kind and the reason."""
    kind = kind.strip().lower()
    if kind not in BUILTIN and not NAME.match(kind):
        raise IdentityError(f"{kind!r}: not an identity kind (letters, digits, _)")
    if raw is None or not str(raw).strip():
        raise IdentityError(f"{kind}: empty value")
    if kind == "phone":
        return normalize_phone(str(raw), country)
    if kind == "email":
        return normalize_email(str(raw))
    value = re.sub(r"\s+", "", str(raw))
    if len(value) > 200:
        raise IdentityError(f"{kind}: longer than 200 characters")
    return value if kind == "chat" else value.upper()


def identity(kind: str, raw: Any, verified: bool = False, country: str = "US") -> Identity:
    kind = kind.strip().lower()
    return Identity(kind, normalize(kind, raw, country), bool(verified))


def from_flow(variables: Mapping[str, Any], country: str = "US") -> list[Identity]:
    """Identities a flow marked: `identity_<name>` values, verified when `verified_<name>` is
    truthy. Values that do not normalize are skipped (a flow collected something odd)."""
    out = []
    for name, value in variables.items():
        if not name.startswith(FLOW_PREFIX) or value in (None, ""):
            continue
        kind = name[len(FLOW_PREFIX) :].lower()
        verified = bool(variables.get(f"{VERIFIED_PREFIX}{kind}"))
        try:
            out.append(identity(kind, value, verified, country))
        except IdentityError:
            continue
    return out


def guess(text: str, country: str = "US") -> Identity | None:
    """What a bare search term names: an email, a phone number, or nothing (an id or a name)."""
    text = text.strip()
    if "@" in text:
        try:
            return identity("email", text)
        except IdentityError:
            return None
    if re.fullmatch(r"\+?[\d\s().-]{5,20}", text):
        try:
            return identity("phone", text, country=country)
        except IdentityError:
            return None
    return None
