"""The README's walkthrough over real HTTP against serve on the simulated switch: an agent logs
in, goes ready, gets the call (its phone answers the offer), holds it, transfers it blind to
another agent, wraps up with a disposition; the WebSocket saw the offer; the detail shows the
trail and why the ACD chose the agent."""

from __future__ import annotations

from tests.integration.recording.simcall import wait_for
from tests.integration.web.test_events import Listener

from calldesk.acd import AgentState
from calldesk.sim.apps import hold


def test_login_ready_call_hold_transfer_wrapup(env) -> None:
    a1, a2 = env.client("a1"), env.bearer("a2")
    ws = Listener(env.http.address[1], "topics=agent:a1", a1.cookie)
    assert a1.call("POST", "/api/agents/a1/login", {}).json()["state"] == "not_ready"
    assert a1.call("POST", "/api/agents/a1/state", {"state": "ready"}).json()["state"] == "available"
    assert a2.call("POST", "/api/agents/a2/login", {"ready": False}).status == 200
    iid, agent_leg = env.call_for("a1", "sales")
    wait_for(lambda: any(m["kind"] == "interaction.offered" for m in ws.messages),
             what="offer pushed", timeout=20)  # fmt: skip
    offered = next(m for m in ws.messages if m["kind"] == "interaction.offered")
    assert offered["subject"] == iid and offered["data"]["agent"] == "a1"
    assert a1.call("GET", "/api/agents/a1").json()["interactions"] == [iid]
    # a call offer is taken by answering the phone (already answered by the sim's phone)
    r = a1.call("POST", f"/api/interactions/{iid}/hold")
    assert r.status == 200 and r.json()["state"]["held"] is True, r.body
    wait_for(lambda: hold.is_held(env.sim.legs[agent_leg]), what="switch holds the leg", timeout=20)
    assert a1.call("POST", f"/api/interactions/{iid}/hold").status == 409  # already on hold
    assert a1.call("POST", f"/api/interactions/{iid}/unhold").status == 200
    assert env.client("sup3").call("POST", f"/api/interactions/{iid}/hold").status == 403
    r = a1.call("POST", f"/api/interactions/{iid}/transfer", {"target": {"kind": "agent", "id": "a2"}})
    assert r.status == 200, r.body
    acd = env.ctl.acd.acd
    wait_for(lambda: acd.agents["a2"].state is AgentState.BUSY, what="a2 has the call", timeout=20)
    wait_for(lambda: acd.agents["a1"].state is AgentState.WRAP_UP, what="a1 wraps up", timeout=20)
    r = a1.call("POST", "/api/agents/a1/wrapup", {"disposition": "resolved", "notes": "sent on"})
    assert r.status == 200 and r.json()["state"] == "available", r.body
    detail = a1.call("GET", f"/api/interactions/{iid}")
    assert detail.status == 200, detail.body
    d = detail.json()
    kinds = [t["kind"] for t in d["trail"]]
    assert "interaction.offered" in kinds and "call.hold" in kinds and "call.transfer" in kinds
    assert d["why"] and d["why"][0]["agent"] == "a1" and d["why"][0]["why"]
    day = a1.call("GET", "/api/agents/a1/day").json()
    assert day["time_in_state_s"]["busy"] > 0
    notes = [e.data for e in env.ctl.store.journal.read(kind="api.wrapup")]
    assert notes == [{"by": "a1", "disposition": "resolved", "notes": "sent on"}]
    ws.stop()
