"""A controller built as `calldesk serve` builds it (trunks, campaigns, flows, the HTTP API), on
the simulated switch over TCP, with contact lists imported into its store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tests.integration.recording.simcall import PASSWORD
from tests.integration.web.conftest import PW, Client

from calldesk.app import build
from calldesk.config import load_config
from calldesk.dialer.lists import Contact
from calldesk.dialer.store import DialerStore
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store
from calldesk.web import serve_http
from calldesk.web.credentials import Credentials

SCALE = 10.0
GW = "sofia/gateway/carrier-a/"
CID = "+15551230000"
ALWAYS = [{"days": "mon-sun", "start": "00:00", "end": "23:59"}]
FLOWS = {
    "safe_harbour": "Hello {{ contact_name }}, this is Acme. We will call you back. "
    "To reach us, call {{ callback_number }}.",
    "broadcast": "Hello {{ contact_name }}, your appointment is tomorrow at nine.",
    "leave_message": "This is Acme calling about your renewal.",
}


@dataclass
class Env:
    sim: Any
    ctl: Any
    http: Any
    dstore: DialerStore

    def client(self, user: str) -> Client:
        c = Client(self.http.address[1])
        assert c.login(user).status == 200
        return c

    def ledger(self, campaign: str) -> dict[str, dict]:
        return {r["number"]: r for r in self.dstore.ledger(campaign, 0, 4e9)}

    def events(self, leg: str, name: str = "") -> list:
        return [e for e in self.sim.history if e.uuid == leg and (not name or e.name == name)]


def _flow(name: str, text: str) -> str:
    return yaml.safe_dump({"flow": name, "entry": "say", "steps": {
        "say": {"kind": "play", "prompt": text, "next": "bye"}, "bye": {"kind": "hangup"}}})  # noqa: E501


def campaign(name: str, mode: str, **kw: Any) -> dict:
    base = {"name": name, "mode": mode, "lists": [name], "caller_id": CID, "windows": ALWAYS,
            "ring_s": 15, "max_attempts": 1, "queue": "sales"}
    if mode not in ("preview", "notification"):
        base["safe_harbour_flow"] = "safe_harbour"
    if mode == "notification":
        base.pop("queue")
        base["flow"] = "broadcast"
    return {**base, **kw}


@contextmanager
def serve_env(
    tmp_path: Path,
    campaigns: list[dict],
    contacts: dict[str, list[tuple[str, PhoneBehavior | None]]],
    agents: tuple[str, ...] = ("a1",),
    scale: float = SCALE,
) -> Iterator[Env]:
    """`scale`: simulated seconds per wall second (ESL round trips and the ACD's work take wall
    time: a test whose margins are a fraction of a second runs slower)."""
    sim = SimSwitch(password=PASSWORD, time_scale=scale, recordings_dir=tmp_path / "rec").start()
    flows = tmp_path / "flows"
    flows.mkdir()
    for name, text in FLOWS.items():
        (flows / f"{name}.yaml").write_text(_flow(name, text))
    numbers = {"a1": "1001", "a2": "1002"}
    site = {
        "switches": [{"name": "sim1", "host": "127.0.0.1", "port": sim.port, "password": PASSWORD}],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "http": {"host": "127.0.0.1", "port": 0},
        "flows": {"dir": str(flows)},
        "recordings": {"dir": str(tmp_path / "rec")},
        "queues": [{"name": "sales", "wrap_up_s": 1}],
        "agents": [{"id": a, "name": a.upper(), "contact": f"user/{numbers[a]}",
                    "queues": ["sales"]} for a in agents],
        "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"]}],
        "teams": [{"id": "red", "agents": list(agents), "queues": ["sales"]}],
        "trunks": [{"name": "carrier-a", "max_legs": 20,
                    "gateway": {"proxy": "203.0.113.10", "auth": "ip"},
                    "acl": ["203.0.113.10"], "dids": [{"number": CID, "flow": "broadcast"}]}],
        "outbound": {"allow": ["+1NXXNXXXXXX"]},
        "campaigns": campaigns,
    }
    for a in agents:
        sim.add_phone(f"user/{numbers[a]}", PhoneBehavior.answer(after=0.2))
    store = Store.open(tmp_path / "db.sqlite")
    dstore = DialerStore(store)
    for list_name, rows in contacts.items():
        items = []
        for i, (number, phone) in enumerate(rows):
            if phone is not None:  # else a callee pool the test adds draws it
                sim.add_phone(GW + number, phone)
            items.append(Contact(number, f"Callee {i}", "", {"plan": f"gold-{i}"}, i + 2))
        dstore.import_contacts(list_name, items, at=0.0)
    creds = Credentials(store, sim.clock.epoch)
    for u in (*agents, "sup1"):
        creds.set_password(u, PW)
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(site))
    config = load_config(path, env={})
    switch = SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, custom_events=("avmd::beep",))
    ctl = build(config, store=store, switches=[switch], clock=sim.clock.epoch, time_scale=scale)
    server = None
    try:
        assert all(ctl.start(wait=30).values())
        server = serve_http(ctl, validate_responses=True)
        yield Env(sim, ctl, server, dstore)
    finally:
        if server is not None:
            server.stop()
        ctl.stop()
        sim.stop()
