"""Issue 15's "Done when", end to end on the simulated switch and the digital desk:

1. a customer chats (unverified: a visitor token and the phone number they type);
2. the same customer calls and verifies with the IVR (account and PIN, checked by a CRM over
   HTTP): the chat's customer is merged into the verified account (a `customer.merged` entry);
3. the agent's screen pop of the call shows the chat among the last contacts;
4. the customer calls again the next day (a new controller on the same store, its switch's
   clock one day later) and is offered first to the agent of their last contact, although
   another agent has been idle longer (sticky routing, with its note in the "why" trace);
5. the reports count the chat and the first call as one journey with two contacts (and the
   next day's call, on another intent, as a second journey).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from tests.integration.recording.simcall import wait_for

from calldesk.acd import events as ev
from calldesk.app import build
from calldesk.auth import Directory
from calldesk.config import load_config
from calldesk.customers.access import CustomerAccess
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.service import CustomerService
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.transport import InProcessTransport
from calldesk.esl.connection import SwitchSettings
from calldesk.ivr.dryrun import ScriptedHttp
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.persist import RunStore
from calldesk.ivr.runner import Runner
from calldesk.reports.source import interval_report
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.clock import Clock
from calldesk.store import Store

PW = "pw-journey"
SCALE = 10.0
DID = "+15557770000"
PHONE = "+12025550143"
DAY = 86400.0

VOICE = """flow: journey
entry: who
steps:
  who:
    kind: context
    action: read
    key: "customer:{{ caller.id }}"
    next: ask_account
  ask_account:
    kind: collect
    prompt: "Your account number, then hash."
    variable: account
    min_length: 4
    max_length: 8
    timeout: 8
    next: ask_pin
    fallback: bye
  ask_pin:
    kind: collect
    prompt: "Your PIN, then hash."
    variable: pin
    min_length: 4
    max_length: 4
    timeout: 8
    pci: true
    next: verify
    fallback: bye
  verify:
    kind: lookup
    url: "http://127.0.0.1:PORT/verify"
    params: {account: "{{ account }}", pin: "{{ pin }}"}
    store: crm
    next: checked
    fallback: bye
  checked:
    kind: branch
    conditions:
      - when: "crm.ok"
        goto: mark
    default: bye
  mark:
    kind: set
    variables:
      identity_account: "account"
      verified_account: "true"
      identity_phone: "caller.id"
      verified_phone: "true"
    next: route
  route:
    kind: branch
    conditions:
      - when: "context.last and context.last.intent == 'billing' and context.last.age_s < 7200"
        goto: billing
    default: orders
  billing:
    kind: set
    variables: {intent: "'billing'"}
    next: to_billing
  to_billing:
    kind: enqueue
    queue: billing
  orders:
    kind: set
    variables: {intent: "'orders'"}
    next: to_orders
  to_orders:
    kind: enqueue
    queue: orders
  bye:
    kind: hangup
"""

CHAT = """flow: chat-journey
entry: ask_phone
steps:
  ask_phone:
    kind: collect
    prompt: "Hello! Which phone number can we reach you on?"
    variable: phone
    min_length: 10
    max_length: 15
    timeout: 60
    next: mark
    fallback: mark
  mark:
    kind: set
    variables: {identity_phone: "phone", intent: "'billing'"}
    next: queue
  queue:
    kind: enqueue
    queue: billing
