"""From calldesk.yaml to the values the FreeSWITCH templates need. Every refusal names its key."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from calldesk.acd.config import parse_acd
from calldesk.auth import Directory
from calldesk.config import Config
from calldesk.errors import ConfigError
from calldesk.fsconf.credentials import SipCredentials
from calldesk.fsconf.settings import FsSettings, check_password, parse_settings
from calldesk.trunks import OutboundPolicy, Trunk, parse_outbound, parse_trunks

# The modules calldesk needs, in load order (loggers first, as FreeSWITCH's own configs do).
BASE_MODULES: tuple[str, ...] = (
    "mod_console", "mod_logfile",  # loggers
    "mod_event_socket",  # the controller's connection
    "mod_sofia", "mod_loopback",  # endpoints
    "mod_commands", "mod_dptools", "mod_hash",  # apps; mod_hash backs the `limit hash` app
    "mod_dialplan_xml",
    "mod_sndfile", "mod_native_file", "mod_local_stream", "mod_tone_stream",  # files, MOH, tones
    "mod_say_en",
    "mod_flite",  # the IVR speaks text prompts with `playback say:` and tts_engine=flite
)  # fmt: skip
# PCMU/PCMA/L16 are in the core. G722 and G726 come from mod_spandsp, like GSM (FreeSWITCH's own
# test_mod_opus requires mod_spandsp before it negotiates G722).
CODEC_MODULES = {"OPUS": "mod_opus", "G729": "mod_g729", "ILBC": "mod_ilbc", "SPEEX": "mod_speex",
                 "AMR": "mod_amr", "G723": "mod_g723_1", "GSM": "mod_spandsp",
                 "G722": "mod_spandsp", "G726": "mod_spandsp"}  # fmt: skip
_AGENT_ID = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")
_UNSAFE_TEXT = re.compile(r"[\x00-\x1f${}]")  # control chars, and FreeSWITCH variable expansion
_USER = re.compile(r"^user/([A-Za-z0-9_.\-]{1,40})(?:@[A-Za-z0-9.\-]+)?$")


@dataclass(frozen=True)
class DirectoryUser:
    user: str  # the SIP user / extension, e.g. 1001
    agent_id: str
    name: str
    password: str


@dataclass(frozen=True)
class StaffPhone:
    """A supervisor's or admin's phone (`users[].contact: user/NNNN`): supervision originates
    `user/NNNN`, which only resolves if the directory knows the user."""

    user: str
    user_id: str
    name: str
    password: str


@dataclass(frozen=True)
class FsModel:
    settings: FsSettings
    trunks: tuple[Trunk, ...]
    outbound: OutboundPolicy
    users: tuple[DirectoryUser, ...]
    modules: tuple[str, ...]
    skipped_agents: tuple[str, ...]  # agents whose contact is not a directory user
    staff: tuple[StaffPhone, ...] = ()

    def context(self) -> dict[str, Any]:
        # esl_fallback: with secrets: env, the ESL password FreeSWITCH keeps if the variable is
        # missing from its environment (mod_event_socket would use ClueCon for an empty one).
        # Random per render and stored nowhere: nobody can log in with it.
        return {"fs": self.settings, "trunks": self.trunks, "users": self.users,
                "staff": self.staff, "modules": self.modules,
                "esl_fallback": secrets.token_urlsafe(32)}  # fmt: skip


def directory_user(contact: str) -> str | None:
    """`user/1001` or `user/1001@domain` -> `1001`; other contacts have no directory user."""
    m = _USER.fullmatch(contact)
    return m.group(1) if m else None


def known_flow_names(flows_dir: Path) -> set[str]:
    """Flow names declared in `ivrflows/*.yaml` (the `flow:` key, else the file's stem)."""
    names = set()
    for path in sorted(flows_dir.glob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError):
            continue  # the IVR loader reports broken flows with file and line
        if isinstance(data, Mapping) and isinstance(data.get("flow"), str):
            names.add(data["flow"])
        else:
            names.add(path.stem)
    return names


def _modules(settings: FsSettings, trunks: tuple[Trunk, ...]) -> tuple[str, ...]:
    mods = list(BASE_MODULES)
    codecs = set(settings.codecs) | {c for t in trunks for c in t.codecs}
    for codec in sorted(codecs):
        name = codec.split("@")[0].upper()
        mod = CODEC_MODULES.get(name) or CODEC_MODULES.get(name.removeprefix("AAL2-")[:4])
        if mod and mod not in mods:
            mods.append(mod)
    for lang in settings.languages:
        if f"mod_say_{lang.say_module}" not in mods:
            mods.append(f"mod_say_{lang.say_module}")
    if settings.avmd:
        mods.append("mod_avmd")
    return tuple(mods)


FS_DEFAULT_SPS = 30  # switch_core.c: runtime.sps_total when switch.conf sets none


def legs_per_call(agent_contacts: Collection[str]) -> int:
    """Sessions one queued call creates: the caller's leg, plus its agent leg, which counts
    twice when the agent is reached over loopback/ (loopback makes an -a and a -b session)."""
    loopback = any(c.startswith("loopback/") for c in agent_contacts)
    return 1 + (2 if loopback else 1)


def size_sessions_per_second(peak_cps: float, agent_contacts: Collection[str]) -> int:
    """switch.conf sessions-per-second for `peak_cps` calls a second: legs per call x peak,
    half again for bursts (supervision, callbacks, retries), plus one because FreeSWITCH's
    throttle admits N-1 sessions a second (originate-failures trace); never below FS's 30."""
    need = math.ceil(peak_cps * legs_per_call(agent_contacts) * 1.5) + 1
    return max(FS_DEFAULT_SPS, need)


def build_model(
    data: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    credentials: SipCredentials,
    known_flows: Collection[str] | None,
) -> FsModel:
    """`data` is `Config.data`; raises ConfigError naming the key path."""
    settings = parse_settings(data.get("freeswitch"), env)
    outbound = parse_outbound(data.get("outbound"))
    trunks = parse_trunks(
        data.get("trunks"),
        env=env,
        known_flows=known_flows,
        home_country=outbound.home_country,
        default_answer=settings.answer,
    )
    acd = parse_acd({"queues": data.get("queues") or [], "agents": data.get("agents") or []})
    users, skipped, seen = [], [], {}
    for i, agent in enumerate(acd.agents):
        user = directory_user(agent.contact)
        if user is None:
            skipped.append(agent.id)
            continue
        if user in seen:
            raise ConfigError(f"agents[{i}].contact", f"user {user} is also agent {seen[user]!r}")
        seen[user] = agent.id
        if not _AGENT_ID.fullmatch(agent.id):
            raise ConfigError(f"agents[{i}].id", f"{agent.id!r}: use letters, digits, . _ - @")
        if _UNSAFE_TEXT.search(agent.name):
            raise ConfigError(f"agents[{i}].name", "may not hold control characters, $, { or }")
        password = credentials.get_or_create(user, settings.domain)
        check_password(password, f"sip_credentials[{user}@{settings.domain}]")
        users.append(DirectoryUser(user, agent.id, agent.name or agent.id, password))
    staff = _staff(data, seen, settings.domain, credentials)
    if settings.sessions_per_second is None:
        contacts = [a.contact for a in acd.agents]
        settings = replace(settings, sessions_per_second=size_sessions_per_second(
            settings.peak_calls_per_second, contacts))  # fmt: skip
    return FsModel(settings, trunks, outbound, tuple(users), _modules(settings, trunks),
                   tuple(skipped), staff)  # fmt: skip


def _staff(
    data: Mapping[str, Any], taken: Mapping[str, str], domain: str, credentials: SipCredentials
) -> tuple[StaffPhone, ...]:
    """Directory users for `users:` whose contact is `user/NNNN` (supervisors, admins). A number
    an agent already has is that agent's phone: it is not added twice."""
    raw_users = data.get("users") or []
    directory = Directory.from_config(raw_users, data.get("teams") or [])
    out: list[StaffPhone] = []
    seen = set(taken)
    for i, raw in enumerate(raw_users):
        u = directory.users[raw["id"]]
        user = directory_user(u.contact) if u.contact else None
        if user is None or user in seen:
            continue
        if not _AGENT_ID.fullmatch(u.id):
            raise ConfigError(f"users[{i}].id", f"{u.id!r}: use letters, digits, . _ - @")
        if _UNSAFE_TEXT.search(u.name):
            raise ConfigError(f"users[{i}].name", "may not hold control characters, $, { or }")
        seen.add(user)
        password = credentials.get_or_create(user, domain)
        check_password(password, f"sip_credentials[{user}@{domain}]")
        out.append(StaffPhone(user, u.id, u.name or u.id, password))
    return tuple(out)


def build_from_config(
    config: Config, *, env: Mapping[str, str], credentials: SipCredentials
) -> FsModel:
    flows_dir = config.path("flows.dir")
    flows = known_flow_names(flows_dir) if flows_dir.is_dir() else None
    try:
        return build_model(config.data, env=env, credentials=credentials, known_flows=flows)
    except ConfigError as exc:
        raise ConfigError(exc.key_path, exc.reason, exc.source or config.source) from None
