"""The answered leg with scripted ports: AMD while waiting (`safe_harbour_from: answer`) and AMD
first (`greeting_end`, the 2 s from the greeting's end), machines withdrawn and retried, the
callee hanging up while waiting, notification broadcasts; the contact queue's restore and
callbacks; the runner's preview desk and pause."""

from __future__ import annotations

from dataclasses import dataclass

from tests.unit.dialer.test_adapter import NOON

from calldesk.dialer import AgentChanged, Pacer, PacingConfig
from calldesk.dialer.adapter import DialerAdapter, Ports
from calldesk.dialer.amd import AmdThresholds, Verdict
from calldesk.dialer.config import parse_campaigns
from calldesk.dialer.contacts import ContactQueue
from calldesk.dialer.lists import Contact
from calldesk.dialer.runner import CampaignRunner
from calldesk.dialer.store import DialerStore
from calldesk.store import Store

A, B = "+12125550122", "+12125550133"
ALWAYS = [{"days": "mon-sun", "start": "00:00", "end": "23:59"}]


@dataclass
class Dialed:
    uuid: str
    switch: str = "sw1"
    trunk: str = "carrier-a"


class World:
    """Every port scripted: dials answer after 3 s; AMD answers what `verdicts` says."""

    def __init__(self, tmp_path, **camp) -> None:  # noqa: ANN001
        raw = {"name": "c", "mode": "progressive", "lists": ["l"], "queue": "sales",
               "caller_id": "+15551230000", "safe_harbour_flow": "safe", "windows": ALWAYS,
               "max_attempts": 2, "retry": {"machine": "1h"}, **camp}
        (self.camp,) = parse_campaigns([raw], trunk_dids={"carrier-a": {"+15551230000"}})
        self.store = DialerStore(Store.open(tmp_path / "s.sqlite"))
        self.clock = [NOON]
        self.enq, self.timers, self.flows, self.withdrawn, self.pulled = [], [], [], [], []
        self.hangups, self.played, self.journal, self.verdicts = [], [], [], {}
        self.calls = 0
        self.avmd, self.waited, self.beeps = [], [], set()
        contacts = [{"number": n, "name": f"n{i}", "fields": {"k": str(i)}}
                    for i, n in enumerate([A, B])]
        self.queue = ContactQueue(self.camp, contacts, lambda n, at: False, start=NOON)
        w = self

        class Dialer:
            def dial(self, number, variables=None, *, switch=None, subject=""):  # noqa: ANN001, ANN202
                w.calls += 1
                w.clock[0] += 3.0
                return Dialed(f"leg-{number[-3:]}")

        class Acd:
            def enqueue(self, request):  # noqa: ANN001, ANN202
                w.enq.append(request)

        class J:
            def append(self, kind, subject, data, at):  # noqa: ANN001, ANN202
                w.journal.append((kind, subject, data))
                return len(w.journal)

        class Legs:
            def amd(self, leg, switch, t, active, avmd=False):  # noqa: ANN001, ANN202
                v = w.verdicts[leg]
                w.clock[0] += v.after_s
                w.avmd.append(avmd)
                return v if active() else None

            def wait_beep(self, leg, switch, done, seconds):  # noqa: ANN001, ANN202
                w.waited.append((leg, seconds))
                return leg in w.beeps and not done()

            def run_flow(self, iid, leg, switch, flow, variables):  # noqa: ANN001, ANN202
                w.flows.append((leg, flow, variables))
                return True

            def withdraw(self, iid):  # noqa: ANN001, ANN202
                w.withdrawn.append(iid)

            def pull(self, iid, agent):  # noqa: ANN001, ANN202
                w.pulled.append((iid, agent))

            def hangup(self, leg, switch, cause):  # noqa: ANN001, ANN202
                w.hangups.append(leg)

        self.ports = Ports(
            dialer=Dialer(), acd=Acd(), ledger=self.store.record_attempt, journal=J(),
            clock=lambda: self.clock[0], spawn=lambda f, *a: f(*a),
            safe_harbour=lambda iid, leg, c, v: self.played.append((leg, v)) or True,
            later=lambda s, f: self.timers.append((s, f)), legs=Legs(), amd=AmdThresholds(),
        )
        mode = "progressive" if self.camp.mode == "notification" else self.camp.mode
        self.pacer = Pacer(PacingConfig(mode=mode, grace_s=1.7))
        self.pacer.handle(AgentChanged("a1", "free"), NOON)
        self.adapter = DialerAdapter(self.camp, self.pacer, self.queue, self.ports)

    def rows(self) -> dict[str, dict]:
        return {r["number"]: r for r in self.store.ledger("c", 0, 4e9)}


