"""Recording policy: per queue, campaign and agent, resolved to one decision. Pure: no IO, no clock.

Config (`recordings.policies`)::

    default: {mode: never}
    queues:    {sales: {mode: sampled, percent: 20, start: bridge, stereo: true, retention_days: 90}}
    campaigns: {renewals: {mode: always, announce: prompts/recorded.wav}}
    agents:    {a7: {mode: always}}          # e.g. an agent under coaching

Precedence, most specific first: agent, campaign, queue, default. A level that does not set a
key inherits it from the next one, so `agents: {a7: {stereo: true}}` only changes the channels.
`never` at a more specific level wins over `always` below it (an agent who may not be recorded).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calldesk.errors import ConfigError

MODES = ("always", "never", "on_demand", "sampled")
STARTS = ("bridge", "answer")
KEYS = {"mode", "percent", "start", "stereo", "announce", "retention_days"}


@dataclass(frozen=True)
class Policy:
    mode: str = "never"
    percent: float = 0.0  # sampled: share of interactions recorded
    start: str = "bridge"  # bridge (default) or answer (includes the IVR)
    stereo: bool = False  # RECORD_STEREO: caller left, agent right
    announce: str = ""  # prompt a flow step plays before recording starts ("" = none)
    retention_days: int | None = None  # None = keep until purged by hand


@dataclass(frozen=True)
class Decision:
    record: bool
    policy: Policy
    why: str  # which level decided and, for sampling, the draw

    @property
    def variables(self) -> dict[str, str]:
        """Leg variables to set before `uuid_record start`."""
        return {"RECORD_STEREO": "true" if self.policy.stereo else "false"}


def parse_level(raw: Any, path: str) -> dict[str, Any]:
    """Check one policy mapping; returns only the keys it sets."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(path, "must be a mapping")
    unknown = set(raw) - KEYS
    if unknown:
        raise ConfigError(
            f"{path}.{sorted(unknown)[0]}", f"unknown key (known: {', '.join(sorted(KEYS))})"
        )
    out = dict(raw)
    if "mode" in out and out["mode"] not in MODES:
        raise ConfigError(f"{path}.mode", f"must be one of {', '.join(MODES)}, not {out['mode']!r}")
    if "start" in out and out["start"] not in STARTS:
        raise ConfigError(f"{path}.start", f"must be bridge or answer, not {out['start']!r}")
    if "percent" in out:
        p = out["percent"]
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 100:
            raise ConfigError(f"{path}.percent", f"must be a number from 0 to 100, not {p!r}")
        out["percent"] = float(p)
    if "stereo" in out and not isinstance(out["stereo"], bool):
        raise ConfigError(f"{path}.stereo", "must be true or false")
    if "announce" in out and not isinstance(out["announce"], str):
        raise ConfigError(f"{path}.announce", "must be a prompt path")
    if "retention_days" in out:
        d = out["retention_days"]
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d < 1):
            raise ConfigError(
                f"{path}.retention_days", f"must be a whole number of days >= 1, not {d!r}"
            )
    if out.get("mode") == "sampled" and "percent" not in out:
        raise ConfigError(f"{path}.percent", "is required when mode is sampled")
    return out


@dataclass(frozen=True)
class PolicySet:
    default: Mapping[str, Any]
    queues: Mapping[str, Mapping[str, Any]]
    campaigns: Mapping[str, Mapping[str, Any]]
    agents: Mapping[str, Mapping[str, Any]]
    seed: str = "calldesk"

    @classmethod
    def from_config(
        cls, raw: Mapping[str, Any] | None, path: str = "recordings.policies"
    ) -> PolicySet:
        raw = raw or {}
        if not isinstance(raw, Mapping):
            raise ConfigError(path, "must be a mapping")
        unknown = set(raw) - {"default", "queues", "campaigns", "agents", "seed"}
        if unknown:
            raise ConfigError(f"{path}.{sorted(unknown)[0]}", "unknown key")

        def group(name: str) -> dict[str, dict[str, Any]]:
            g = raw.get(name) or {}
            if not isinstance(g, Mapping):
                raise ConfigError(f"{path}.{name}", "must be a mapping of name -> policy")
            return {str(k): parse_level(v, f"{path}.{name}.{k}") for k, v in g.items()}

        return cls(
            parse_level(raw.get("default"), f"{path}.default"),
            group("queues"),
            group("campaigns"),
            group("agents"),
            str(raw.get("seed", "calldesk")),
        )

    def resolve(
        self, *, queue: str | None = None, campaign: str | None = None, agent: str | None = None
    ) -> tuple[Policy, str]:
        """The merged policy and the name of the most specific level that set `mode`."""
        levels = [("default", self.default)]
        if queue is not None:
            levels.append((f"queue {queue}", self.queues.get(queue, {})))
        if campaign is not None:
            levels.append((f"campaign {campaign}", self.campaigns.get(campaign, {})))
        if agent is not None:
            levels.append((f"agent {agent}", self.agents.get(agent, {})))
        merged: dict[str, Any] = {}
        source = "default"
        for name, level in levels:
            merged.update(level)
            if "mode" in level:
                source = name
        return Policy(**merged), source

    def decide(
        self,
        interaction: str,
        *,
        queue: str | None = None,
        campaign: str | None = None,
        agent: str | None = None,
    ) -> Decision:
        """Record this interaction automatically? (on_demand means: not until someone asks.)"""
        policy, source = self.resolve(queue=queue, campaign=campaign, agent=agent)
        if policy.mode == "always":
            return Decision(True, policy, f"{source}: always")
        if policy.mode == "sampled":
            draw = sample_draw(self.seed, interaction)
            hit = draw < policy.percent
            return Decision(hit, policy, f"{source}: sampled {policy.percent:g}%, draw {draw:.2f}")
        return Decision(False, policy, f"{source}: {policy.mode}")


def sample_draw(seed: str, interaction: str) -> float:
    """A stable number in [0, 100) per (seed, interaction): the same call always draws the same."""
    digest = hashlib.sha256(f"{seed}\0{interaction}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100
