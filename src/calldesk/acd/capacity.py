"""Per-medium capacity and the cross-media blocking rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

MEDIA: tuple[str, ...] = ("voice", "chat", "sms", "email")

DEFAULT_LIMITS: dict[str, int] = {"voice": 1, "chat": 3, "sms": 3, "email": 5}

# (active, new): an active interaction of the first medium blocks a new one of the second.
DEFAULT_BLOCKS: frozenset[tuple[str, str]] = frozenset(
    {("voice", "chat"), ("voice", "sms"), ("voice", "email"), ("chat", "voice"), ("sms", "voice")}
)


@dataclass(frozen=True)
class CapacityRules:
    """How much of each medium an agent can hold, and which media block which."""

    limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    blocks: frozenset[tuple[str, str]] = DEFAULT_BLOCKS

    def can_take(
        self, load: Mapping[str, int], medium: str, limits: Mapping[str, int] | None = None
    ) -> bool:
        """True if an agent holding `load` (medium -> count) may take one more `medium`."""
        cap = (limits or self.limits).get(medium, 0)
        if load.get(medium, 0) >= cap:
            return False
        for active, count in load.items():
            if count and (active, medium) in self.blocks:
                return False
        return True

    def spare(self, load: Mapping[str, int], limits: Mapping[str, int] | None = None) -> bool:
        """True if at least one medium could still be taken."""
        return any(self.can_take(load, m, limits) for m in (limits or self.limits))
