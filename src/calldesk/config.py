"""calldesk.yaml: defaults -> file -> environment -> CLI. Every refusal names the key path.

Environment: `CALLDESK_<SECTION>_<KEY>` sets a scalar (e.g. `CALLDESK_STORE_PATH`,
`CALLDESK_HTTP_PORT`); `CALLDESK_ESL_URL=esl://:password@host:port` replaces the switch list with
one switch. CLI overrides arrive as `{"store.path": "x.sqlite"}`.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from calldesk.errors import ConfigError

FORBIDDEN_PASSWORDS = {"ClueCon", "1234", "password", "admin"}

# The schema: a dict is a section; a tuple is (type, default); a list [spec] is a list of specs.
SWITCH = {
    "name": (str, None),
    "host": (str, "127.0.0.1"),
    "port": (int, 8021),
    "password": (str, ""),
    "password_env": (str, ""),
    "command_timeout": (float, 5.0),
    "connect_timeout": (float, 5.0),
}
SCHEMA: dict[str, Any] = {
    "switches": [SWITCH],
    "store": {"path": (str, "var/calldesk.sqlite")},
    "http": {
        "host": (str, "127.0.0.1"),
        "port": (int, 8080),
        "enabled": (bool, True),  # `serve` runs the HTTP API (calldesk.web)
        "tls_cert": (str, ""),
        "tls_key": (str, ""),
        "allow_plain": (bool, False),  # a non-loopback bind without TLS is refused unless set
        "metrics_token_env": (str, ""),  # /metrics: this bearer token, or loopback clients only
        "max_body": (int, 65536),
    },
    # Reason and disposition codes offered to agents (checked by the service API).
    "codes": {
        "not_ready_reasons": (list, ["break", "lunch", "training", "meeting", "login"]),
        "dispositions": (list, ["resolved", "follow_up", "escalated", "wrong_number"]),
    },
    "webhooks": (list, []),  # checked by calldesk.web.webhooks
    "flows": {
        "dir": (str, "ivrflows"),
        "prompts_dir": (str, "prompts"),
        "reload_interval": (float, 2.0),
        # The flow a `voicemail` overflow or breakout key without a target runs on the caller.
        "voicemail": (str, "voicemail"),
        # A caller whose flow cannot run (no flow for the number, a step failing at run time):
        # queue:NAME, flow:NAME or hangup (after fallback_prompt). Never silence.
        "fallback": (str, "hangup"),
        "fallback_prompt": (str, "ivr/ivr-call_cannot_be_completed_as_dialed.wav"),
    },
    # New callers are turned away busy while the controller reads its switches' events more
    # than `shed_lag_s` late (0: never), until the lag is under `resume_lag_s` (real seconds);
    # `busy_prompt` is played before the hangup ("": none, the caller hears busy).
    "intake": {
        "shed_lag_s": (float, 1.5),
        "resume_lag_s": (float, 0.5),
        "busy_prompt": (str, "ivr/ivr-all_circuits_busy.wav"),
    },
    "recordings": {
        "dir": (str, "var/recordings"),
        "template": (str, "{{ date:%Y/%m/%d }}/{{ interaction }}-{{ leg }}.wav"),
        "policies": (dict, {}),  # checked by calldesk.recording.policy
    },
    "supervision": (dict, {}),  # checked by calldesk.supervision.settings
    "log": {"level": (str, "INFO")},
    "queues": (list, []),
    "agents": (list, []),
    "trunks": (list, []),
    "outbound": (dict, {}),  # toll-fraud allow-list and failover; checked by calldesk.trunks
    "freeswitch": (dict, {}),  # rendered FreeSWITCH settings; checked by calldesk.fsconf
    "campaigns": (list, []),  # outbound campaigns; checked by calldesk.dialer.config
    "teams": (list, []),
    "users": (list, []),
    "customers": (dict, {}),  # identity, privacy and retention; checked by calldesk.customers
    "digital": (dict, {}),  # chat, SMS and email; checked by calldesk.digital.settings
    "demo": {"time_scale": (float, 20.0), "calls": (int, 50), "agents": (int, 5)},
}


def _check(value: Any, spec: Any, path: str) -> Any:
    if isinstance(spec, dict):
        if value is None:
            value = {}
        if not isinstance(value, Mapping):
            raise ConfigError(path or "(top)", f"must be a mapping, not {type(value).__name__}")
        unknown = sorted(set(value) - set(spec))
        if unknown:
            raise ConfigError(
                f"{path}.{unknown[0]}".lstrip("."), f"unknown key (known: {', '.join(spec)})"
            )
        return {k: _check(value.get(k), s, f"{path}.{k}".lstrip(".")) for k, s in spec.items()}
    if isinstance(spec, list):
        if value is None:
            return []
        if not isinstance(value, list):
            raise ConfigError(path, "must be a list")
        return [_check(item, spec[0], f"{path}[{i}]") for i, item in enumerate(value)]
    kind, default = spec
    if value is None:
        if default is None:
            raise ConfigError(path, "is required")
        return copy.deepcopy(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(path, f"must be {kind.__name__}, not {type(value).__name__} ({value!r})")
    return value


def _merge(base: dict, over: Mapping) -> dict:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _coerce_text(text: str, spec: Any, path: str) -> Any:
    kind = spec[0] if isinstance(spec, tuple) else None
    if kind is None:
        return text
    try:
        if kind is bool:
            if text.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("1", "true", "yes")
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
    except ValueError as exc:
        raise ConfigError(path, f"must be {kind.__name__}, not {text!r}") from exc
    return text


def parse_esl_url(url: str, path: str = "CALLDESK_ESL_URL") -> dict:
    """`esl://:password@host:port` -> one switch entry."""
    shape = "must look like esl://:password@host:port"
    try:
        parsed = urlparse(url)
        port = parsed.port
    except ValueError as exc:  # a port that is not a number, or out of range
        raise ConfigError(path, f"{shape}: {exc}") from None
    if parsed.scheme != "esl" or not parsed.hostname:
        raise ConfigError(path, f"{shape}, not {_masked(url)!r}")
    return {
        "name": "fs1",
        "host": parsed.hostname,
        "port": port or 8021,
        "password": unquote(parsed.password or ""),
    }


def _masked(url: str) -> str:
    """The URL without its password, for error messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, sep, _ = head.partition("://")
    return f"{scheme}{sep}:***@{tail}"