def test_amd_while_waiting_a_machine_leaves_the_queue_and_is_retried(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, amd=True)
    w.verdicts["leg-122"] = Verdict("machine", "long_greeting", 2.6)
    w.adapter.tick()  # one free agent: one attempt
    (req,) = w.enq  # "answer": in the queue at once, AMD running meanwhile
    assert w.withdrawn == [req.interaction_id] and w.hangups == ["leg-122"]
    row = w.rows()[A]
    assert row["outcome"] == "machine" and row["amd"] == "machine" and not row["abandoned"]
    assert row["cause"] == "amd:long_greeting" and row["grace_from"] == "answer"
    w.timers[0][1]()  # the grace timer: the attempt is over, nothing plays
    assert w.played == [] and w.pacer.control.total.answers == 0
    assert A not in w.queue.closed and w.queue.next_due() is not None  # retried in 1 h


def test_machine_flow_plays_the_message_instead_of_hanging_up(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, amd=True, machine_flow="leave_message")
    w.verdicts["leg-122"] = Verdict("machine", "beep", 5.1)
    w.adapter.tick()
    assert w.flows[0][:2] == ("leg-122", "leave_message") and w.hangups == []
    assert w.flows[0][2]["contact_name"] == "n0" and w.flows[0][2]["k"] == "0"


def test_greeting_end_enqueues_after_amd_and_counts_from_the_greeting(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, amd=True, safe_harbour_from="greeting_end")
    w.verdicts["leg-122"] = Verdict("human", "silence_after_greeting", 1.6)
    w.adapter.tick()
    (req,) = w.enq
    answered = NOON + 3.0
    greeting_end = answered + 1.6 - AmdThresholds().after_greeting_s  # 1.0 s after the answer
    seconds, fire = w.timers[0]
    assert abs(w.clock[0] + seconds - (greeting_end + 1.7)) < 1e-6  # 1.7 s from the greeting end
    w.clock[0] += 0.5
    w.adapter.connected(req.interaction_id, "a1")
    row = w.rows()[A]
    assert row["amd"] == "human" and row["grace_from"] == "greeting_end"
    assert abs(row["answer_to_agent_s"] - 1.1) < 1e-6  # from the greeting's end, not the answer


def test_a_callee_who_hangs_up_waiting_is_neither_reached_nor_abandoned(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path)
    w.adapter.tick()
    (req,) = w.enq
    w.adapter.hung_up(req.interaction_id)
    row = w.rows()[A]
    assert row["abandoned"] == 0 and row["cause"] == "callee hung up waiting"
    assert not w.pacer.waiting and w.pacer.control.total.answers == 0


def test_notification_plays_its_flow_on_each_answer_up_to_its_lines(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, mode="notification", flow="remind", lines=1)
    d = w.adapter.tick()
    assert d.mode == "notification" and d.place == 1 and d.inputs == {"lines": 1, "active": 0}
    assert w.enq == [] and w.flows[0][1] == "remind"
    row = w.rows()[A]
    assert row["outcome"] == "answer" and not row["agent"] and not row["abandoned"]


def test_restore_keeps_reached_contacts_closed_and_retries_on_time(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path)
    rows = [{"number": A, "outcome": "answer", "at": NOON},
            {"number": B, "outcome": "machine", "at": NOON}]
    q = ContactQueue(w.camp, [{"number": A}, {"number": B}], lambda n, at: False, start=NOON)
    q.restore(rows)
    assert q.closed == {A: "reached"} and q.attempts == {A: 1, B: 1}
    assert q.pending() == 1 and q.next_due() == NOON + 3600
    assert q.next(NOON + 10) is None and q.next(NOON + 3600).number == B


def test_a_callback_reopens_the_contact_for_its_agent_at_its_time(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path)
    q = w.queue
    q.finished(A, "answer", NOON)
    assert A in q.closed
    q.callback(A, NOON + 600, "a2")
    first = q.next(NOON)
    assert first is not None and first.number == B  # A is not due yet
    pick = q.next(NOON + 600)
    assert pick.number == A and pick.agent == "a2" and pick.callback


def _runner(tmp_path, **camp):  # noqa: ANN001, ANN202
    w = World(tmp_path, mode="preview", **camp)
    w.store.import_contacts("l", [Contact(A, "Ann", "", {"plan": "gold"}, 2),
                                  Contact(B, "Bob", "", {}, 3)], at=0.0)
    jr = type("Journal", (), {"read": lambda self, after_id=0: iter(()),
                              "append": lambda self, *a: w.ports.journal.append(*a)})()
    r = CampaignRunner([w.camp], w.store, jr, lambda c: w.ports, {"c": {"a1"}},
                       lambda: w.clock[0])
    r.adapters["c"].pacer.handle(AgentChanged("a1", "free"), NOON)
    return w, r


