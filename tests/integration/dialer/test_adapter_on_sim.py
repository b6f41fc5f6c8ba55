"""The dialer adapter over real TCP against the simulated switch: progressive attempts go out
through OutboundDialer's trunk, an answer is handed to the ACD and bridged to the agent, a busy
and a no-answer are recorded, and the compliance report on the ledger finds nothing wrong."""

from __future__ import annotations

import gevent
from tests.integration.dispatch.helpers import SCALE, wait_for

from calldesk.acd import AgentConfig
from calldesk.dialer import Pacer, PacingConfig
from calldesk.dialer.adapter import DialerAdapter, Ports
from calldesk.dialer.compliance import report
from calldesk.dialer.config import parse_campaigns
from calldesk.dialer.contacts import ContactQueue
from calldesk.dialer.store import DialerStore
from calldesk.sim import PhoneBehavior
from calldesk.trunks import parse_trunks
from calldesk.trunks.dialer import OutboundDialer

TRUNKS = [{"name": "carrier-a", "max_legs": 4, "gateway": {"proxy": "203.0.113.10", "auth": "ip"},
           "acl": ["203.0.113.10"], "dids": [{"number": "+15551230000", "flow": "x"}]}]  # fmt: skip
ANSWERS, BUSY, SILENT = "+12125550122", "+12125550133", "+12125550144"


def test_progressive_campaign_on_the_simulated_switch(sim, desk_factory) -> None:  # noqa: ANN001
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.2))
    gw = "sofia/gateway/carrier-a/"
    sim.add_phone(gw + ANSWERS, PhoneBehavior.answer(after=1.0, hangup_after=30))
    sim.add_phone(gw + BUSY, PhoneBehavior.busy())
    sim.add_phone(gw + SILENT, PhoneBehavior.no_answer())
    desk = desk_factory([AgentConfig("alice", "user/1001", queues=("sales",))])
    (camp,) = parse_campaigns(
        [{"name": "spring", "mode": "progressive", "lists": ["l"], "queue": "sales",
          "agents": ["alice"], "caller_id": "+15551230000", "safe_harbour_flow": "safe",
          "ring_s": 15, "max_attempts": 1,
          "windows": [{"days": "mon-sun", "start": "00:00", "end": "23:59"}]}],
        trunk_dids={"carrier-a": {"+15551230000"}},
    )  # fmt: skip
    store = DialerStore(desk.store)
    contacts = [{"number": n, "name": f"c{i}"} for i, n in enumerate([ANSWERS, BUSY, SILENT])]
    queue = ContactQueue(camp, contacts, lambda n, at: store.dnc_hit(n, camp.name, at) is not None)
    trunks = parse_trunks(TRUNKS, env={}, known_flows=None)
    dialer = OutboundDialer.build(
        trunks, {}, desk.board, desk.store.journal, sim.clock.epoch, SCALE
    )
    enqueued: list = []

    class Acd:
        def enqueue(self, request):  # noqa: ANN001, ANN202
            enqueued.append((request, request.address))
            desk.svc.enqueue(request)

    played: list = []
    ports = Ports(
        dialer=dialer, acd=Acd(), ledger=store.record_attempt, journal=desk.store.journal,
        clock=sim.clock.epoch, spawn=gevent.spawn,
        safe_harbour=lambda iid, leg, c, v: played.append(iid),
        later=lambda s, f: gevent.spawn_later(s / SCALE, f),
    )  # fmt: skip
    adapter = DialerAdapter(
        camp, Pacer(PacingConfig(mode="progressive", grace_s=40.0)), queue, ports
    )
    desk.svc.login("alice", ready=True)

    def step() -> int:
        adapter.follow(desk.store.journal)
        adapter.tick()
        return len(store.ledger("spring", 0, 4e9))

    wait_for(lambda: step() == 3 and not adapter.attempts, timeout=20, what="three attempts")
    rows = {r["number"]: r for r in store.ledger("spring", 0, 4e9)}
    assert rows[BUSY]["outcome"] == "busy" and rows[BUSY]["cause"] == "USER_BUSY"
    assert rows[SILENT]["outcome"] == "no_answer" and rows[SILENT]["ring_s"] >= 15
    ans = rows[ANSWERS]
    assert ans["outcome"] == "answer" and ans["agent"] == "alice" and ans["abandoned"] == 0
    assert ans["trunk"] == "carrier-a" and played == []
    ((request, leg),) = enqueued
    assert request.interaction_id == ans["interaction"] != leg and request.medium == "voice"
    trail = [(e.kind, e.data) for e in desk.store.journal.read(subject=request.interaction_id)]
    kinds = [k for k, _ in trail]
    assert kinds[:2] == ["outbound.attempt", "outbound.connected"]
    assert kinds.index("interaction.answered") < kinds.index("dialer.attempt")
    wait_for(lambda: any(e.data["caller"] == leg for e in desk.store.journal.read(
        subject=request.interaction_id, kind="interaction.bridged")), what="bridged to alice")  # fmt: skip
    rep = report("spring", store.ledger("spring", 0, 4e9), 0, 4e9)
    assert rep.live_answers == 1 and rep.abandoned == 0
    assert sum(len(v) for v in rep.violations.values()) == 0
    kinds = {e.kind for e in desk.store.journal.read(kind_prefix="dialer.")}
    assert kinds == {"dialer.pacing", "dialer.attempt"}