"""


class Crm(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        q = parse_qs(urlparse(self.path).query)
        ok = q.get("account") == ["1001"] and q.get("pin") == ["4321"]
        body = json.dumps({"ok": ok}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def crm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Crm)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def site(tmp_path: Path) -> dict:
    both = ["billing", "orders"]
    return {
        "switches": [],
        "store": {"path": str(tmp_path / "db.sqlite")},
        "flows": {"dir": str(tmp_path / "flows")},
        "recordings": {"dir": str(tmp_path / "rec")},
        "queues": [
            {
                "name": q,
                "context": {
                    "sticky_s": 60,
                    "priority": [{"field": "tier", "equals": "gold", "add": 5}],
                },
            }
            for q in both
        ],
        "agents": [
            {"id": a, "contact": f"user/10{n}", "queues": both}
            for n, a in enumerate(("a1", "a2", "a3"), 1)
        ],
    }


class Day:
    """One day of the site: a simulated switch (its clock starting at `epoch`) and a controller
    on the store file, with the digital desk on the same engine and store."""

    def __init__(self, tmp_path: Path, epoch: float) -> None:
        self.sim = SimSwitch(password=PW, time_scale=SCALE, recordings_dir=tmp_path / "rec")
        self.sim.clock = Clock(SCALE, epoch=epoch)  # the injected time
        self.sim.start()
        self.sim.dialplan.add_did(DID, {"calldesk_flow": "journey"})
        for n in (1, 2, 3):
            self.sim.add_phone(f"user/10{n}", PhoneBehavior.answer(after=0.5))
        config = load_config(tmp_path / "calldesk.yaml", env={})
        self.store = Store.open(tmp_path / "db.sqlite")
        self.ctl = build(
            config,
            store=self.store,
            switches=[SwitchSettings("sim", "127.0.0.1", self.sim.port, PW)],
            clock=self.sim.clock.epoch,
            time_scale=SCALE,
            check_trunks=False,
        )
        assert all(self.ctl.start(wait=10).values())
        clock = self.sim.clock.epoch
        library = FlowLibrary(tmp_path / "chatflows")
        library.poll()
        runner = Runner(
            library,
            lambda: datetime.fromtimestamp(clock(), UTC),
            ScriptedHttp(),
            SqliteContexts(self.store, clock),
            None,
            RunStore(self.store.db, self.store.journal, clock=clock),
        )
        self.desk = DigitalDesk(
            self.store,
            self.ctl.acd,
            library,
            runner,
            {"chat": InProcessTransport()},
            clock,
            DigitalSettings(flows={"chat": "chat-journey"}),
        )
        self.ctl.notifier.subscribe(self.desk.on_journal)

    def login(self, *agents: str) -> None:
        for a in agents:  # one simulated second apart: the first idles longest
            self.ctl.acd.post(ev.AgentLogin(a, ready=True), wait=5)
            self.sim.clock.sleep(1.0)

    def offered(self, iid: str) -> dict:
        found: list = []

        def look() -> bool:
            found[:] = list(self.store.journal.read(kind="interaction.offered", subject=iid))
            return bool(found)

        wait_for(look, timeout=20, what=f"{iid} offered")
        return found[0].data

    def call(self) -> str:
        uuid = self.sim.inject_call(did=DID, caller_id=PHONE, dtmf=[(3.0, "1001#"), (9.0, "4321#")])
        wait_for(
            lambda: self.ctl.interactions.last_at(uuid) is not None,
            timeout=20,
            what="the call's interaction",
        )
        iid = self.ctl.interactions.last_at(uuid)

        def arrived() -> bool:
            return any(self.store.journal.read(kind="interaction.arrived", subject=iid))

        wait_for(arrived, timeout=30, what="the call queued (account and PIN verified)")
        self.uuid = uuid
        return str(iid)

    def answered(self, iid: str) -> None:
        wait_for(
            lambda: any(self.store.journal.read(kind="interaction.answered", subject=iid)),
            timeout=20,
            what=f"{iid} answered",
        )

    def stop(self) -> None:
        self.desk.stop()
        self.ctl.stop()
        self.sim.stop()


@pytest.mark.timeout(240)
def test_chat_then_call_merge_pop_sticky_and_one_journey(tmp_path, crm) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "chatflows").mkdir()
    (tmp_path / "flows" / "journey.yaml").write_text(VOICE.replace("PORT", str(crm)))
    (tmp_path / "chatflows" / "chat-journey.yaml").write_text(CHAT)
    (tmp_path / "calldesk.yaml").write_text(yaml.safe_dump(site(tmp_path)))
    epoch = 1_790_000_000.0
    store = Store.open(tmp_path / "db.sqlite")
    service = CustomerService(store)
    ann, _ = service.upsert(  # the CRM's record: the account is verified, Ann is a gold customer
        {
            "name": "Ann",
            "fields": {"tier": "gold"},
            "identities": [{"kind": "account", "value": "1001", "verified": True}],
        },
        epoch,
    )
    store.close()

    day = Day(tmp_path, epoch)
    try:
        day.login("a1", "a2", "a3")
        # 1. the chat: a visitor token and a typed phone number, both unverified
        conv, _ = day.desk.receive("chat", "visitor-ann", "Hi, my bill is wrong")
        wait_for(lambda: day.desk.messages.require(conv.id).state == "bot", what="bot asks")
        day.sim.clock.sleep(1.0)
        day.desk.receive("chat", "visitor-ann", "202 555 0143")
        offer = day.offered(conv.id)
        chat_agent = offer["agent"]
        day.desk.accept(offer["offer"], chat_agent)
        day.desk.reply(conv.id, chat_agent, "Let me fix that bill for you.")
        day.sim.clock.sleep(5.0)
        day.desk.close(conv.id, "agent_closed")
        chat_customer = CustomerService(day.store).customers.customer_of(conv.id)
        assert chat_customer and chat_customer != ann
        held = set(
            day.store.db.execute(
                "SELECT kind, verified FROM customer_identities WHERE customer = ?", [chat_customer]
            ).fetchall()
        )
        assert held == {("chat", 0), ("phone", 0)}
        day.sim.clock.sleep(30.0)  # the chat agent's wrap-up ends

        # 2. the call: account and PIN verified; the chat's customer merges into Ann
        call1 = day.call()
        wait_for(
            lambda: CustomerService(day.store).customers.customer_of(call1) == ann,
            timeout=10,
            what="the call attached to the verified account",
        )
        merged = list(day.store.journal.read(kind="customer.merged"))
        assert [(m.subject, m.data["absorbed"], m.data["identity"]) for m in merged] == [
            (ann, chat_customer, "phone")
        ]
        assert CustomerService(day.store).customers.customer_of(conv.id) == ann
        o1 = day.offered(call1)
        call_agent = o1["agent"]
        # the flow read the context before the merge: the chat's customer, served by the chat agent
        assert f"sticky: {chat_agent} served this customer last" in o1["why"]
        day.answered(call1)

        # 3. the agent's screen pop shows the chat
        def pop() -> dict | None:
            rows = list(day.store.journal.read(kind="screen_pop", subject=call1))
            return rows[-1].data if rows else None

        wait_for(lambda: pop() is not None, timeout=10, what="the screen pop")
        context = pop()["context"]  # type: ignore[index]
        assert context["customer"]["id"] == ann and context["verified"] is True
        assert any(
            " chat billing: handled by " + chat_agent in line for line in context["last_contacts"]
        ), context["last_contacts"]
        day.sim.clock.sleep(20.0)
        day.sim.hangup(day.uuid)
        wait_for(
            lambda: any(day.store.journal.read(kind="interaction.ended", subject=call1)),
            timeout=10,
            what="the first call ended",
        )
    finally:
        day.stop()

    # 4. the next day: a fresh controller; the agent of the last contact idles the least
    day2 = Day(tmp_path, epoch + DAY)
    try:
        others = [a for a in ("a1", "a2", "a3") if a != call_agent]
        day2.login(*others, call_agent)
        call2 = day2.call()
        o2 = day2.offered(call2)
        assert o2["agent"] == call_agent, o2
        assert "rule=sticky" in o2["why"]
        assert f"sticky: {call_agent} served this customer last" in o2["why"]
        assert "priority +5: tier='gold'" in o2["why"]  # Ann's CRM record, merged the day before
        day2.answered(call2)
        day2.sim.clock.sleep(10.0)
        day2.sim.hangup(day2.uuid)
        wait_for(
            lambda: any(day2.store.journal.read(kind="interaction.ended", subject=call2)),
            timeout=10,
            what="the second call ended",
        )
    finally:
        day2.stop()

    # 5. the reports: the chat and the first call are one journey of two contacts
    store = Store.open(tmp_path / "db.sqlite")
    access = CustomerAccess(
        CustomerService(store),
        SqliteContexts(store),
        Directory.from_config([{"id": "boss", "role": "admin"}], []),
    )
    shown = access.show("boss", ann)
    journeys = {j["intent"]: j for j in shown["journeys"]}
    assert journeys["billing"]["contacts"] == 2
    assert journeys["billing"]["interactions"] == [conv.id, call1]
    assert journeys["billing"]["media"] == ["chat", "voice"]
    assert journeys["billing"]["fcr"] is False and journeys["billing"]["resolved"] is True
    assert journeys["orders"]["contacts"] == 1 and journeys["orders"]["interactions"] == [call2]
    rows = interval_report(store, epoch, epoch + 2 * DAY, 2 * DAY, ("queue", "medium"))
    got = {(r["queue"], r["medium"]): (r["offered"], r["handled"], r["fcr"]) for r in rows}
    # the chat was followed by the call on the same intent within 72 h: not first-contact resolved
    assert got == {
        ("billing", "chat"): (1, 1, 0.0),
        ("billing", "voice"): (1, 1, 1.0),
        ("orders", "voice"): (1, 1, 1.0),
    }
    store.close()
