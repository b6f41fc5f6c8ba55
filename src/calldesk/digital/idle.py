"""The idle policy, pure: remind a silent customer after N seconds, close after M."""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.digital.model import Conversation


@dataclass(frozen=True)
class IdlePolicy:
    remind_after_s: float = 300.0  # 0 = never
    close_after_s: float = 900.0  # 0 = never
    reminder: str = "Are you still there?"
    closing: str = "We closed this conversation because it was quiet. Write again any time."


def idle_decision(conv: Conversation, policy: IdlePolicy, now: float) -> str | None:
    """'remind', 'close' or None. Only a conversation with an agent that waits on the customer
    (the last message went to them) is idle; the clock runs from that last message."""
    if conv.state != "connected" or conv.last_out_at <= conv.last_in_at:
        return None
    silent = now - conv.last_out_at
    if policy.close_after_s and silent >= policy.close_after_s:
        return "close"
    if policy.remind_after_s and silent >= policy.remind_after_s and not conv.reminded_at:
        return "remind"
    return None
