"""An in-memory switch connection for unit tests: records commands, jobs resolved by hand."""

from __future__ import annotations

from typing import Any

import gevent.event


class FakeConn:
    """Records every command; bgapi jobs are resolved by the test."""

    def __init__(self, name: str = "sw1") -> None:
        self.name, self.ready = name, True
        self.sent: list[tuple[str, ...]] = []
        self.jobs: list[gevent.event.AsyncResult] = []

    def add_handler(self, fn: Any, inline: bool = False) -> None: ...

    def add_resync_listener(self, fn: Any) -> None: ...

    def api(self, cmd: str, *args: object, timeout: float | None = None, check: bool = True) -> str:
        self.sent.append(("api", cmd, *map(str, args)))
        return "+OK\n"

    def bgapi(self, cmd: str, *args: object) -> gevent.event.AsyncResult:
        self.sent.append(("bgapi", cmd, *map(str, args)))
        job: gevent.event.AsyncResult = gevent.event.AsyncResult()
        self.jobs.append(job)
        return job

    def execute_async(self, uuid: str, app: str, arg: str = "", **kw: Any) -> Any:
        self.sent.append(("execute", uuid, app, arg))
        return gevent.event.AsyncResult()

    def hangup(self, uuid: str, cause: str = "NORMAL_CLEARING") -> bool:
        self.sent.append(("hangup", uuid, cause))
        return True

    def resync(self) -> list[dict]:
        return []
