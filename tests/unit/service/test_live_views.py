"""The live read model: fed entry by entry it equals the fold of the whole journal, and adds
offers, the agent's day, queue history and "why this agent"."""

from __future__ import annotations

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.config import parse_acd
from calldesk.dispatch.controls import live_views
from calldesk.notify import Notifier
from calldesk.store import Store
from calldesk.views import LiveViews

DAY0 = 86400.0 * 20000


def test_fed_by_the_notifier_it_matches_the_full_fold(tmp_path) -> None:
    cfg = parse_acd({"queues": [{"name": "sales", "sl_seconds": 10}],
                     "agents": [{"id": "a1", "contact": "user/1", "queues": ["sales"]}]})  # fmt: skip
    store = Store.open(tmp_path / "v.sqlite")
    store.journal.notifier = Notifier()
    now = [DAY0 + 100]
    views = LiveViews(cfg, lambda: now[0]).load(store.journal).attach(store.journal.notifier)
    acd = Acd([QueueConfig("sales", sl_seconds=10, wrap_up_s=5)],
              [AgentConfig("a1", "user/1", queues=("sales",))])  # fmt: skip

    def feed(e: ev.Event, at: float) -> list:
        out = acd.handle(e, at)
        store.journal.append_many([(r.kind, r.subject, r.data, r.at) for r in acd.drain_journal()])
        return out

    feed(ev.AgentLogin("a1", ready=True), DAY0 + 100)
    offer = feed(ev.InteractionArrived("i1", "sales", customer="+1555"), DAY0 + 110)[0]
    assert views.offer_of("a1").id == offer.id and views.offer_of("a1").lease_until > DAY0 + 110
    assert "a1" in views.interactions["i1"].why[0]["agent"]
    feed(ev.OfferAccepted(offer.id), DAY0 + 114)
    assert views.offer_of("a1") is None and views.agent_items["a1"] == {"i1"}
    feed(ev.InteractionEnded("i1"), DAY0 + 174)
    feed(ev.InteractionArrived("i2", "sales"), DAY0 + 175)
    feed(ev.InteractionEnded("i2"), DAY0 + 180)
    now[0] = DAY0 + 200
    q_live, a_live = views.queue("sales"), views.agent("a1")
    q_fold, a_fold = live_views(store, cfg, now[0])
    assert q_live == q_fold[0] and a_live == a_fold[0]
    day = views.day("a1")
    assert day["handled"] == 1 and day["aht_s"] == 60.0
    assert day["time_in_state_s"]["busy"] == 60.0 and day["time_in_state_s"]["wrap_up"] == 5.0
    rows = views.history("sales", minutes=5, step=60)
    assert sum(r["offered"] for r in rows) == 2 and sum(r["answered"] for r in rows) == 1
    assert sum(r["abandoned"] for r in rows) == 1
    seq = views.seq
    views.apply(next(store.journal.read(after_id=seq - 1)))  # an entry seen again is skipped
    assert views.day("a1")["handled"] == 1


def test_wrapups_per_interaction_follow_the_acd(tmp_path) -> None:
    """One wrap-up per interaction the agent finished (its own wrap_up_s over the queue's), each
    gone when `agent.wrapup` names it, all gone when the ACD says the agent is available."""
    raw = {"queues": [{"name": "chat", "wrap_up_s": 30}, {"name": "vip", "wrap_up_s": 30}],
           "agents": [{"id": "a1", "contact": "user/1", "queues": ["chat", "vip"],
                       "capacity": {"chat": 3}},
                      {"id": "a2", "contact": "user/2", "queues": ["vip"], "wrap_up_s": 0}]}  # fmt: skip
    cfg = parse_acd(raw)
    store = Store.open(tmp_path / "w.sqlite")
    store.journal.notifier = Notifier()
    views = LiveViews(cfg, lambda: DAY0).load(store.journal).attach(store.journal.notifier)
    acd = Acd(list(cfg.queues), list(cfg.agents))

    def feed(e: ev.Event, at: float) -> list:
        out = acd.handle(e, at)
        store.journal.append_many([(r.kind, r.subject, r.data, r.at) for r in acd.drain_journal()])
        return out

    feed(ev.AgentLogin("a1", ready=True), DAY0)
    for n, at in ((1, 10), (2, 11), (3, 12)):
        offer = feed(ev.InteractionArrived(f"c{n}", "chat", medium="chat"), DAY0 + at)[0]
        feed(ev.OfferAccepted(offer.id), DAY0 + at)
    assert views.wrapups_of("a1") == []
    feed(ev.InteractionEnded("c2"), DAY0 + 20)
    feed(ev.InteractionEnded("c1"), DAY0 + 25)
    assert views.wrapups_of("a1") == [
        {"interaction": "c2", "medium": "chat", "queue": "chat", "until": DAY0 + 50},
        {"interaction": "c1", "medium": "chat", "queue": "chat", "until": DAY0 + 55},
    ]
    assert views.agent("a1").state == "busy"  # c3 still live: wrap-ups listed all the same
    feed(ev.WrapUpDone("a1", "c2"), DAY0 + 30)
    assert [w["interaction"] for w in views.wrapups_of("a1")] == ["c1"]
    feed(ev.InteractionEnded("c3"), DAY0 + 31)
    feed(ev.WrapUpDone("a1"), DAY0 + 32)  # every one
    assert views.wrapups_of("a1") == [] and views.agent("a1").state == "available"
    feed(ev.AgentLogin("a2", ready=True), DAY0 + 40)
    offer = feed(ev.InteractionArrived("v1", "vip"), DAY0 + 40)
    feed(ev.OfferAccepted([o for o in offer if o.agent == "a2"][0].id), DAY0 + 41)
    feed(ev.InteractionEnded("v1"), DAY0 + 50)
    assert views.wrapups_of("a2") == []  # its own wrap_up_s of 0: no wrap-up
    assert views.wrapups_of("a1") == []
