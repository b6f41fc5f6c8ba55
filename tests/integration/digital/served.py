"""`serve`'s composition (calldesk.app.build + calldesk.web.serve_http) with a `digital:` section,
on the simulated switch over TCP and a free loopback HTTP port, at real time: the public chat
endpoint, the SMS provider's webhook (a stand-in provider receives the replies) and, when asked,
a mailbox on Dovecot with an SMTP sink. Clients run in threads (blocking sockets) while this hub
serves. `restart()` stops the controller and builds a new one on the same store."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tests.integration.digital.sms_provider import ACCOUNT, TOKEN, StandInProvider, post_webhook
from tests.integration.digital.webchat import in_thread
from tests.integration.recording.simcall import PASSWORD
from tests.integration.web.conftest import PW, Client

from calldesk.app import build
from calldesk.bench.wsclient import WholeClient as WsClient
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store
from calldesk.web import serve_http
from calldesk.web.credentials import Credentials

CHAT_FLOW = """flow: webchat
entry: hello
steps:
  hello:
    kind: play
    prompt: "Hello! This is Example Bank."
    next: menu
  menu:
    kind: menu
    prompt: "Type 1 for sales or 2 for support."
    options: {1: sales, 2: support}
    labels: {1: Sales, 2: Support}
    retries: 1
    fallback: support
  sales:
    kind: enqueue
    queue: sales
  support:
    kind: enqueue
    queue: support
"""
SMS_FLOW = """flow: textline
entry: queue
steps:
  queue:
    kind: enqueue
    queue: support
