"""Small builders for ACD tests."""

from __future__ import annotations

from typing import Any

from calldesk.acd import Acd, AgentConfig, AgentPolicy, CapacityRules, Offer, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.decisions import Decision


def agent(aid: str, *queues: str, skills: dict[str, int] | None = None, **kw: Any) -> AgentConfig:
    return AgentConfig(aid, f"user/{aid}", skills=skills or {}, queues=queues, **kw)


def make(
    queues: list[QueueConfig],
    agents: list[AgentConfig],
    *,
    ready: bool = True,
    policy: AgentPolicy | None = None,
    rules: CapacityRules | None = None,
    seed: int = 0,
) -> Acd:
    acd = Acd(queues, agents, policy=policy, rules=rules, seed=seed)
    if ready:
        for i, a in enumerate(agents):  # logged in one second apart: a0 idles longest
            acd.handle(ev.AgentLogin(a.id, ready=True), float(i))
    return acd


def offers(decisions: list[Decision]) -> list[Offer]:
    return [d for d in decisions if isinstance(d, Offer)]


def only_offer(decisions: list[Decision]) -> Offer:
    found = offers(decisions)
    assert len(found) == 1, decisions
    return found[0]


def kinds(decisions: list[Decision]) -> list[str]:
    return [type(d).__name__ for d in decisions]


def arrive(acd: Acd, iid: str, queue: str, now: float, **kw: Any) -> list[Decision]:
    return acd.handle(ev.InteractionArrived(iid, queue, **kw), now)


def journal_kinds(acd: Acd, subject: str | None = None) -> list[str]:
    return [r.kind for r in acd.journal if subject is None or r.subject == subject]
