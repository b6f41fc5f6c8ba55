"""The demo's desktop and wallboard: `calldesk demo` serves the HTTP API and the pages on a free
loopback port, gives the first demo agent and the supervisor a fresh password for this run, and
prints where to look (a run add-on, as `calldesk.demo.digital` is)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class WebDemo:
    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.server: Any = None
        self.lines: list[str] = []

    def start(self, run: Any) -> None:
        from calldesk.web import serve_http
        from calldesk.web.pages import demo_access

        c = run.controller
        c.config.data["http"] = {**c.config.data["http"], "host": "127.0.0.1", "port": 0}
        self.server = serve_http(c)
        agent = run.agents[0].agent if run.agents else "alice"
        supervisor = next((u["id"] for u in c.config["users"] if u.get("role") == "supervisor"),
                          "ops")
        self.lines = demo_access(c.store, self.server.url, agent, supervisor)
        for line in self.lines:
            self.say(line)

    def done(self) -> bool:
        return True

    def summary(self, store: Any) -> dict[str, Any]:
        return {}

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