def test_preview_holds_a_contact_for_a_free_agent_then_dials_it_to_them(tmp_path) -> None:  # noqa: ANN001
    w, r = _runner(tmp_path)
    assert r.preview_for("a2") is None  # does not work the campaign
    p = r.preview_for("a1")
    assert p.as_dict()["contact"] == {"name": "Ann", "number": A, "timezone": "America/New_York",
                                      "fields": {"plan": "gold"}}
    assert r.preview_for("a1") is p  # held until dialled or skipped
    r.skip_preview(p.id, "wrong_person", "a1")
    q = r.preview_for("a1")
    assert q.pick.number == B and r.adapters["c"].queue.closed[A] == "skipped: wrong_person"
    r.dial_preview(q.id, "a1")
    (req,) = w.enq
    assert w.pulled == [(req.interaction_id, "a1")]  # the answer goes to that agent
    r.step("c")  # preview mode places nothing by itself
    assert w.calls == 1


def test_preview_timeout_dials_by_itself_and_pause_holds_new_previews(tmp_path) -> None:  # noqa: ANN001
    w, r = _runner(tmp_path, preview_timeout_s=30)
    p = r.preview_for("a1")
    assert p.timeout_at == w.clock[0] + 30
    w.clock[0] += 31
    r.step("c")
    assert w.calls == 1 and not r.previews
    assert any(k == "dialer.preview_dialed" and d["by"] == "timeout" for k, _, d in w.journal)
    r.set_paused("c", True, "sup1")
    assert r.preview_for("a1") is None and r.status("c")["paused"] is True


def test_a_beep_while_a_person_waits_makes_it_a_machine_after_all(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, amd=True, avmd=True)
    w.verdicts["leg-122"] = Verdict("human", "silence_after_greeting", 2.0)
    w.beeps.add("leg-122")  # "Leave a message." then the beep, after AMD said human
    w.adapter.tick()
    (req,) = w.enq
    assert w.avmd == [True] and w.waited == [("leg-122", 2.7)]
    assert w.withdrawn == [req.interaction_id] and w.hangups == ["leg-122"]
    row = w.rows()[A]
    assert row["amd"] == "machine" and row["cause"] == "amd:beep" and not row["abandoned"]


def test_with_avmd_the_machine_message_waits_for_the_beep(tmp_path) -> None:  # noqa: ANN001
    w = World(tmp_path, amd=True, avmd=True, machine_flow="leave_message")
    w.verdicts["leg-122"] = Verdict("machine", "long_greeting", 2.6)
    w.adapter.tick()
    assert w.waited == [("leg-122", 30.0)] and w.flows[0][1] == "leave_message"


def test_blending_holds_pacing_while_inbound_waits_past_its_target(tmp_path) -> None:  # noqa: ANN001
    from types import SimpleNamespace as NS

    from calldesk.dialer.events import InboundLoad
    from calldesk.dialer.wiring import inbound_load

    its = [NS(id="in-1", state="waiting", queue="support", arrived_at=NOON - 30),
           NS(id="in-2", state="connected", queue="support", arrived_at=NOON - 90),
           NS(id="out-x", state="waiting", queue="support", arrived_at=NOON - 99),
           NS(id="in-3", state="waiting", queue="other", arrived_at=NOON - 99)]
    view = NS(interactions=lambda: iter(its))
    load = inbound_load(view, {"support"}, 20.0, NOON)
    assert load == InboundLoad(1, 30.0, 20.0)
    w = World(tmp_path)
    w.ports.inbound = lambda: load
    d = w.adapter.tick()
    assert d.place == 0 and d.inputs["held"] == "inbound over its service-level target"
    w.ports.inbound = lambda: InboundLoad(0, 0.0, 20.0)
    assert w.adapter.tick().place == 1


def test_a_callback_without_a_time_uses_the_retry_delay(tmp_path) -> None:  # noqa: ANN001
    w, r = _runner(tmp_path, retry={"callback_requested": "2h"})
    out = r.callback("c", A, None, "", "a1")
    assert out["at"] == NOON + 7200 and r.adapters["c"].queue.callbacks[A] == ("", NOON + 7200)


def test_a_campaign_never_rings_more_legs_than_its_trunks_carry() -> None:
    from types import SimpleNamespace as NS

    from calldesk.dialer.wiring import limits_of

    (pinned, free) = parse_campaigns(
        [{"name": n, "mode": "power", "lists": ["l"], "queue": "q", "caller_id": "+15551230000",
          "safe_harbour_flow": "s", "windows": ALWAYS, **kw}
         for n, kw in (("pinned", {"trunk": "b"}), ("free", {}))],
        trunk_dids={"a": {"+15551230000"}, "b": {"+15551230000"}})
    trunks = [NS(name="a", max_legs=4), NS(name="b", max_legs=6)]
    limits = limits_of([pinned, free], trunks, {"freeswitch": {"sessions_per_second": 30}})
    assert limits == {"pinned": (6, 15), "free": (10, 15)}  # 30 sessions/s over a 0.5 s loop
    pacer = Pacer(PacingConfig(mode="power", ratio=5, max_ringing=6, max_per_decision=15))
    for i in range(3):
        pacer.handle(AgentChanged(f"a{i}", "free"), NOON)
    assert pacer.decide(NOON).place == 6  # 15 wanted, the trunk carries 6
