"""Scenario files (YAML): several queues and skills, agent groups and traffic streams.

```yaml
hours: 8
sl_seconds: 20
seed: 7
acd:                      # the same schema as the `acd:` part of calldesk.yaml
  skills: [sales, fr]
  queues: [{name: sales, skills: [sales]}, {name: french, skills: [{name: fr, level: 3}]}]
  agents: []              # optional named agents
agent_groups:             # many alike agents
  - {prefix: s, count: 12, queues: [sales], skills: {sales: 3}}
traffic:
  - {queue: sales, calls_per_hour: 240, aht_s: 200, patience_s: 90, handle: lognormal}
```
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from calldesk.acd import AgentPolicy
from calldesk.acd.config import parse_acd
from calldesk.errors import ConfigError
from calldesk.sim.virtual.model import HANDLE_MODELS, Scenario, Traffic

_TOP = {"hours", "sl_seconds", "seed", "acd", "agent_groups", "traffic"}
_TRAFFIC = {
    "queue",
    "calls_per_hour",
    "aht_s",
    "patience_s",
    "handle",
    "handle_sigma",
    "medium",
    "skills",
}


def _number(d: Mapping[str, Any], key: str, path: str, default: float | None = None) -> float:
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
        raise ConfigError(f"{path}.{key}" if path else key, f"expected a number >= 0, got {v!r}")
    return float(v)


def _groups(raw: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(raw, list):
        raise ConfigError("agent_groups", "expected a list", source)
    agents = []
    for i, g in enumerate(raw):
        path = f"agent_groups[{i}]"
        if not isinstance(g, Mapping):
            raise ConfigError(path, "expected a mapping", source)
        count = g.get("count")
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ConfigError(f"{path}.count", "expected an integer >= 0", source)
        prefix = str(g.get("prefix", f"g{i}-"))
        for n in range(count):
            agents.append(
                {
                    "id": f"{prefix}{n:03d}",
                    "contact": f"sim/{prefix}{n:03d}",
                    "skills": dict(g.get("skills", {})),
                    "queues": list(g.get("queues", [])),
                }
            )
    return agents


def scenario_from_dict(data: Mapping[str, Any], source: str | None = None) -> Scenario:
    """Build a scenario; every refusal names its key path and the file it came from."""
    try:
        return _build(data, source)
    except ConfigError as e:
        if e.source is None and source is not None:
            raise ConfigError(e.key_path, e.reason, source) from None
        raise


def _build(data: Mapping[str, Any], source: str | None) -> Scenario:
    if not isinstance(data, Mapping):
        raise ConfigError("<root>", "a scenario is a mapping", source)
    for k in data:
        if k not in _TOP:
            raise ConfigError(k, f"unknown key (allowed: {', '.join(sorted(_TOP))})", source)
    acd = dict(data.get("acd") or {})
    acd["agents"] = list(acd.get("agents", [])) + _groups(
        data.get("agent_groups", []), source or ""
    )
    acd.setdefault("policy", {"lease_s": 3600, "rona_after": 0})
    try:
        cfg = parse_acd(acd, prefix="acd.")
    except ConfigError as e:
        raise ConfigError(e.key_path, e.reason, source) from None
    names = {q.name for q in cfg.queues}
    traffic = []
    raw = data.get("traffic")
    if not isinstance(raw, list) or not raw:
        raise ConfigError("traffic", "expected a non-empty list of streams", source)
    for i, t in enumerate(raw):
        path = f"traffic[{i}]"
        if not isinstance(t, Mapping):
            raise ConfigError(path, "expected a mapping", source)
        for k in t:
            if k not in _TRAFFIC:
                raise ConfigError(f"{path}.{k}", "unknown key", source)
        if t.get("queue") not in names:
            raise ConfigError(f"{path}.queue", f"unknown queue {t.get('queue')!r}", source)
        handle = t.get("handle", "exponential")
        if handle not in HANDLE_MODELS:
            raise ConfigError(
                f"{path}.handle", f"expected one of {', '.join(HANDLE_MODELS)}", source
            )
        patience = t.get("patience_s")
        traffic.append(
            Traffic(
                queue=t["queue"],
                calls_per_hour=_number(t, "calls_per_hour", path),
                aht_s=_number(t, "aht_s", path, 180.0) or 1.0,
                patience_s=None if patience is None else _number(t, "patience_s", path) or None,
                handle=handle,
                handle_sigma=_number(t, "handle_sigma", path, 0.5),
                medium=str(t.get("medium", "voice")),
                skills=dict(t.get("skills", {})),
            )
        )
    policy = (
        cfg.policy
        if "policy" in (data.get("acd") or {})
        else AgentPolicy(lease_s=3600, rona_after=0)
    )
    return Scenario(
        queues=cfg.queues,
        agents=cfg.agents,
        traffic=tuple(traffic),
        hours=_number(data, "hours", "", 8.0),
        sl_seconds=_number(data, "sl_seconds", "", 20.0),
        seed=int(data.get("seed", 1)),
        rules=cfg.rules,
        policy=policy,
    )


def load_scenario(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError("<file>", f"not valid YAML: {e}", str(p)) from None
    return scenario_from_dict(data, str(p))
