"""In-memory edges for dry runs (`calldesk flows test`) and tests: contexts kept in a dict, HTTP
answered from a script, hand-offs collected instead of queued. `serve` never uses them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from calldesk.interactions import EnqueueRequest
from calldesk.ivr.actions import HttpRequest, HttpResult


@dataclass
class MemoryContexts:
    data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def read(self, key: str) -> dict[str, Any]:
        return dict(self.data.get(key, {}))

    def write(self, key: str, values: dict[str, Any]) -> None:
        self.data.setdefault(key, {}).update(values)


@dataclass
class ScriptedHttp:
    """Answers by URL prefix; unknown URLs fail like a timeout. Records every request."""

    replies: dict[str, HttpResult] = field(default_factory=dict)
    sent: list[HttpRequest] = field(default_factory=list)

    def request(self, req: HttpRequest) -> HttpResult:
        self.sent.append(req)
        for prefix, reply in self.replies.items():
            if req.url.startswith(prefix):
                return reply
        return HttpResult(None, error="timeout")

    def fire(self, req: HttpRequest) -> None:
        self.sent.append(req)


@dataclass
class CollectingHandoff:
    requests: list[EnqueueRequest] = field(default_factory=list)

    def enqueue(self, request: EnqueueRequest) -> None:
        self.requests.append(request)
