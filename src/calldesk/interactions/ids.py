"""Interaction ids: opaque, unique, and never a leg uuid (a transfer or a callback changes legs)."""

from __future__ import annotations

import uuid

PREFIX = {"voice": "v", "chat": "c", "sms": "s", "email": "e"}


def new_interaction_id(medium: str) -> str:
    """`v-3f2a…` for voice, `c-…` chat, `s-…` SMS, `e-…` email, `x-…` anything else."""
    return f"{PREFIX.get(medium, 'x')}-{uuid.uuid4().hex}"