def _env_layer(env: Mapping[str, str]) -> dict:
    layer: dict[str, Any] = {}
    if env.get("CALLDESK_ESL_URL"):
        layer["switches"] = [parse_esl_url(env["CALLDESK_ESL_URL"])]
    for section, spec in SCHEMA.items():
        if not isinstance(spec, dict):
            continue
        for key, sub in spec.items():
            name = f"CALLDESK_{section}_{key}".upper()
            if name in env:
                layer.setdefault(section, {})[key] = _coerce_text(
                    env[name], sub, f"{section}.{key}"
                )
    return layer


def _cli_layer(overrides: Mapping[str, Any]) -> dict:
    layer: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, key = dotted.partition(".")
        spec = SCHEMA.get(section)
        if not isinstance(spec, dict) or key not in spec:
            raise ConfigError(dotted, "unknown key")
        if isinstance(value, str):
            value = _coerce_text(value, spec[key], dotted)
        layer.setdefault(section, {})[key] = value
    return layer


@dataclass
class Config:
    data: dict
    source: str | None = None
    base_dir: Path = Path(".")

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def path(self, dotted: str) -> Path:
        """A path setting resolved against the config file's folder."""
        section, _, key = dotted.partition(".")
        p = Path(self.data[section][key])
        return p if p.is_absolute() else self.base_dir / p


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _check_values(data: dict) -> None:
    """Checks the schema's types cannot express."""
    level = data["log"]["level"]
    if level.upper() not in LOG_LEVELS:
        raise ConfigError("log.level", f"must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    for key in ("calls", "agents"):
        if data["demo"][key] < 1:
            raise ConfigError(f"demo.{key}", f"must be at least 1, not {data['demo'][key]}")
    if not data["demo"]["time_scale"] > 0:
        raise ConfigError("demo.time_scale", f"must be > 0, not {data['demo']['time_scale']}")


def _resolve_passwords(data: dict, env: Mapping[str, str]) -> None:
    names = set()
    for i, sw in enumerate(data["switches"]):
        path = f"switches[{i}]"
        if sw["name"] in names:
            raise ConfigError(f"{path}.name", f"duplicate switch name {sw['name']!r}")
        names.add(sw["name"])
        if sw["password_env"]:
            sw["password"] = env.get(sw["password_env"], "")
            if not sw["password"]:
                raise ConfigError(
                    f"{path}.password_env", f"environment variable {sw['password_env']} is not set"
                )
        if not sw["password"]:
            raise ConfigError(f"{path}.password", "is empty; set password_env or CALLDESK_ESL_URL")
        if sw["password"] in FORBIDDEN_PASSWORDS:
            raise ConfigError(
                f"{path}.password", "is a well-known default password; choose a strong one"
            )


def load_config(
    path: str | os.PathLike | None = None,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    require_switch: bool = False,
) -> Config:
    """Load and check the configuration. `path=None` uses ./calldesk.yaml if it exists."""
    env = os.environ if env is None else env
    source: str | None = None
    file_data: dict = {}
    if path is None and Path("calldesk.yaml").exists():
        path = "calldesk.yaml"
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise ConfigError("(file)", f"cannot read: {exc.strerror}", source) from exc
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(unknown line)"
            raise ConfigError(
                where, f"YAML syntax error: {getattr(exc, 'problem', exc)}", source
            ) from exc
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError("(top)", "must be a mapping", source)
        file_data = loaded or {}
    merged = _merge(_merge(file_data, _env_layer(env)), _cli_layer(overrides or {}))
    try:
        data = _check(merged, SCHEMA, "")
        _check_values(data)
        _resolve_passwords(data, env)
        if require_switch and not data["switches"]:
            raise ConfigError("switches", "no switch configured (or set CALLDESK_ESL_URL)")
    except ConfigError as exc:
        exc.source = exc.source or source
        raise ConfigError(exc.key_path, exc.reason, exc.source) from None
    base = Path(source).parent if source else Path(".")
    return Config(data, source, base)
