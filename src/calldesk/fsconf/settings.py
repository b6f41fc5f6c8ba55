"""The `freeswitch:` section of calldesk.yaml, checked, with secure defaults.

Refusals are `ConfigError("freeswitch.<key>", reason)`: a default or weak ESL password, ESL
listening beyond loopback without an ACL, values that could break the XML.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.config import FORBIDDEN_PASSWORDS
from calldesk.errors import ConfigError
from calldesk.trunks.config import _CODEC, _ENV_NAME, ANSWER_MODES, parse_acl

DEFAULT_PASSWORDS = FORBIDDEN_PASSWORDS | {"ClueCon", "1234", "changeme", "secret", "freeswitch"}
MIN_PASSWORD = 12
_HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,252}$")
_FEATURE = re.compile(r"^[*#0-9]{1,6}$")
_LEVELS = ("debug", "info", "notice", "warning", "err", "crit", "alert")


# Say modules FreeSWITCH ships (src/mod/say/mod_say_*): a language needs one to `say` anything.
SAY_MODULES = frozenset("de en es es_ar fa fr he hr hu it ja nl pl pt ru sv th zh".split())
_LANG = re.compile(r"^[a-z]{2}(?:[_-][A-Za-z]{2,3})?$")


@dataclass(frozen=True)
class Language:
    """One `<language>` of the rendered `languages` section (what `say <name> ...` looks up)."""

    name: str  # what `say` names: `say en number pronounced 42`
    say_module: str  # mod_say_<say_module> speaks it
    sound_prefix: str  # where its digits/*.wav live
    tts_engine: str = "flite"
    tts_voice: str = "kal"


@dataclass(frozen=True)
class FsSettings:
    domain: str = "calldesk.local"
    esl_listen_ip: str = "127.0.0.1"
    esl_listen_port: int = 8021
    esl_password_env: str = "CALLDESK_ESL_PASSWORD"
    esl_password: str = ""  # resolved from the environment
    esl_acl: tuple[str, ...] = ()  # CIDRs allowed beyond loopback
    sip_ip: str = "auto"  # auto = $${local_ip_v4}
    ext_ip: str = "auto"  # address in SDP/Contact; auto = same as sip_ip
    agents_port: int = 5060
    agents_acl: tuple[str, ...] = ()  # where phones may register from; empty = anywhere (auth)
    trunks_port: int = 5080
    codecs: tuple[str, ...] = ("PCMU", "PCMA")
    max_sessions: int = 1000
    sessions_per_second: int | None = None  # None: sized from peak_calls_per_second (model.py)
    peak_calls_per_second: float = 10.0  # the traffic sessions_per_second is sized for
    languages: tuple[Language, ...] = ()  # `say` languages; empty: English only (parse_settings)
    rtp_start_port: int = 16384
    rtp_end_port: int = 32768
    moh_dir: str = "/usr/share/freeswitch/sounds/music/8000"
    answer: str = "answer"  # default for DIDs: answer | pre_answer
    secrets: str = "inline"  # inline | env (X-PRE-PROCESS env-set: secrets stay out of files)
    log_level: str = "info"
    avmd: bool = False
    supervisor_listen: str = "*1"
    supervisor_whisper: str = "*2"
    supervisor_barge: str = "*3"

    @property
    def esl_is_loopback(self) -> bool:
        return ipaddress.ip_address(self.esl_listen_ip).is_loopback


def _int(d: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    v = d.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ConfigError(f"freeswitch.{key}", f"expected an integer {lo}..{hi}, got {v!r}")
    return v


def _choice(d: Mapping[str, Any], key: str, default: str, choices: tuple[str, ...]) -> str:
    v = d.get(key, default)
    if v not in choices:
        raise ConfigError(f"freeswitch.{key}", f"expected one of {', '.join(choices)}, got {v!r}")
    return v


def _ip(d: Mapping[str, Any], key: str, default: str, allow_auto: bool) -> str:
    v = d.get(key, default)
    if allow_auto and v == "auto":
        return v
    try:
        return str(ipaddress.ip_address(str(v)))
    except ValueError:
        hint = " or auto" if allow_auto else ""
        raise ConfigError(f"freeswitch.{key}", f"{v!r} is not an IP address{hint}") from None


def check_password(value: str, where: str) -> None:
    if value in DEFAULT_PASSWORDS:
        raise ConfigError(where, "is a well-known default password (ClueCon, 1234, ...)")
    if len(value) < MIN_PASSWORD:
        raise ConfigError(where, f"is too short ({len(value)} < {MIN_PASSWORD} characters)")
    if any(c.isspace() or c in "\x00<>&\"'" for c in value):
        raise ConfigError(where, "may not hold whitespace or XML markup characters")


def parse_settings(raw: Any, env: Mapping[str, str]) -> FsSettings:
    d = raw if raw is not None else {}
    if not isinstance(d, Mapping):
        raise ConfigError("freeswitch", f"expected a mapping, got {type(d).__name__}")
    known = set(FsSettings.__dataclass_fields__) - {"esl_password"}
    for k in d:
        if k in ("esl_password", "password"):
            raise ConfigError(
                f"freeswitch.{k}", "secrets are never written in the file: use esl_password_env"
            )
        if k not in known:
            raise ConfigError(
                f"freeswitch.{k}", f"unknown key (allowed: {', '.join(sorted(known))})"
            )
    kw: dict[str, Any] = {}
    domain = d.get("domain", FsSettings.domain)
    if not isinstance(domain, str) or not _HOSTNAME.fullmatch(domain):
        raise ConfigError("freeswitch.domain", f"{domain!r} is not a host name")
    kw["domain"] = domain
    kw["esl_listen_ip"] = _ip(d, "esl_listen_ip", "127.0.0.1", allow_auto=False)
    kw["esl_listen_port"] = _int(d, "esl_listen_port", 8021, 1, 65535)
    kw["esl_acl"] = parse_acl(d.get("esl_acl", []), "freeswitch.esl_acl")
    if not ipaddress.ip_address(kw["esl_listen_ip"]).is_loopback and not kw["esl_acl"]:
        raise ConfigError(
            "freeswitch.esl_listen_ip",
            f"ESL would listen on {kw['esl_listen_ip']} beyond loopback without an ACL; "
            "list the controller's addresses in freeswitch.esl_acl",
        )
    name = d.get("esl_password_env", FsSettings.esl_password_env)
    if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
        raise ConfigError(
            "freeswitch.esl_password_env", f"{name!r} is not an environment variable name"
        )
    kw["esl_password_env"] = name
    kw["esl_password"] = env.get(name, "")
    if not kw["esl_password"]:
        raise ConfigError("freeswitch.esl_password_env", f"environment variable {name} is not set")
    check_password(kw["esl_password"], f"freeswitch.esl_password_env ({name})")
    kw["sip_ip"] = _ip(d, "sip_ip", "auto", allow_auto=True)
    kw["ext_ip"] = _ip(d, "ext_ip", "auto", allow_auto=True)
    kw["agents_port"] = _int(d, "agents_port", 5060, 1, 65535)
    kw["trunks_port"] = _int(d, "trunks_port", 5080, 1, 65535)
    if kw["agents_port"] == kw["trunks_port"]:
        raise ConfigError("freeswitch.trunks_port", "must differ from agents_port")
    kw["agents_acl"] = parse_acl(d.get("agents_acl", []), "freeswitch.agents_acl")
    codecs = d.get("codecs", list(FsSettings.codecs))
    if not isinstance(codecs, list) or not codecs:
        raise ConfigError("freeswitch.codecs", "expected a non-empty list of codec names")
    for i, c in enumerate(codecs):
        if not isinstance(c, str) or not _CODEC.fullmatch(c):
            raise ConfigError(f"freeswitch.codecs[{i}]", f"{c!r} is not a codec name")
    kw["codecs"] = tuple(codecs)
    kw["max_sessions"] = _int(d, "max_sessions", 1000, 1, 100000)
    if "sessions_per_second" in d:  # an override; otherwise model.py sizes it from the traffic
        kw["sessions_per_second"] = _int(d, "sessions_per_second", 30, 2, 10000)
    peak = d.get("peak_calls_per_second", FsSettings.peak_calls_per_second)
    if isinstance(peak, bool) or not isinstance(peak, int | float) or not 0 < peak <= 5000:
        raise ConfigError("freeswitch.peak_calls_per_second",
                          f"expected a number of calls per second in (0, 5000], got {peak!r}")  # fmt: skip
    kw["peak_calls_per_second"] = float(peak)
    kw["languages"] = parse_languages(d.get("languages", ["en"]))
    kw["rtp_start_port"] = _int(d, "rtp_start_port", 16384, 1024, 65534)
    kw["rtp_end_port"] = _int(d, "rtp_end_port", 32768, 1025, 65535)
    if kw["rtp_end_port"] <= kw["rtp_start_port"]:
        raise ConfigError("freeswitch.rtp_end_port", "must be above rtp_start_port")
    moh = d.get("moh_dir", FsSettings.moh_dir)
    if not isinstance(moh, str) or not moh.startswith("/") or any(c in moh for c in '\r\n\x00"<>&'):
        raise ConfigError("freeswitch.moh_dir", f"{moh!r} must be an absolute path")
    kw["moh_dir"] = moh
    kw["answer"] = _choice(d, "answer", "answer", ANSWER_MODES)
    kw["secrets"] = _choice(d, "secrets", "inline", ("inline", "env"))
    kw["log_level"] = _choice(d, "log_level", "info", _LEVELS)
    avmd = d.get("avmd", False)
    if not isinstance(avmd, bool):
        raise ConfigError("freeswitch.avmd", "expected true or false")
    kw["avmd"] = avmd
    codes = set()
    for key in ("supervisor_listen", "supervisor_whisper", "supervisor_barge"):
        v = d.get(key, getattr(FsSettings, key))
        if not isinstance(v, str) or not _FEATURE.fullmatch(v):
            raise ConfigError(f"freeswitch.{key}", f"{v!r} is not a feature code like *1")
        if v in codes:
            raise ConfigError(f"freeswitch.{key}", f"feature code {v} is used twice")
        codes.add(v)
        kw[key] = v
    return FsSettings(**kw)


def parse_languages(raw: Any) -> tuple[Language, ...]:
    """`freeswitch.languages`: `[en]` or `[{name: fr, sound_prefix: /path, say_module: fr,
    tts_engine: flite, tts_voice: kal}]`. English defaults to `$${sound_prefix}` (vars.xml)."""
    if not isinstance(raw, list) or not raw:
        raise ConfigError("freeswitch.languages", "expected a non-empty list of languages")
    out: list[Language] = []
    for i, item in enumerate(raw):
        path = f"freeswitch.languages[{i}]"
        d = {"name": item} if isinstance(item, str) else item
        if not isinstance(d, Mapping):
            raise ConfigError(path, f"expected a language code or a mapping, got {item!r}")
        unknown = set(d) - {"name", "say_module", "sound_prefix", "tts_engine", "tts_voice"}
        if unknown:
            raise ConfigError(f"{path}.{sorted(unknown)[0]}", "unknown key")
        name = d.get("name")
        if not isinstance(name, str) or not _LANG.fullmatch(name):
            raise ConfigError(f"{path}.name", f"{name!r} is not a language code like en or fr")
        if name in {x.name for x in out}:
            raise ConfigError(f"{path}.name", f"language {name} is listed twice")
        module = d.get("say_module", name.split("-")[0])
        if module not in SAY_MODULES:
            raise ConfigError(f"{path}.say_module",
                              f"no mod_say_{module} in FreeSWITCH (known: "
                              f"{', '.join(sorted(SAY_MODULES))})")  # fmt: skip
        prefix = d.get("sound_prefix", "$${sound_prefix}" if name == "en" else None)
        if prefix is None:
            raise ConfigError(f"{path}.sound_prefix",
                              f"language {name} needs the folder of its sound files")  # fmt: skip
        if not isinstance(prefix, str) or any(c in prefix for c in '\r\n\x00"<>&'):
            raise ConfigError(f"{path}.sound_prefix", f"{prefix!r} is not a path")
        tts = [d.get(k, getattr(Language, k)) for k in ("tts_engine", "tts_voice")]
        for k, v in zip(("tts_engine", "tts_voice"), tts, strict=True):
            if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]{1,40}", v):
                raise ConfigError(f"{path}.{k}", f"{v!r} is not a name")
        out.append(Language(name, module, prefix, tts[0], tts[1]))
    return tuple(out)
