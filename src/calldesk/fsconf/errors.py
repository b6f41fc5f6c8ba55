"""fsconf's own error: a rendered file (or template) named, with the key or line, and why."""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.errors import CalldeskError


@dataclass(frozen=True)
class Problem:
    file: str  # path relative to the configuration (or template) directory
    where: str  # an XML path / key, or "line N"
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.reason}"


class FsconfError(CalldeskError):
    """Rendering refused. `problems` lists every reason found (at least one)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))
