"""A controller on the simulated switch (over TCP) with its HTTP API on a free loopback port;
clients run in threads (blocking sockets, like other processes) while this hub serves."""

from __future__ import annotations

import http.client
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import gevent
import pytest
import yaml
from tests.integration.recording.simcall import PASSWORD, start_sim, wait_for

from calldesk.app import build
from calldesk.config import load_config
from calldesk.esl.connection import SwitchSettings
from calldesk.ivr.ports import EnqueueRequest
from calldesk.sim import PhoneBehavior
from calldesk.store import Store
from calldesk.web import serve_http
from calldesk.web.credentials import Credentials

SCALE = 20.0
PW = "correct horse battery"
USERS = ("a1", "a2", "sup1", "sup3", "boss")
ROLE_USER = {"agent": "a1", "supervisor": "sup1", "admin": "boss"}


def in_thread(fn: Any, *args: Any) -> Any:
    """Run a blocking call in a real thread while this hub keeps serving."""
    box: dict = {}

    def run() -> None:
        try:
            box["r"] = fn(*args)
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


@dataclass
class Client:
    port: int
    cookie: str = ""
    csrf: str = ""
    token: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def raw(self, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> Reply:  # fmt: skip
        def go() -> Reply:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            h = dict(self.extra)
            if self.cookie:
                h["Cookie"] = self.cookie
            if self.csrf:
                h["X-CSRF-Token"] = self.csrf
            if self.token:
                h["Authorization"] = f"Bearer {self.token}"
            h.update(headers or {})
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            out = Reply(r.status, r.read(), {k.lower(): v for k, v in r.getheaders()})
            conn.close()
            return out

        return in_thread(go)

    def call(self, method: str, path: str, body: Any = None) -> Reply:
        data = None if body is None else json.dumps(body).encode()
        return self.raw(method, path, data, {"Content-Type": "application/json"} if data else {})

    def login(self, user: str, password: str = PW) -> Reply:
        r = self.call("POST", "/api/login", {"user": user, "password": password})
        if r.status == 200:
            self.cookie = r.headers["set-cookie"].split(";")[0]
            self.csrf = r.json()["csrf_token"]
        return r


@dataclass
class Env:
    sim: Any
    ctl: Any
    http: Any
    config_path: str
    tokens: dict[str, str]

    def client(self, user: str | None = None) -> Client:
        c = Client(self.http.address[1])
        if user is not None:
            assert c.login(user).status == 200
        return c

    def bearer(self, user: str) -> Client:
        return Client(self.http.address[1], token=self.tokens[user])

    def call_for(self, agent: str, queue: str) -> tuple[str, str]:
        """A caller enqueued like the IVR does, offered to `agent` and bridged."""
        sim, ctl = self.sim, self.ctl
        customer = sim.inject_call(did="5552000", caller_id="+15550101")
        wait_for(lambda: (leg := ctl.board.tracker.legs.get(customer)) is not None and leg.parked,
                 what="caller parked")  # fmt: skip
        ctl.acd.enqueue(EnqueueRequest(customer, "voice", queue, 0, {}, "en", {"id": "+15550101"},
                                       {}, {}, "test", "1", []))  # fmt: skip

        def bridged() -> str | None:
            peer = ctl.board.tracker.legs[customer].bridged_to
            return peer if peer and ctl.acd.acd.agents[agent].state.value == "busy" else None

        wait_for(lambda: bridged() is not None, what="caller bridged to the agent")
        return customer, str(bridged())


def site(tmp_path: Any, port: int) -> dict:
    return {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": port, "password": PASSWORD}],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "http": {"host": "127.0.0.1", "port": 0},
        "flows": {"dir": str(tmp_path / "flows")},
        "recordings": {"dir": str(tmp_path / "rec")},
        "queues": [{"name": "sales", "wrap_up_s": 30}, {"name": "support"}],
        "agents": [{"id": "a1", "name": "Ann", "contact": "user/1001", "queues": ["sales"]},
                   {"id": "a2", "name": "Al", "contact": "user/1002", "queues": ["support"]}],
        "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"},
                  {"id": "sup3", "role": "supervisor", "teams": ["blue"], "contact": "user/2003"},
                  {"id": "boss", "role": "admin", "contact": "user/2000"}],
        "teams": [{"id": "red", "agents": ["a1", "a2"], "queues": ["sales", "support"]},
                  {"id": "blue", "agents": [], "queues": []}],
        "digital": {"flows": {"chat": "webchat"},
                    "canned": [{"id": "hello", "title": "Greeting",
                                "text": "Hello {{ customer.name }}", "queue": "sales"}]},
    }  # fmt: skip


@pytest.fixture
def env(tmp_path):
    sim = start_sim(tmp_path / "rec")
    for phone in ("user/1001", "user/1002", "user/2001", "user/2003"):
        sim.add_phone(phone, PhoneBehavior.answer(after=0.2))
    (tmp_path / "flows").mkdir()
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(site(tmp_path, sim.port)))
    config = load_config(path, env={})
    switch = SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD)
    store = Store.open(tmp_path / "db.sqlite")
    creds = Credentials(store, sim.clock.epoch)
    tokens = {}
    for u in USERS:
        creds.set_password(u, PW)
        tokens[u] = creds.create_token(u, "test")[1]
    ctl = build(config, store=store, switches=[switch], clock=sim.clock.epoch, time_scale=SCALE,
                check_trunks=False)  # fmt: skip
    assert all(ctl.start(wait=30).values())
    server = serve_http(ctl, validate_responses=True)
    yield Env(sim, ctl, server, str(path), tokens)
    server.stop()
    ctl.stop()
    sim.stop()
