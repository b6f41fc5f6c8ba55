"""Agent and queue controls on the control channel, and the read-only live views.

Commands (args -> result): `agent.login {agent, ready?}`, `agent.logout {agent}`,
`agent.ready {agent}`, `agent.not_ready {agent, reason?}`, `queue.pause {queue}`,
`queue.resume {queue}`; each answers `{agent|queue, state}` or fails with the core's reason.
The views fold the store's journal (`calldesk.acd.stats`), so they work without a controller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from calldesk.acd import Acd
from calldesk.acd.config import AcdConfig, parse_acd
from calldesk.acd.stats import AgentView, QueueView, StatsFold
from calldesk.control import ControlBus, ControlError
from calldesk.store import Store

_ACD_KEYS = ("skills", "queues", "agents")


def acd_config(data: Mapping[str, Any]) -> AcdConfig:
    """The ACD part of calldesk.yaml: an `acd:` mapping, or top-level `skills`, `queues`,
    `agents`."""
    if isinstance(data.get("acd"), Mapping):
        return parse_acd(data["acd"], prefix="acd.")
    return parse_acd({k: data[k] for k in _ACD_KEYS if k in data})


def build_acd(data: Mapping[str, Any], seed: int = 0) -> Acd:
    """A fresh core from the configuration. A restart must use the same configuration and seed:
    the recorded inputs are replayed into it."""
    cfg = acd_config(data)
    return Acd(cfg.queues, cfg.agents, rules=cfg.rules, policy=cfg.policy, seed=seed)


def register_controls(bus: ControlBus, svc: Any) -> None:
    def agent_cmd(call: Callable[[str, dict[str, Any]], list[str]]) -> Any:
        def handler(args: dict[str, Any], actor: str) -> dict[str, Any]:
            agent = str(args.get("agent", ""))
            if agent not in svc.acd.agents:
                raise ControlError(f"unknown agent {agent!r}")
            ignored = call(agent, args)
            if ignored:
                raise ControlError("; ".join(ignored))
            a = svc.acd.agents[agent]
            return {"agent": agent, "state": a.state.value, "reason": a.reason}

        return handler

    def queue_cmd(call: Callable[[str], list[str]]) -> Any:
        def handler(args: dict[str, Any], actor: str) -> dict[str, Any]:
            queue = str(args.get("queue", ""))
            if queue not in svc.acd.queues:
                raise ControlError(f"unknown queue {queue!r}")
            ignored = call(queue)
            if ignored:
                raise ControlError("; ".join(ignored))
            paused = queue in svc.acd.router.paused
            return {"queue": queue, "state": "paused" if paused else "active"}

        return handler

    bus.register("agent.login", agent_cmd(lambda a, x: svc.login(a, bool(x.get("ready")))))
    bus.register("agent.logout", agent_cmd(lambda a, x: svc.logout(a)))
    bus.register("agent.ready", agent_cmd(lambda a, x: svc.ready(a)))
    bus.register(
        "agent.not_ready", agent_cmd(lambda a, x: svc.not_ready(a, str(x.get("reason") or "break")))
    )
    bus.register("queue.pause", queue_cmd(svc.pause))
    bus.register("queue.resume", queue_cmd(svc.resume))


def live_views(
    store: Store, cfg: AcdConfig | None, now: float
) -> tuple[list[QueueView], list[AgentView]]:
    """Per-queue and per-agent figures folded from the journal."""
    sl = {q.name: q.sl_seconds for q in cfg.queues} if cfg else {}
    fold = StatsFold(sl)
    for e in store.journal.read():
        if e.kind.startswith(("interaction.", "agent.")):
            fold.apply(e.at, e.kind, e.subject, e.data)
    if cfg is not None:
        for a in cfg.agents:
            fold.declare_agent(a.id, tuple(a.queues))
    queues = [q.name for q in cfg.queues] if cfg else sorted(fold.queues)
    agents = [a.id for a in cfg.agents] if cfg else sorted(fold.agents)
    return [fold.queue_view(q, now) for q in queues], [fold.agent_view(a, now) for a in agents]
