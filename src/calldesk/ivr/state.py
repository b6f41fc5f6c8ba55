"""The state of one run: everything needed to resume an interaction at its current step."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Frame:
    """A caller flow waiting for a subflow to return."""

    flow: str
    version: str
    return_to: str


@dataclass
class RunState:
    interaction_id: str
    flow: str
    version: str
    step: str
    medium: str = "voice"
    variables: dict[str, Any] = field(default_factory=dict)
    caller: dict[str, Any] = field(default_factory=dict)  # id, name, ...
    context: dict[str, Any] = field(default_factory=dict)  # customer context once read
    language: str = "en"
    voice: str | None = None
    scratch: dict[str, Any] = field(default_factory=dict)  # per-step counters, reset on each step
    sensitive: list[str] = field(
        default_factory=list
    )  # PCI variables: masked in logs and hand-offs
    typeahead: str = ""  # digits typed during a prompt, not yet consumed
    stack: list[Frame] = field(default_factory=list)
    path: list[str] = field(default_factory=list)  # steps visited, "flow:step"
    transitions: int = 0
    address: str = ""  # where the customer is: the leg uuid (voice) or the thread id (text)

    def to_dict(self) -> dict[str, Any]:
        """A plain dict of the fields (for JSON); the containers are the run's own, not copies
        (`dataclasses.asdict` deep-copies every value, which cost more than the save itself)."""
        out = {f: getattr(self, f) for f in _FIELDS}
        out["stack"] = [asdict(f) for f in self.stack]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunState:
        data = dict(data)
        data["stack"] = [Frame(**f) for f in data.get("stack", [])]
        return cls(**data)


_FIELDS = tuple(f.name for f in fields(RunState))
