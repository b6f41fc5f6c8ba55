"""The hand-off of an interaction to the ACD: what it needs to queue it, and what the agent sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from calldesk.acd.events import CallbackRequested, Event, InteractionArrived


@dataclass(frozen=True)
class EnqueueRequest:
    """Everything the ACD needs to queue an interaction, and the agent to see what the flow
    learned. `address` is where the customer is on its medium: the leg uuid for voice, the
    thread id for text. Empty: the interaction id itself (old callers and tests that chose
    the leg uuid as the id)."""

    interaction_id: str
    medium: str
    queue: str
    priority: int
    skills: dict[str, int]
    language: str
    caller: dict[str, Any]
    variables: dict[str, Any]  # every flow variable; PCI ones masked
    data: dict[str, Any]  # the enqueue step's own data
    flow: str
    flow_version: str
    path: list[str]
    timeout: float | None = None
    callback_number: str | None = None
    address: str = ""
    context: dict[str, Any] = field(default_factory=dict)  # the flow's `context` (customer view)

    @property
    def where(self) -> str:
        return self.address or self.interaction_id

    def screen_pop(self) -> dict[str, Any]:
        return {**self.variables, **self.data, "caller": self.caller, "ivr_path": self.path}

    def arrival(self) -> InteractionArrived:
        """The ACD's `InteractionArrived` event for this request."""
        return InteractionArrived(
            interaction=self.interaction_id,
            queue=self.queue,
            medium=self.medium,
            customer=str(self.caller.get("id", "")),
            priority=self.priority,
            skills=dict(self.skills),
            data=self.screen_pop(),
            context=self.routing_context(),
        )

    def routing_context(self) -> dict[str, Any]:
        """What the ACD's context rules read, from the customer view a flow's `context` read of
        `customer:…` loaded (calldesk.customers.flowview): the customer record, its fields, the
        agent and the language of the last contact."""
        out: dict[str, Any] = {}
        customer = self.context.get("customer")
        if isinstance(customer, dict) and customer.get("id"):
            out["customer"] = str(customer["id"])
            out["fields"] = dict(customer.get("fields") or {})
        last = self.context.get("last")
        if isinstance(last, dict):
            for src, dst in (("agent", "last_agent"), ("language", "language")):
                if last.get(src):
                    out[dst] = str(last[src])
        return out

    def acd_events(self) -> list[Event]:
        """What the ACD core consumes: the arrival, then a callback request if one was left."""
        events: list[Event] = [self.arrival()]
        if self.callback_number:
            events.append(CallbackRequested(self.interaction_id, self.callback_number))
        return events


class Handoff(Protocol):
    def enqueue(self, request: EnqueueRequest) -> None: ...
