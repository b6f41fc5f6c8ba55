"""Agent and queue commands on the store inbox, and the read-only live views.

Commands (args -> result): `agent.login {agent, ready?}`, `agent.logout {agent}`,
`agent.ready {agent}`, `agent.not_ready {agent, reason?}`, `queue.pause {queue}`,
`queue.resume {queue}`; each answers `{agent|queue, state}` or fails with the service's reason
(permission, unknown name, or the core's refusal). The views are the journal's read model, so
they work without a controller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from calldesk.acd import Acd
from calldesk.acd.config import AcdConfig, parse_acd
from calldesk.acd.stats import AgentView, QueueView, StatsFold
from calldesk.control import ControlBus
from calldesk.store import Store
from calldesk.views import LiveViews

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


def register_controls(bus: ControlBus, services: Any) -> None:
    """The agent and queue commands as one adapter of the service API (`calldesk.service`):
    the actor is resolved to a user, the service checks and acts; nothing else happens here."""

    def agent_cmd(call: Callable[[Any, str, dict[str, Any]], dict[str, Any]]) -> Any:
        def handler(args: dict[str, Any], actor: str) -> dict[str, Any]:
            v = call(services.user(actor), str(args.get("agent", "")), args)
            return {"agent": v["id"], "state": v["state"], "reason": v["reason"]}

        return handler

    def queue_cmd(call: Callable[[Any, str], dict[str, Any]]) -> Any:
        def handler(args: dict[str, Any], actor: str) -> dict[str, Any]:
            v = call(services.user(actor), str(args.get("queue", "")))
            return {"queue": v["name"], "state": "paused" if v["paused"] else "active"}

        return handler

    ag, qs = services.agents, services.queues
    bus.register("agent.login", agent_cmd(lambda u, a, x: ag.login(u, a, bool(x.get("ready")))))
    bus.register("agent.logout", agent_cmd(lambda u, a, x: ag.logout(u, a)))
    bus.register("agent.ready", agent_cmd(lambda u, a, x: ag.set_state(u, a, "ready")))
    bus.register("agent.not_ready", agent_cmd(
        lambda u, a, x: ag.set_state(u, a, "not_ready", str(x.get("reason") or "break"))))  # fmt: skip
    bus.register("queue.pause", queue_cmd(qs.pause))
    bus.register("queue.resume", queue_cmd(qs.resume))


def live_views(
    store: Store, cfg: AcdConfig | None, now: float
) -> tuple[list[QueueView], list[AgentView]]:
    """Per-queue and per-agent figures: the live read model (`calldesk.views`) caught up from the
    journal once, for a process (the CLI) that has no notifier to follow."""
    if cfg is None:
        fold = StatsFold()
        for e in store.journal.read():
            if e.kind.startswith(("interaction.", "agent.")):
                fold.apply(e.at, e.kind, e.subject, e.data)
        return ([fold.queue_view(q, now) for q in sorted(fold.queues)],
                [fold.agent_view(a, now) for a in sorted(fold.agents)])  # fmt: skip
    views = LiveViews(cfg, lambda: now).load(store.journal)
    return [views.queue(q.name) for q in cfg.queues], [views.agent(a.id) for a in cfg.agents]
