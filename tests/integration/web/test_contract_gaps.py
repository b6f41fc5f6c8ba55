"""Contract gaps closed: /api/me gives a new tab the session's CSRF token, an offer carries its
interaction's data and customer name, the agent view says when its wrap-up ends, and the 3-way
is at /consult/conference (with /conference kept as an alias), both documented."""

from __future__ import annotations

from tests.integration.recording.simcall import wait_for
from tests.integration.web.conftest import Client

from calldesk.acd.agents import AgentState
from calldesk.ivr.ports import EnqueueRequest
from calldesk.sim import PhoneBehavior


def test_me_gives_a_new_tab_the_csrf_token(env) -> None:
    first = env.client("a1")
    tab = Client(env.http.address[1], cookie=first.cookie)  # same browser, no token yet
    assert tab.call("POST", "/api/agents/a1/login", {}).status == 403
    me = tab.call("GET", "/api/me").json()
    assert me["id"] == "a1" and me["csrf_token"] == first.csrf
    tab.csrf = me["csrf_token"]
    assert tab.call("POST", "/api/agents/a1/login", {}).status == 200
    assert env.bearer("a1").call("GET", "/api/me").json()["csrf_token"] is None


def test_an_offer_carries_the_interactions_data_and_customer_name(env) -> None:
    sim, ctl = env.sim, env.ctl
    sim.add_phone("user/1001", PhoneBehavior.no_answer())  # the offer stays open
    a1 = env.client("a1")
    assert a1.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    customer = sim.inject_call(did="5552000", caller_id="+15550101")
    wait_for(
        lambda: (leg := ctl.board.tracker.legs.get(customer)) is not None and leg.parked,
        what="caller parked",
    )
    ctl.acd.enqueue(
        EnqueueRequest(
            customer,
            "voice",
            "sales",
            0,
            {},
            "en",
            {"id": "+15550101", "name": "Ada Lovelace"},
            {"account": "42"},
            {"reason": "billing"},
            "test",
            "1",
            [],
        )
    )
    wait_for(
        lambda: a1.call("GET", "/api/agents/a1/offer").json() is not None,
        what="the offer",
        timeout=20,
    )
    offer = a1.call("GET", "/api/agents/a1/offer").json()
    assert offer["interaction"] == customer
    assert offer["customer"] == {"name": "Ada Lovelace", "number": "+15550101"}
    assert offer["data"]["account"] == "42" and offer["data"]["reason"] == "billing"
    assert offer["data"]["caller"]["name"] == "Ada Lovelace"


def test_the_agent_view_says_when_the_wrapup_ends(env) -> None:
    a1 = env.client("a1")
    assert a1.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    assert a1.call("GET", "/api/agents/a1").json()["wrapup_until"] is None
    customer, _ = env.call_for("a1", "sales")
    env.sim.hangup(customer)
    acd = env.ctl.acd.acd
    wait_for(lambda: acd.agents["a1"].state is AgentState.WRAP_UP, what="a1 wraps up", timeout=20)
    wait_for(
        lambda: a1.call("GET", "/api/agents/a1").json()["state"] == "wrap_up",
        what="the view follows",
        timeout=20,
    )
    view = a1.call("GET", "/api/agents/a1").json()
    (_, start, until) = next(iter(acd.agents["a1"].wrapups.values()))
    assert view["wrapup_until"] == until and until - start == 30  # the queue's wrap_up_s
    r = a1.call("POST", "/api/agents/a1/wrapup", {"disposition": "resolved", "notes": ""})
    assert r.status == 200 and r.json()["state"] == "available"
    assert r.json()["wrapup_until"] is None


def test_the_3way_is_at_consult_conference_and_the_old_path_is_an_alias(env) -> None:
    doc = env.client().call("GET", "/api/openapi.json").json()
    for path in ("/api/interactions/{id}/consult/conference", "/api/interactions/{id}/conference"):
        assert "post" in doc["paths"][path], path
    ids = {
        doc["paths"][p]["post"].get("operationId")
        for p in ("/api/interactions/{id}/consult/conference", "/api/interactions/{id}/conference")
    }
    assert len(ids) == 2
    a1 = env.client("a1")
    assert a1.call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    iid, _ = env.call_for("a1", "sales")
    for path in ("consult/conference", "conference"):  # no consult running: both refuse alike
        r = a1.call("POST", f"/api/interactions/{iid}/{path}")
        assert r.status == 409 and r.json()["error"] == "refused", r.body
        assert "consult" in r.json()["detail"], r.body
