"""Interaction ids: opaque, unique, and never a leg uuid (a transfer or a callback changes legs)."""

from __future__ import annotations

from calldesk.uid import time_hex_id

PREFIX = {"voice": "v", "chat": "c", "sms": "s", "email": "e"}


def new_interaction_id(medium: str) -> str:
    """`v-19ae3…` for voice, `c-…` chat, `s-…` SMS, `e-…` email, `x-…` anything else: 32 hex
    digits, the time first (ordered by creation: see calldesk.uid), then 84 random bits."""
    return f"{PREFIX.get(medium, 'x')}-{time_hex_id()}"
