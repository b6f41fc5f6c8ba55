"""The `trunks:` list of calldesk.yaml: SIP gateways, carrier ACLs, leg limits and DIDs -> flows.

Every refusal raises `ConfigError(key_path, reason)` with paths like `trunks[1].dids[0].flow`.
Secrets never live in the file: `username_env` / `password_env` name environment variables,
resolved here against the `env` mapping passed in (so tests pass a dict, never os.environ).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.errors import ConfigError
from calldesk.trunks.patterns import Pattern, PatternError, compile_pattern, is_e164

AUTH_MODES = ("registration", "digest", "ip")
ANSWER_MODES = ("answer", "pre_answer")
TRANSPORTS = ("udp", "tcp", "tls")
NUMBER_FORMATS = (
    "e164",
    "digits",
)  # how the trunk wants the dialled number: +15551234567 or 15551234567
_NAME = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,39}$")
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]*(:[0-9]{1,5})?$")
_CODEC = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.@\-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_COUNTRY = re.compile(r"^[1-9][0-9]{0,2}$")
_SECRET_KEYS = {"password", "username", "secret"}


@dataclass(frozen=True)
class Gateway:
    proxy: str
    auth: str  # registration | digest | ip
    username_env: str = ""
    password_env: str = ""
    username: str = ""  # resolved from the environment, never from the file
    password: str = ""
    realm: str = ""
    from_domain: str = ""
    transport: str = "udp"
    expire_seconds: int = 600
    ping_seconds: int = 30


@dataclass(frozen=True)
class Did:
    number: str  # E.164
    flow: str
    answer: str = "answer"  # answer | pre_answer
    queue_hint: str = ""


@dataclass(frozen=True)
class Trunk:
    name: str
    gateway: Gateway
    codecs: tuple[str, ...]
    max_legs: int
    acl: tuple[str, ...]  # normalised CIDRs
    country: str  # home country code, e.g. "1", "44"
    routes: tuple[Pattern, ...]  # destinations this trunk carries outbound
    dids: tuple[Did, ...]
    number_format: str = "e164"

    def dial_number(self, e164: str) -> str:
        return e164 if self.number_format == "e164" else e164.lstrip("+")

    @property
    def has_auth(self) -> bool:
        return self.gateway.auth in ("registration", "digest")


# --- small checkers ---------------------------------------------------------------------------
def _map(v: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ConfigError(path, f"expected a mapping, got {type(v).__name__}")
    return v


def _list(v: Any, path: str) -> list[Any]:
    if not isinstance(v, list):
        raise ConfigError(path, f"expected a list, got {type(v).__name__}")
    return v


def _str(v: Any, path: str, regex: re.Pattern[str] | None = None, what: str = "") -> str:
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(path, f"expected a non-empty string, got {v!r}")
    if regex is not None and not regex.fullmatch(v):
        raise ConfigError(path, f"{v!r} is not a valid {what or 'value'}")
    return v


def _int(v: Any, path: str, lo: int, hi: int | None = None) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise ConfigError(path, f"expected an integer, got {v!r}")
    if v < lo or (hi is not None and v > hi):
        raise ConfigError(path, f"must be between {lo} and {hi}" if hi else f"must be >= {lo}")
    return v


def _known(d: Mapping[str, Any], allowed: Collection[str], path: str) -> None:
    for k in d:
        if k in _SECRET_KEYS:
            raise ConfigError(
                f"{path}.{k}",
                f"secrets are never written in the file: use {k}_env to name an environment variable",
            )
        if k not in allowed:
            raise ConfigError(f"{path}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def parse_patterns(v: Any, path: str) -> tuple[Pattern, ...]:
    out = []
    for i, text in enumerate(_list(v, path)):
        try:
            out.append(compile_pattern(text))
        except PatternError as exc:
            raise ConfigError(f"{path}[{i}]", str(exc)) from None
    return tuple(out)


def parse_acl(v: Any, path: str) -> tuple[str, ...]:
    """IP addresses or CIDRs; the whole Internet (`0.0.0.0/0`, `::/0`) is refused."""
    out = []
    for i, item in enumerate(_list(v, path)):
        try:
            net = ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            raise ConfigError(f"{path}[{i}]", f"{item!r} is not an IP address or CIDR") from None
        if net.prefixlen == 0:
            raise ConfigError(f"{path}[{i}]", f"{item!r} allows the whole Internet")
        out.append(str(net))
    return tuple(out)


def _env_secret(
    d: Mapping[str, Any], key: str, path: str, env: Mapping[str, str]
) -> tuple[str, str]:
    name = _str(d.get(key), f"{path}.{key}", _ENV_NAME, "environment variable name")
    value = env.get(name, "")
    if not value:
        raise ConfigError(f"{path}.{key}", f"environment variable {name} is not set")
    if any(c in value for c in "\r\n\x00<>&\"'"):
        raise ConfigError(
            f"{path}.{key}", f"environment variable {name} holds a forbidden character"
        )
    return name, value


_GATEWAY_KEYS = {
    "proxy",
    "auth",
    "username_env",
    "password_env",
    "realm",
    "from_domain",
    "transport",
    "expire_seconds",
    "ping_seconds",
}


def _gateway(v: Any, path: str, env: Mapping[str, str]) -> Gateway:
    d = _map(v, path)
    _known(d, _GATEWAY_KEYS, path)
    auth = d.get("auth")
    if auth not in AUTH_MODES:
        raise ConfigError(f"{path}.auth", f"expected one of {', '.join(AUTH_MODES)}, got {auth!r}")
    kw: dict[str, Any] = {"proxy": _str(d.get("proxy"), f"{path}.proxy", _HOST, "host[:port]")}
    kw["auth"] = auth
    if auth == "ip":
        for k in ("username_env", "password_env"):
            if k in d:
                raise ConfigError(f"{path}.{k}", "IP-authenticated trunks take no credentials")
    else:
        kw["username_env"], kw["username"] = _env_secret(d, "username_env", path, env)
        kw["password_env"], kw["password"] = _env_secret(d, "password_env", path, env)
    for k in ("realm", "from_domain"):
        if k in d:
            kw[k] = _str(d[k], f"{path}.{k}", _HOST, "host name")
    if "transport" in d:
        if d["transport"] not in TRANSPORTS:
            raise ConfigError(f"{path}.transport", f"expected one of {', '.join(TRANSPORTS)}")
        kw["transport"] = d["transport"]
    if "expire_seconds" in d:
        kw["expire_seconds"] = _int(d["expire_seconds"], f"{path}.expire_seconds", 60, 86400)
    if "ping_seconds" in d:
        kw["ping_seconds"] = _int(d["ping_seconds"], f"{path}.ping_seconds", 0, 3600)
    return Gateway(**kw)


def _did(v: Any, path: str, known_flows: Collection[str] | None, default_answer: str) -> Did:
    if isinstance(v, str):
        raise ConfigError(
            path, f"DID {v!r} is mapped to no flow (write {{number: ..., flow: ...}})"
        )
    d = _map(v, path)
    _known(d, {"number", "flow", "answer", "queue_hint"}, path)
    number = d.get("number")
    if not isinstance(number, str) or not is_e164(number):
        raise ConfigError(f"{path}.number", f"{number!r} is not an E.164 number like +15551230000")
    if not d.get("flow"):
        raise ConfigError(f"{path}.flow", f"DID {number} is mapped to no flow")
    flow = _str(d["flow"], f"{path}.flow")
    if known_flows is not None and flow not in known_flows:
        known = ", ".join(sorted(known_flows)) or "none"
        raise ConfigError(
            f"{path}.flow", f"DID {number} maps to unknown flow {flow!r} (known: {known})"
        )
    answer = d.get("answer", default_answer)
    if answer not in ANSWER_MODES:
        raise ConfigError(f"{path}.answer", f"expected one of {', '.join(ANSWER_MODES)}")
    hint = d.get("queue_hint", "")
    return Did(number=number, flow=flow, answer=answer, queue_hint=str(hint))


_TRUNK_KEYS = {
    "name",
    "gateway",
    "codecs",
    "max_legs",
    "acl",
    "country",
    "routes",
    "dids",
    "number_format",
}


def _trunk(
    v: Any,
    path: str,
    env: Mapping[str, str],
    known_flows: Collection[str] | None,
    home_country: str,
    default_answer: str,
) -> Trunk:
    d = _map(v, path)
    _known(d, _TRUNK_KEYS, path)
    name = _str(d.get("name"), f"{path}.name", _NAME, "trunk name (lowercase, digits, - and _)")
    if "gateway" not in d:
        raise ConfigError(f"{path}.gateway", f"trunk {name!r} has no gateway")
    gateway = _gateway(d["gateway"], f"{path}.gateway", env)
    codecs = tuple(
        _str(c, f"{path}.codecs[{i}]", _CODEC, "codec name")
        for i, c in enumerate(_list(d.get("codecs", ["PCMU", "PCMA"]), f"{path}.codecs"))
    )
    if not codecs:
        raise ConfigError(f"{path}.codecs", "needs at least one codec")
    if "max_legs" not in d:
        raise ConfigError(f"{path}.max_legs", f"trunk {name!r} needs a concurrent-leg limit")
    acl = parse_acl(d.get("acl", []), f"{path}.acl")
    if not acl and gateway.auth == "ip":
        raise ConfigError(
            f"{path}.acl",
            f"trunk {name!r} has neither auth nor an ACL: anyone could send calls through it; "
            "list the carrier's addresses under acl or use registration/digest auth",
        )
    country = str(d.get("country", home_country))
    if not _COUNTRY.fullmatch(country):
        raise ConfigError(
            f"{path}.country", f"{country!r} is not an E.164 country code like 1 or 44"
        )
    number_format = d.get("number_format", "e164")
    if number_format not in NUMBER_FORMATS:
        raise ConfigError(f"{path}.number_format", f"expected one of {', '.join(NUMBER_FORMATS)}")
    return Trunk(
        number_format=number_format,
        name=name,
        gateway=gateway,
        codecs=codecs,
        max_legs=_int(d["max_legs"], f"{path}.max_legs", 1),
        acl=acl,
        country=country,
        routes=parse_patterns(d.get("routes", [f"+{country}*"]), f"{path}.routes"),
        dids=tuple(
            _did(x, f"{path}.dids[{i}]", known_flows, default_answer)
            for i, x in enumerate(_list(d.get("dids", []), f"{path}.dids"))
        ),
    )


def parse_trunks(
    raw: Any,
    *,
    env: Mapping[str, str],
    known_flows: Collection[str] | None = None,
    home_country: str = "1",
    default_answer: str = "answer",
    source: str | None = None,
) -> tuple[Trunk, ...]:
    """Validate the raw `trunks:` list. `known_flows=None` skips the flow-name check."""
    try:
        trunks = tuple(
            _trunk(t, f"trunks[{i}]", env, known_flows, home_country, default_answer)
            for i, t in enumerate(_list(raw or [], "trunks"))
        )
        names: set[str] = set()
        numbers: dict[str, str] = {}
        for i, t in enumerate(trunks):
            if t.name in names:
                raise ConfigError(f"trunks[{i}].name", f"duplicate trunk {t.name!r}")
            names.add(t.name)
            for j, did in enumerate(t.dids):
                if did.number in numbers:
                    raise ConfigError(
                        f"trunks[{i}].dids[{j}].number",
                        f"DID {did.number} is already carried by trunk {numbers[did.number]!r}",
                    )
                numbers[did.number] = t.name
    except ConfigError as exc:
        raise ConfigError(exc.key_path, exc.reason, exc.source or source) from None
    return trunks
