"""The HTTP edge for lookup and webhook steps: urllib with a timeout (cooperative under gevent)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from calldesk.ivr.actions import HttpRequest, HttpResult

log = logging.getLogger(__name__)


def _spawn(fn: Callable[[], Any]) -> None:
    import gevent

    gevent.spawn(fn)


class UrllibHttpClient:
    def __init__(
        self, spawn: Callable[[Callable[[], Any]], None] = _spawn, max_bytes: int = 1_000_000
    ) -> None:
        self.spawn = spawn
        self.max_bytes = max_bytes

    def request(self, req: HttpRequest) -> HttpResult:
        url = req.url + (
            ("&" if "?" in req.url else "?") + urlencode(req.params) if req.params else ""
        )
        data = json.dumps(req.body).encode() if req.body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "calldesk-ivr"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        r = urllib.request.Request(url, data=data, method=req.method, headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=req.timeout) as resp:  # noqa: S310 - http(s) only, checked at load
                raw = resp.read(self.max_bytes)
                status = resp.status
        except urllib.error.HTTPError as exc:
            return HttpResult(exc.code, None, f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            return HttpResult(None, None, f"{type(exc).__name__}: {exc}")
        try:
            payload: Any = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        return HttpResult(status, payload)

    def fire(self, req: HttpRequest) -> None:
        def go() -> None:
            result = self.request(req)
            if not result.ok:
                log.warning(
                    "webhook %s %s failed: %s", req.method, req.url, result.error or result.status
                )

        self.spawn(go)
