"""A Flask app with only the public chat blueprint, on gevent's WSGI server on a free loopback
port, over the digital rig. Clients run in real threads (blocking sockets, like a browser)."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass
from typing import Any

import gevent
from flask import Flask
from gevent.pywsgi import WSGIServer

from calldesk.bench.wsclient import WholeClient as WsClient
from calldesk.digital.chat.gateway import ChatGateway, ChatSettings
from calldesk.digital.chat.hub import ChatHub
from calldesk.digital.chat.tokens import VisitorTokens, store_secret
from calldesk.web.chat import bp

ALLOWED = "https://shop.example"


def in_thread(fn: Any, *args: Any, **kw: Any) -> Any:
    """Run a blocking call in a real thread while this hub keeps serving."""
    box: dict = {}

    def run() -> None:
        try:
            box["r"] = fn(*args, **kw)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box["e"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    while t.is_alive():
        gevent.sleep(0.005)
    if "e" in box:
        raise box["e"]
    return box.get("r")


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class WebChat:
    def __init__(
        self,
        rig: Any,
        settings: ChatSettings | None = None,
        attachments: Any = None,
        outlook: Any = None,
    ) -> None:
        self.rig = rig
        self.hub = ChatHub()
        self.gateway = ChatGateway(
            rig.desk,
            self.hub,
            VisitorTokens(store_secret(rig.store)),
            rig.clock,
            settings or ChatSettings(allowed_origins=(ALLOWED,)),
            attachments=attachments,
            outlook=outlook,
        )
        rig.desk.transports["chat"] = self.hub
        rig.store.journal.notifier.subscribe(self.gateway.on_journal)
        app = Flask("webchat-test")
        app.extensions["calldesk.chat"] = self.gateway
        app.register_blueprint(bp)
        self.server = WSGIServer(("127.0.0.1", 0), app, log=None)
        self.server.start()
        self.port = self.server.server_port

    def stop(self) -> None:
        self.server.stop(timeout=1)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str = "",
        origin: str | None = None,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        def go() -> Reply:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            headers = {"Content-Type": content_type}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            if origin:
                headers["Origin"] = origin
            data = (
                raw
                if raw is not None
                else (json.dumps(body).encode() if body is not None else None)
            )
            conn.request(method, path, body=data, headers=headers)
            r = conn.getresponse()
            out = Reply(r.status, r.read(), dict(r.getheaders()))
            conn.close()
            return out

        return in_thread(go)

    def session(self, token: str | None = None) -> dict:
        r = self.call("POST", "/chat/session", {"token": token})
        assert r.status == 200, r.body
        return r.json()

    def socket(
        self, token: str, after: int = 0, origin: str | None = None, interaction: str = ""
    ) -> Socket:
        url = (
            f"ws://127.0.0.1:{self.port}/chat/socket?token={token}&after={after}"
            f"&interaction={interaction}"
        )
        headers = {"Origin": origin} if origin else None
        return Socket(in_thread(WsClient.connect, url, headers=headers))


class Socket:
    def __init__(self, ws: WsClient) -> None:
        self.ws = ws
        self.frames: list[dict] = []

    def send(self, frame: dict) -> None:
        in_thread(self.ws.send, json.dumps(frame))

    def next(self, want: str | None = None, timeout: float = 10.0) -> dict:
        """The next frame (of type `want`, skipping others, which are kept in `frames`)."""
        while True:
            raw = in_thread(self.ws.receive, timeout)
            assert raw is not None, f"no {want or 'frame'} within {timeout} s; got {self.frames}"
            frame = json.loads(raw)
            self.frames.append(frame)
            if want is None or frame.get("type") == want:
                return frame

    def close(self) -> None:
        in_thread(self.ws.close)
