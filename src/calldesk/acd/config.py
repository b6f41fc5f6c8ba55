"""Queues, agents, capacity and policy from plain dicts (the `acd:` part of calldesk.yaml).

Every refusal raises `ConfigError(key_path, reason)` with paths like `queues[2].skills[0].level`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from calldesk.acd import context as context_rules
from calldesk.acd.agents import AgentConfig, AgentPolicy
from calldesk.acd.capacity import DEFAULT_BLOCKS, DEFAULT_LIMITS, MEDIA, CapacityRules
from calldesk.acd.queues import OVERFLOW_ACTIONS, STRATEGIES, OverflowRule, QueueConfig
from calldesk.errors import ConfigError

_LEAVE_ACTIONS = ("voicemail", "flow", "exit")


@dataclass(frozen=True)
class AcdConfig:
    queues: tuple[QueueConfig, ...]
    agents: tuple[AgentConfig, ...]
    rules: CapacityRules
    policy: AgentPolicy


def _num(v: Any, path: str, *, lo: float | None = 0, integer: bool = False) -> Any:
    ok = isinstance(v, int) if integer else isinstance(v, int | float)
    if not ok or isinstance(v, bool):
        raise ConfigError(path, f"expected {'an integer' if integer else 'a number'}, got {v!r}")
    if lo is not None and v < lo:
        raise ConfigError(path, f"must be >= {lo}, got {v!r}")
    return v


def _str(v: Any, path: str) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ConfigError(path, f"expected a non-empty string, got {v!r}")
    return v


def _map(v: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise ConfigError(path, f"expected a mapping, got {type(v).__name__}")
    return v


def _list(v: Any, path: str) -> list[Any]:
    if not isinstance(v, list):
        raise ConfigError(path, f"expected a list, got {type(v).__name__}")
    return v


def _known_keys(d: Mapping[str, Any], allowed: set[str], path: str) -> None:
    for k in d:
        if k not in allowed:
            raise ConfigError(f"{path}.{k}", f"unknown key (allowed: {', '.join(sorted(allowed))})")


def _level(v: Any, path: str) -> int:
    v = _num(v, path, lo=1, integer=True)
    if v > 5:
        raise ConfigError(path, f"proficiency is 1..5, got {v}")
    return int(v)


def _skill_req(v: Any, path: str, known: set[str]) -> tuple[str, int]:
    if isinstance(v, str):
        name, level = v, 1
    else:
        d = _map(v, path)
        _known_keys(d, {"name", "level"}, path)
        name = _str(d.get("name"), f"{path}.name")
        level = _level(d.get("level", 1), f"{path}.level")
    if name not in known:
        raise ConfigError(path if isinstance(v, str) else f"{path}.name", f"unknown skill {name!r}")
    return name, level


def _overflow(v: Any, path: str, queue_names: set[str], known: set[str]) -> OverflowRule:
    d = _map(v, path)
    _known_keys(d, {"after_s", "action", "skills", "by", "target"}, path)
    action = d.get("action")
    if action not in OVERFLOW_ACTIONS:
        raise ConfigError(f"{path}.action", f"expected one of {', '.join(OVERFLOW_ACTIONS)}")
    skills = tuple(_list(d.get("skills", []), f"{path}.skills"))
    for i, s in enumerate(skills):
        if s not in known:
            raise ConfigError(f"{path}.skills[{i}]", f"unknown skill {s!r}")
    target = d.get("target", "")
    if action == "add_queue" and target not in queue_names:
        raise ConfigError(f"{path}.target", f"unknown queue {target!r}")
    if action in ("voicemail", "flow") and not target:
        raise ConfigError(f"{path}.target", f"{action} needs a target")
    return OverflowRule(
        after_s=float(_num(d.get("after_s"), f"{path}.after_s")),
        action=action,
        skills=skills,
        by=int(_num(d.get("by", 1), f"{path}.by", lo=1, integer=True)),
        target=str(target),
    )


_QUEUE_KEYS = {f.name for f in fields(QueueConfig)}


def _queue(v: Any, path: str, queue_names: set[str], known: set[str]) -> QueueConfig:
    d = _map(v, path)
    _known_keys(d, _QUEUE_KEYS, path)
    kw: dict[str, Any] = {"name": _str(d.get("name"), f"{path}.name")}
    kw["skills"] = tuple(
        _skill_req(s, f"{path}.skills[{i}]", known)
        for i, s in enumerate(_list(d.get("skills", []), f"{path}.skills"))
    )
    if "strategy" in d and d["strategy"] not in STRATEGIES:
        raise ConfigError(f"{path}.strategy", f"expected one of {', '.join(STRATEGIES)}")
    for k in ("priority", "aging_max", "max_size"):
        if d.get(k) is not None:
            kw[k] = _num(d[k], f"{path}.{k}", lo=None if k == "priority" else 0, integer=True)
    for k in (
        "sl_seconds",
        "max_wait_s",
        "wrap_up_s",
        "announce_every_s",
        "aging_every_s",
        "aht_s",
    ):
        if d.get(k) is not None:
            kw[k] = float(_num(d[k], f"{path}.{k}"))
    if "sl_target" in d:
        kw["sl_target"] = float(_num(d["sl_target"], f"{path}.sl_target"))
        if kw["sl_target"] > 1:
            raise ConfigError(f"{path}.sl_target", "a fraction between 0 and 1")
    for k in ("max_wait_action", "full_action"):
        if k in d and d[k] not in _LEAVE_ACTIONS:
            raise ConfigError(f"{path}.{k}", f"expected one of {', '.join(_LEAVE_ACTIONS)}")
    for k in (
        "strategy",
        "max_wait_action",
        "full_action",
        "max_wait_target",
        "full_target",
        "voicemail",
    ):
        if k in d:
            kw[k] = _str(d[k], f"{path}.{k}")
    breakout = _map(d.get("breakout", {}), f"{path}.breakout")
    for key, action in breakout.items():
        if action not in ("voicemail", "callback"):
            raise ConfigError(f"{path}.breakout.{key}", "expected voicemail or callback")
    kw["breakout"] = {str(k): a for k, a in breakout.items()}
    if "context" in d:
        kw["context"] = context_rules.parse(d["context"], f"{path}.context", known)
    kw["overflow"] = tuple(
        _overflow(o, f"{path}.overflow[{i}]", queue_names, known)
        for i, o in enumerate(_list(d.get("overflow", []), f"{path}.overflow"))
    )
    if list(kw["overflow"]) != sorted(kw["overflow"], key=lambda r: r.after_s):
        raise ConfigError(f"{path}.overflow", "rules must be in increasing after_s order")
    return QueueConfig(**kw)


def _limits(v: Any, path: str) -> dict[str, int]:
    d = _map(v, path)
    for m in d:
        if m not in MEDIA:
            raise ConfigError(f"{path}.{m}", f"unknown medium (known: {', '.join(MEDIA)})")
    return {m: int(_num(n, f"{path}.{m}", integer=True)) for m, n in d.items()}


def _agent(v: Any, path: str, queue_names: set[str], known: set[str]) -> AgentConfig:
    d = _map(v, path)
    _known_keys(d, {"id", "name", "contact", "skills", "queues", "capacity", "wrap_up_s"}, path)
    aid = _str(d.get("id"), f"{path}.id")
    if not d.get("contact"):
        raise ConfigError(f"{path}.contact", f"agent {aid!r} has no contact (e.g. user/1001)")
    skills = _map(d.get("skills", {}), f"{path}.skills")
    for s, lvl in skills.items():
        if s not in known:
            raise ConfigError(f"{path}.skills.{s}", f"unknown skill {s!r}")
        _level(lvl, f"{path}.skills.{s}")
    queues = _list(d.get("queues", []), f"{path}.queues")
    for i, q in enumerate(queues):
        if q not in queue_names:
            raise ConfigError(f"{path}.queues[{i}]", f"unknown queue {q!r}")
    wrap = d.get("wrap_up_s")
    return AgentConfig(
        id=aid,
        contact=_str(d["contact"], f"{path}.contact"),
        skills=dict(skills),
        queues=tuple(queues),
        capacity=_limits(d["capacity"], f"{path}.capacity") if "capacity" in d else None,
        wrap_up_s=None if wrap is None else float(_num(wrap, f"{path}.wrap_up_s")),
        name=str(d.get("name", "")),
    )


def _rules(v: Any, path: str) -> CapacityRules:
    d = _map(v, path)
    _known_keys(d, {"limits", "blocks"}, path)
    limits = dict(DEFAULT_LIMITS) | _limits(d.get("limits", {}), f"{path}.limits")
    blocks = DEFAULT_BLOCKS
    if "blocks" in d:
        pairs = []
        for i, b in enumerate(_list(d["blocks"], f"{path}.blocks")):
            if not (isinstance(b, list) and len(b) == 2 and all(m in MEDIA for m in b)):
                raise ConfigError(f"{path}.blocks[{i}]", "expected [active_medium, new_medium]")
            pairs.append((b[0], b[1]))
        blocks = frozenset(pairs)
    return CapacityRules(limits=limits, blocks=blocks)


def _policy(v: Any, path: str) -> AgentPolicy:
    d = _map(v, path)
    allowed = {f.name: f for f in fields(AgentPolicy)}
    _known_keys(d, set(allowed), path)
    kw: dict[str, Any] = {}
    for k, val in d.items():
        if k == "reject_counts_as_missed":
            if not isinstance(val, bool):
                raise ConfigError(f"{path}.{k}", "expected true or false")
            kw[k] = val
        else:
            kw[k] = _num(val, f"{path}.{k}", integer=k in ("rona_after", "callback_attempts"))
    return AgentPolicy(**kw)


def parse_acd(data: Mapping[str, Any], prefix: str = "") -> AcdConfig:
    """Build the ACD configuration; `prefix` is prepended to key paths (e.g. `acd.`)."""
    d = _map(data, prefix.rstrip(".") or "<root>")
    _known_keys(
        d, {"skills", "queues", "agents", "capacity", "policy"}, prefix.rstrip(".") or "<root>"
    )
    raw_queues = _list(d.get("queues", []), f"{prefix}queues")
    raw_agents = _list(d.get("agents", []), f"{prefix}agents")
    names: set[str] = set()
    for i, q in enumerate(raw_queues):
        name = _str(_map(q, f"{prefix}queues[{i}]").get("name"), f"{prefix}queues[{i}].name")
        if name in names:
            raise ConfigError(f"{prefix}queues[{i}].name", f"duplicate queue {name!r}")
        names.add(name)
    if "skills" in d:
        known = {
            _str(s, f"{prefix}skills[{i}]")
            for i, s in enumerate(_list(d["skills"], f"{prefix}skills"))
        }
    else:  # no declared list: the skills agents have are the known ones
        known = {s for a in raw_agents if isinstance(a, Mapping) for s in a.get("skills") or {}}
    queues = tuple(
        _queue(q, f"{prefix}queues[{i}]", names, known) for i, q in enumerate(raw_queues)
    )
    agents = tuple(
        _agent(a, f"{prefix}agents[{i}]", names, known) for i, a in enumerate(raw_agents)
    )
    seen: set[str] = set()
    for i, a in enumerate(agents):
        if a.id in seen:
            raise ConfigError(f"{prefix}agents[{i}].id", f"duplicate agent {a.id!r}")
        seen.add(a.id)
    rules = _rules(d.get("capacity", {}), f"{prefix}capacity")
    policy = _policy(d.get("policy", {}), f"{prefix}policy")
    return AcdConfig(queues=queues, agents=agents, rules=rules, policy=policy)
