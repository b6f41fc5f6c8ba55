"""Write the journal entries a real interaction leaves (IVR, ACD, wrap-up), for customer tests."""

from __future__ import annotations

from typing import Any

from calldesk.store import Store


def interaction(
    store: Store,
    iid: str,
    at: float,
    *,
    medium: str = "voice",
    caller: str = "",
    variables: dict[str, Any] | None = None,
    queue: str = "billing",
    agent: str | None = "a1",
    wait: float = 12.0,
    talk: float = 120.0,
    disposition: str | None = "resolved",
    notes: str = "",
    flow: str = "main",
) -> None:
    j = store.journal
    variables = dict(variables or {})
    j.append("ivr.started", iid, {"flow": flow, "step": "greet", "variables": {}}, at)
    j.append("ivr.step", iid, {"flow": flow, "step": "menu", "variables": variables}, at + 1)
    j.append(
        "ivr.finished",
        iid,
        {"flow": flow, "step": "to_queue", "variables": variables, "status": "enqueued"},
        at + 2,
    )
    j.append(
        "interaction.arrived", iid, {"queue": queue, "medium": medium, "customer": caller}, at + 2
    )
    if agent is None:
        j.append(
            "interaction.abandoned",
            iid,
            {"queue": queue, "medium": medium, "wait": wait, "cause": "caller hung up"},
            at + 2 + wait,
        )
        return
    j.append(
        "interaction.offered",
        iid,
        {"queue": queue, "agent": agent, "offer": f"o-{iid}", "why": "longest idle"},
        at + 2 + wait - 1,
    )
    j.append(
        "interaction.answered",
        iid,
        {"queue": queue, "agent": agent, "medium": medium, "wait": wait},
        at + 2 + wait,
    )
    end = at + 2 + wait + talk
    j.append(
        "interaction.ended",
        iid,
        {"queue": queue, "agent": agent, "talk": talk, "cause": "hangup"},
        end,
    )
    j.append("agent.wrapup", agent, {"interaction": iid, "duration": 20.0}, end + 20)
    if disposition:
        j.append(
            "api.wrapup", agent, {"by": agent, "disposition": disposition, "notes": notes}, end + 20
        )
