"""The dialer adapter with scripted ports: what it dials, hands to the ACD, journals and writes
to the (real SQLite) ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from calldesk.dialer import Pacer, PacingConfig
from calldesk.dialer.adapter import DialerAdapter, Ports, outcome_of
from calldesk.dialer.compliance import report
from calldesk.dialer.config import parse_campaigns
from calldesk.dialer.contacts import ContactQueue
from calldesk.dialer.store import DialerStore
from calldesk.store import Store
from calldesk.trunks.dialer import OutboundFailed

NOON = datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo("America/New_York")).timestamp()


@dataclass
class Dialed:
    uuid: str
    trunk: str = "carrier-a"


class Script:
    """Dials: numbers in `busy` fail USER_BUSY at once, others answer after 8 s."""

    def __init__(self, clock: list[float], busy: set[str]) -> None:
        self.clock, self.busy, self.calls = clock, busy, []

    def dial(self, number, variables=None, *, switch=None, subject=""):  # noqa: ANN001, ANN201
        self.calls.append((number, dict(variables or {}), subject))
        if number in self.busy:  # busy comes back at once
            raise OutboundFailed(number, "exhausted", "USER_BUSY", "busy", ["carrier-a"])
        self.clock[0] += 8.0
        return Dialed(f"leg-{len(self.calls)}")


def _setup(tmp_path, mode: str = "progressive"):  # noqa: ANN001, ANN202
    (camp,) = parse_campaigns(
        [{"name": "renewals", "mode": mode, "lists": ["l"], "queue": "sales",
          "caller_id": "+15551230000", "safe_harbour_flow": "safe", "ring_s": 20,
          "windows": [{"days": "mon-fri", "start": "09:00", "end": "20:00"}]}],
        trunk_dids={"carrier-a": {"+15551230000"}},
    )  # fmt: skip
    store = DialerStore(Store.open(tmp_path / "s.sqlite"))
    store.dnc_add(["+12125550111"], at=0.0)
    contacts = [{"number": n, "name": f"n{i}", "fields": {"plan": "gold"}}
                for i, n in enumerate(["+12125550111", "+12125550122", "+12125550133"])]  # fmt: skip
    queue = ContactQueue(camp, contacts, lambda n, at: store.dnc_hit(n, camp.name, at) is not None)
    clock = [NOON]
    script = Script(clock, busy={"+12125550133"})
    enq, journal, timers, played = [], [], [], []

    class J:
        def append(self, kind, subject, data, at):  # noqa: ANN001, ANN202
            journal.append((kind, subject, data))
            return len(journal)

    class A:
        def enqueue(self, request):  # noqa: ANN001, ANN202
            enq.append(request)
            assert request.address == request.data["leg"] != request.interaction_id

    ports = Ports(
        dialer=script, acd=A(), ledger=store.record_attempt, journal=J(), clock=lambda: clock[0],
        spawn=lambda f, *a: f(*a), safe_harbour=lambda iid, leg, c, v: played.append((iid, leg)),
        later=lambda s, f: timers.append((s, f)),
    )  # fmt: skip
    pacer = Pacer(PacingConfig(mode=mode))
    for ag in ("a1", "a2", "a3"):
        from calldesk.dialer import AgentChanged

        pacer.handle(AgentChanged(ag, "free"), clock[0])
    adapter = DialerAdapter(camp, pacer, queue, ports)
    return adapter, store, script, enq, journal, timers, played, clock


def test_progressive_dials_hands_answers_to_the_acd_and_writes_the_ledger(tmp_path) -> None:  # noqa: ANN001
    adapter, store, script, enq, journal, timers, played, clock = _setup(tmp_path)
    d = adapter.tick()
    assert d.place == 3
    dialled = [c[0] for c in script.calls]
    assert dialled == ["+12125550122", "+12125550133"]  # the DNC number never dialled
    number, variables, subject = script.calls[0]
    assert (
        variables["originate_timeout"] == 20
        and variables["origination_caller_id_number"] == "+15551230000"
    )
    (req,) = enq
    assert req.medium == "voice" and req.queue == "sales" and req.interaction_id == subject
    assert req.interaction_id.startswith("out-") and req.data["leg"] == "leg-1"
    assert req.variables == {"plan": "gold"} and req.caller["number"] == "+12125550122"
    assert journal[0][0] == "dialer.pacing" and journal[0][2]["free"] == 3
    clock[0] += 1.0
    adapter.connected(req.interaction_id, "a1")
    timers[0][1]()  # the grace timer fires after the connection: nothing happens
    assert played == []
    rows = store.ledger("renewals", 0, 2e9)
    by_outcome = {r["outcome"]: r for r in rows}
    assert by_outcome["busy"]["cause"] == "USER_BUSY" and by_outcome["busy"]["dnc_checked"] == 1
    ans = by_outcome["answer"]
    assert ans["agent"] == "a1" and ans["answer_to_agent_s"] == 1.0 and ans["abandoned"] == 0
    assert ans["window"] and ans["local_time"].startswith("2026-12-07T12:00")
    rep = report("renewals", rows, 0, 2e9)
    assert rep.live_answers == 1 and rep.abandoned == 0
    assert sum(len(v) for v in rep.violations.values()) == 0
    assert [k for k, *_ in journal].count("dialer.attempt") == 2


def test_an_answer_no_agent_takes_gets_the_safe_harbour_message_and_counts(tmp_path) -> None:  # noqa: ANN001
    adapter, store, script, enq, journal, timers, played, clock = _setup(tmp_path)
    adapter.tick()
    (req,) = enq
    clock[0] += 2.0
    seconds, fire = timers[0]
    assert seconds == 2.0
    fire()
    assert played == [(req.interaction_id, "leg-1")]
    adapter.connected(req.interaction_id, "a1")  # too late: already abandoned
    (row,) = [r for r in store.ledger("renewals", 0, 2e9) if r["outcome"] == "answer"]
    assert row["abandoned"] == 1 and row["safe_harbour"] == 1 and row["agent"] == ""
    assert adapter.pacer.control.total.drops == 1


def test_pausing_places_nothing_new(tmp_path) -> None:  # noqa: ANN001
    adapter, store, script, *_ = _setup(tmp_path)
    adapter.paused = True
    assert adapter.tick().place == 0 and script.calls == []


def test_causes_map_to_outcomes() -> None:
    assert outcome_of("USER_BUSY") == "busy"
    assert outcome_of("NO_ANSWER") == outcome_of("ALLOTTED_TIMEOUT") == "no_answer"
    assert outcome_of("NORMAL_CIRCUIT_CONGESTION") == "failed"
