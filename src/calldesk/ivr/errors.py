"""Flow errors. Each one names the file, line and column, and carries a stable code."""

from __future__ import annotations

from dataclasses import dataclass

from calldesk.errors import CalldeskError


@dataclass(frozen=True)
class Mark:
    """Where a YAML node starts: file, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class FlowError(CalldeskError):
    """One problem in one flow file. Subclasses fix the `code`, one per rule."""

    code = "flow-error"

    def __init__(self, mark: Mark, message: str) -> None:
        self.mark = mark
        self.message = message
        super().__init__(f"{mark}: {self.code}: {message}")

    @property
    def file(self) -> str:
        return self.mark.file

    @property
    def line(self) -> int:
        return self.mark.line

    @property
    def col(self) -> int:
        return self.mark.col


class YamlSyntaxError(FlowError):
    code = "yaml-syntax"


class DuplicateKey(FlowError):
    code = "duplicate-key"


class SchemaError(FlowError):
    code = "schema"


class UnknownStepKind(FlowError):
    code = "unknown-kind"


class UnknownTarget(FlowError):
    code = "unknown-target"


class UnreachableStep(FlowError):
    code = "unreachable-step"


class MissingBranch(FlowError):
    code = "missing-branch"


class InputlessCycle(FlowError):
    code = "cycle-without-input"


class UnknownQueue(FlowError):
    code = "unknown-queue"


class UnknownFlow(FlowError):
    code = "unknown-flow"


class MissingPrompt(FlowError):
    code = "missing-prompt"


class InvalidExpression(FlowError):
    code = "invalid-expression"


class TransferNotAllowed(FlowError):
    code = "transfer-not-allowed"


class UnsafeUrl(FlowError):
    code = "unsafe-url"


class FlowInvalid(CalldeskError):
    """A flow was refused. `errors` lists every problem found, in file order."""

    def __init__(self, errors: list[FlowError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file, e.line, e.col, e.code))
        first = self.errors[0] if self.errors else None
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"{first}{more}" if first else "flow invalid")


class FlowRuntimeError(CalldeskError):
    """A flow could not go on at run time (missing flow version, step limit, ...)."""
