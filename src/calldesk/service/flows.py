"""Flows: list what serves, validate an uploaded flow without installing it, draw a flow."""

from __future__ import annotations

from typing import Any

from calldesk.auth import User
from calldesk.ivr.graph import to_svg
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.validate import validate_text
from calldesk.service.access import Access
from calldesk.service.errors import NotFound


class FlowsService:
    def __init__(self, access: Access, library: FlowLibrary) -> None:
        self.access, self.library = access, library

    def list(self, user: User) -> list[dict[str, Any]]:
        self.access.supervisor(user, "list flows", "flows")
        out = []
        for name in self.library.names():
            f = self.library.get(name)
            out.append({"name": f.name, "version": f.version, "description": f.description,
                        "steps": len(f.steps), "numbers": sorted(f.bindings.numbers)})  # fmt: skip
        return out

    def validate(self, user: User, text: str, name: str = "upload.yaml") -> dict[str, Any]:
        """Both passes over the text against this site's queues and prompts; nothing installed."""
        self.access.supervisor(user, "validate flows", "flows")
        flow, errors = validate_text(text, name, self.library.checks)
        return {
            "valid": flow is not None and not errors,
            "name": flow.name if flow else None,
            "errors": [{"line": e.line, "col": e.mark.col, "code": e.code, "message": e.message}
                       for e in errors],
        }  # fmt: skip

    def graph_svg(self, user: User, name: str) -> str:
        self.access.supervisor(user, "see flows", name)
        flow = self.library.current(name)
        if flow is None:
            raise NotFound(f"no flow {name!r}")
        return to_svg(flow, prefer_graphviz=False)