"""
SMS_NUMBER = "+15550001111"
TOKEN_ENV = "CALLDESK_TEST_SMS_TOKEN"
MAIL_ENV = "CALLDESK_TEST_IMAP_PASSWORD"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    tmp: Path
    sim: SimSwitch
    provider: StandInProvider
    port: int
    mail: dict[str, Any] | None = None
    chat: dict[str, Any] = field(default_factory=dict)  # more `digital.chat` keys
    ctl: Any = None
    http: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict[str, Any]:
        digital: dict[str, Any] = {
            "flows": {"chat": "webchat", "sms": "textline", "email": "textline"},
            "survey": {"queues": ["sales"]},
            "canned": [
                {"id": "hi", "title": "Greeting", "text": "Hello {{ customer.name or 'there' }}!"}
            ],
            "chat": {
                "allowed_origins": ["https://shop.example"],
                "attachments": {"dir": str(self.tmp / "chat-attachments")},
                **self.chat,
            },
            "sms": {
                "sender": SMS_NUMBER,
                "quiet_hours": {"start": "00:00", "end": "00:01"},
                "provider": {
                    "api": self.provider.api,
                    "account_sid": ACCOUNT,
                    "auth_token_env": TOKEN_ENV,
                    "public_url": self.url,
                },
            },
        }
        if self.mail is not None:
            digital["email"] = self.mail
        return {
            "switches": [
                {"name": "sim1", "host": "127.0.0.1", "port": self.sim.port, "password": PASSWORD}
            ],
            "store": {"path": str(self.tmp / "db.sqlite")},
            "http": {"host": "127.0.0.1", "port": self.port},
            "flows": {"dir": str(self.tmp / "flows")},
            "recordings": {"dir": str(self.tmp / "rec")},
            "queues": [{"name": "sales", "wrap_up_s": 600}, {"name": "support", "wrap_up_s": 600}],
            "agents": [
                {"id": "a1", "name": "Ann", "contact": "user/1001", "queues": ["sales", "support"],
                 "capacity": {"voice": 1, "chat": 3, "sms": 3, "email": 5}},
                {"id": "a2", "name": "Al", "contact": "user/1002", "queues": ["support"]},
            ],
            "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"]},
                      {"id": "sup2", "role": "supervisor", "teams": ["blue"]},
                      {"id": "boss", "role": "admin"}],
            "teams": [{"id": "red", "agents": ["a1"], "queues": ["sales"]},
                      {"id": "blue", "agents": ["a2"], "queues": ["support"]}],
            "digital": digital,
        }  # fmt: skip

    def start(self) -> Served:
        path = self.tmp / "calldesk.yaml"
        path.write_text(yaml.safe_dump(self.config()))
        config = load_config(path, env={})
        store = Store.open(self.tmp / "db.sqlite")
        creds = Credentials(store, lambda: 0.0)
        for u in ("a1", "a2", "sup1", "sup2", "boss"):
            creds.set_password(u, PW)
        switch = SwitchSettings("sim1", "127.0.0.1", self.sim.port, PASSWORD)
        self.ctl = build(config, store=store, switches=[switch], check_trunks=False)
        assert all(self.ctl.start(wait=30).values())
        self.http = serve_http(self.ctl, validate_responses=True)
        return self

    def stop(self) -> None:
        if self.http is not None:
            self.http.stop()
            self.http = None
        if self.ctl is not None:
            self.ctl.stop()
            self.ctl = None

    def restart(self) -> Served:
        self.stop()
        return self.start()

    # -- clients -----------------------------------------------------------------------------
    def agent(self, user: str = "a1") -> Client:
        c = Client(self.port)
        assert c.login(user).status == 200
        return c

    def visitor(self, token: str | None = None) -> dict[str, Any]:
        r = Client(self.port).call("POST", "/chat/session", {"token": token})
        assert r.status == 200, r.body
        return r.json()

    def chat_socket(self, token: str, after: int = 0, interaction: str = "") -> Frames:
        url = (f"ws://127.0.0.1:{self.port}/chat/socket?token={token}&after={after}"
               f"&interaction={interaction}")  # fmt: skip
        return Frames(in_thread(WsClient.connect, url))

    def events(self, client: Client, topics: str) -> Frames:
        url = f"ws://127.0.0.1:{self.port}/api/events?topics={topics}"
        return Frames(in_thread(WsClient.connect, url, headers={"Cookie": client.cookie}))

    def sms_in(self, sender: str, text: str, sid: str) -> tuple[int, bytes]:
        form = {"MessageSid": sid, "From": sender, "To": SMS_NUMBER, "Body": text,
                "AccountSid": ACCOUNT}  # fmt: skip
        return in_thread(post_webhook, self.port, "/sms/inbound", form, self.url, TOKEN)


class Frames:
    """A WebSocket read as JSON frames; `until` skips (and keeps) frames that do not match."""

    def __init__(self, ws: WsClient) -> None:
        self.ws = ws
        self.seen: list[dict] = []

    def send(self, frame: dict) -> None:
        in_thread(self.ws.send, json.dumps(frame))

    def until(self, match: Any, timeout: float = 30.0, what: str = "frame") -> dict:
        for f in self.seen:
            if match(f):
                self.seen.remove(f)
                return f
        while True:
            raw = in_thread(self.ws.receive, timeout)
            assert raw is not None, f"no {what} within {timeout} s; saw {self.seen[-10:]}"
            frame = json.loads(raw)
            if match(frame):
                return frame
            self.seen.append(frame)

    def close(self) -> None:
        in_thread(self.ws.close)


def start_served(
    tmp: Path, mail: dict[str, Any] | None = None, chat: dict[str, Any] | None = None
) -> Served:
    sim = SimSwitch(password=PASSWORD, time_scale=1.0, recordings_dir=tmp / "rec").start()
    for phone in ("user/1001", "user/1002"):
        sim.add_phone(phone, PhoneBehavior.answer(after=0.2))
    (tmp / "flows").mkdir(exist_ok=True)
    (tmp / "flows" / "webchat.yaml").write_text(CHAT_FLOW)
    (tmp / "flows" / "textline.yaml").write_text(SMS_FLOW)
    return Served(tmp, sim, StandInProvider(), free_port(), mail, chat or {}).start()


def stop_served(s: Served) -> None:
    s.stop()
    s.provider.stop()
    s.sim.stop()
