"""Interaction ids: opaque, unique, and never a leg uuid (a transfer or a callback changes legs)."""

from __future__ import annotations

from calldesk.uid import hex_id

PREFIX = {"voice": "v", "chat": "c", "sms": "s", "email": "e"}


def new_interaction_id(medium: str) -> str:
    """`v-3f2a…` for voice, `c-…` chat, `s-…` SMS, `e-…` email, `x-…` anything else."""
    return f"{PREFIX.get(medium, 'x')}-{hex_id()}"
