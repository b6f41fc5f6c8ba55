"""The agent's pending wrap-ups, one per interaction, in `GET /api/agents/{id}` through `serve`
over real sockets: a closed chat's wrap-up is listed (while the agent is busy with another chat
too), and Done on that interaction removes it and only it. The desk seeds its wrap-up tabs
from this list after a reload."""

from __future__ import annotations

from tests.eventually import eventually
from tests.integration.digital.test_serve_digital import _accepted_chats, _ready


def test_wrapups_list_each_closed_chat_until_its_done(served) -> None:
    agent, events = _ready(served)
    chats = _accepted_chats(served, agent, events, 2)
    first, second = (iid for iid, _ in chats)
    assert agent.call("GET", "/api/agents/a1").json()["wrapups"] == []

    closed = agent.call("POST", f"/api/interactions/{first}/close")
    assert closed.status == 200, closed.body

    def listed() -> list[dict]:
        return agent.call("GET", "/api/agents/a1").json()["wrapups"]

    eventually(lambda: [w["interaction"] for w in listed()] == [first], "first's wrap-up")
    view = agent.call("GET", "/api/agents/a1").json()
    assert view["state"] == "busy" and view["interactions"] == [second]  # still chatting
    (w,) = view["wrapups"]
    assert w["medium"] == "chat" and w["queue"] == "sales"
    ended = [e for e in served.ctl.store.journal.read(kind="interaction.ended")
             if e.subject == first]  # fmt: skip
    assert w["until"] == ended[0].at + 600  # the queue's wrap_up_s
    # the list carries it too, and the OpenAPI document describes the field
    (row,) = [a for a in agent.call("GET", "/api/agents").json() if a["id"] == "a1"]
    assert [x["interaction"] for x in row["wrapups"]] == [first]
    doc = agent.call("GET", "/api/openapi.json").json()
    assert "wrapups" in doc["components"]["schemas"]["AgentOut"]["properties"]

    assert agent.call("POST", f"/api/interactions/{second}/close").status == 200
    eventually(lambda: {w["interaction"] for w in listed()} == {first, second}, "both")
    r = agent.call("POST", "/api/agents/a1/wrapup",
                   {"disposition": "resolved", "interaction": first})  # fmt: skip
    assert r.status == 200, r.body
    assert [w["interaction"] for w in r.json()["wrapups"]] == [second]
    assert [w["interaction"] for w in listed()] == [second]
    r = agent.call("POST", "/api/agents/a1/wrapup",
                   {"disposition": "resolved", "interaction": second})  # fmt: skip
    assert r.status == 200 and r.json()["wrapups"] == [] and r.json()["state"] == "available"
    # another agent's wrap-ups stay out of reach: scope is the agent view's
    assert served.agent("a2").call("GET", "/api/agents/a1").status == 403
    for _, widget in chats:
        widget.close()
    events.close()
