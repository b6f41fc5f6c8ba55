"""Chat and SMS through `serve`'s own composition over real sockets: a visitor on the public chat
WebSocket -> the flow -> the queue -> the agent (cookie session) is offered it by push, accepts,
sees the transcript, replies (the visitor receives it), closes -> wrap-up -> the survey in the
widget; an SMS by the provider's signed webhook -> the agent's reply goes out through the
stand-in provider; a restart loses no accepted message."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.integration.digital.served import start_served, stop_served

from calldesk.digital.sms import twilio


def _offered(events, agent: str = "a1") -> dict:
    return events.until(
        lambda f: f.get("kind") == "interaction.offered" and f["data"].get("agent") == agent,
        what="offer",
    )


def _ready(served, agent: str = "a1"):
    c = served.agent(agent)
    events = served.events(c, f"agent:{agent}")
    assert c.call("POST", f"/api/agents/{agent}/login", {"ready": True}).status == 200
    return c, events


def test_chat_visitor_to_agent_and_back_with_the_survey(served) -> None:
    agent, events = _ready(served)
    v = served.visitor()
    widget = served.chat_socket(v["token"])
    widget.send({"type": "message", "text": "Hi, my card is blocked", "client_id": "c1"})
    ack = widget.until(lambda f: f["type"] == "ack", what="ack")
    assert ack["client_id"] == "c1"
    widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"],
                 what="the menu")  # fmt: skip
    widget.send({"type": "message", "text": "1", "client_id": "c2"})

    offer = _offered(events)
    iid = offer["subject"]
    assert offer["data"]["agent"] == "a1"
    r = agent.call("GET", "/api/agents/a1/offer")
    assert r.status == 200 and r.json()["medium"] == "chat" and r.json()["interaction"] == iid
    r = agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept")
    assert r.status == 200, r.body
    hand = r.json()
    texts = [m["text"] for m in hand["transcript"]]
    assert hand["interaction"] == iid and hand["medium"] == "chat"
    assert texts[0] == "Hi, my card is blocked" and "1" in texts
    assert any("Example Bank" in t for t in texts)  # the bot's part too: nothing to repeat

    # the visitor types: the agent's socket gets `typing`, not journaled
    widget.send({"type": "typing"})
    typing = events.until(lambda f: f.get("kind") == "typing", what="typing")
    assert typing["seq"] is None and typing["subject"] == iid
    assert typing["data"]["author"] == "customer"

    # the agent replies: the visitor's widget shows it; the agent marks the customer's read
    r = agent.call("POST", f"/api/interactions/{iid}/messages", {"text": "Let me check."})
    assert r.status == 200, r.body
    sent = r.json()
    assert sent["direction"] == "out" and sent["author"] == "agent:a1" and sent["status"] == "sent"
    got = widget.until(lambda f: f["type"] == "message" and f["message"]["id"] == sent["id"],
                       what="the agent's reply")  # fmt: skip
    assert got["message"]["text"] == "Let me check."
    r = agent.call("POST", f"/api/interactions/{iid}/typing", {"on": True})
    assert r.status == 200
    assert widget.until(lambda f: f["type"] == "typing", what="agent typing")["author"] == "agent"
    last_in = max(m["seq"] for m in hand["transcript"] if m["direction"] == "in"
                  and m["interaction"] == iid)  # fmt: skip
    r = agent.call("POST", f"/api/interactions/{iid}/read", {"upto_seq": last_in})
    assert r.status == 200 and r.json()["changed"] >= 1
    assert widget.until(lambda f: f["type"] == "receipt" and f["status"] == "read")

    # a later message from the visitor reaches the agent by push and by the API
    widget.send({"type": "message", "text": "It says code 17", "client_id": "c3"})
    pushed = events.until(lambda f: f.get("kind") == "message.received", what="message push")
    assert pushed["subject"] == iid
    r = agent.call("GET", f"/api/interactions/{iid}/messages?since_seq={sent['seq']}")
    assert [m["text"] for m in r.json()] == ["It says code 17"]

    # canned responses
    r = agent.call("GET", "/api/canned?q=greet")
    assert [c["id"] for c in r.json()] == ["hi"]
    r = agent.call("POST", "/api/canned/hi/render", {"interaction": iid})
    assert r.status == 200 and r.json()["text"] == "Hello there!"
    r = agent.call("POST", f"/api/interactions/{iid}/messages", {"canned": "hi"})
    assert r.status == 200 and r.json()["text"] == "Hello there!"

    # close: the agent wraps up, the widget is told and shows the survey; the answer is kept
    r = agent.call("POST", f"/api/interactions/{iid}/close")
    assert r.status == 200 and r.json()["state"] == "closed"
    eventually(lambda: agent.call("GET", "/api/agents/a1").json()["state"] == "wrap_up",
               "a1 in wrap-up")
    widget.until(lambda f: f["type"] == "state" and f["state"] == "closed", what="closed")
    widget.until(lambda f: f["type"] == "message" and "1 (bad) to 5" in f["message"]["text"],
                 what="the survey")  # fmt: skip
    widget.send({"type": "message", "text": "5 quick and kind", "client_id": "c4"})
    eventually(lambda: list(served.ctl.store.journal.read(kind="survey.answered")), "the answer")
    answer = next(iter(served.ctl.store.journal.read(kind="survey.answered")))
    assert answer.subject == iid and answer.data["score"] == 5 and answer.data["agent"] == "a1"
    r = agent.call("POST", "/api/agents/a1/wrapup", {"disposition": "resolved", "notes": ""})
    assert r.status == 200
    kinds = [e.kind for e in served.ctl.store.journal.read(subject=iid)]
    for k in ("interaction.opened", "message.received", "interaction.offered",
              "interaction.answered", "message.sent", "interaction.ended", "interaction.closed"):
        assert k in kinds, k  # fmt: skip
    widget.close()
    events.close()


def test_scope_only_the_holding_agent_writes(served) -> None:
    a1, events = _ready(served)
    v = served.visitor()
    widget = served.chat_socket(v["token"])
    widget.send({"type": "message", "text": "hello", "client_id": "x"})
    widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"])
    widget.send({"type": "message", "text": "2", "client_id": "y"})
    offer = _offered(events)
    iid = offer["subject"]
    a2, sup, boss = served.agent("a2"), served.agent("sup1"), served.agent("boss")
    assert a2.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 403
    assert a1.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200
    assert a2.call("GET", f"/api/interactions/{iid}/messages").status == 403
    assert a2.call("POST", f"/api/interactions/{iid}/messages", {"text": "x"}).status == 403
    assert sup.call("GET", f"/api/interactions/{iid}/messages").status == 200  # a1: team red
    r = sup.call("POST", f"/api/interactions/{iid}/messages", {"text": "x"})
    assert r.status == 403 and r.json()["error"] == "forbidden"
    assert boss.call("GET", f"/api/interactions/{iid}/messages").status == 200
    assert a1.call("POST", f"/api/interactions/{iid}/messages", {"text": ""}).status == 400
    assert a1.call("GET", "/api/attachments/m-nosuch.0").status == 404
    denied = list(served.ctl.store.journal.read(kind="access.denied"))
    assert {e.data["user"] for e in denied} >= {"a2", "sup1"}
    widget.close()
    events.close()


def test_sms_by_signed_webhook_and_the_reply_through_the_provider(served) -> None:
    agent, events = _ready(served)
    status, _ = served.sms_in("+15005550006", "My parcel never came", "SM" + "1" * 32)
    assert status == 200
    offer = _offered(events)
    iid = offer["subject"]
    r = agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept")
    assert r.status == 200 and r.json()["medium"] == "sms"
    assert [m["text"] for m in r.json()["transcript"]] == ["My parcel never came"]
    r = agent.call("POST", f"/api/interactions/{iid}/messages", {"text": "Sorry! Checking now."})
    assert r.status == 200 and r.json()["status"] == "sent", r.body
    eventually(lambda: served.provider.sent, "the reply at the provider")
    out = served.provider.sent[-1]
    assert out["To"] == "+15005550006" and out["Body"] == "Sorry! Checking now."
    # the provider's delivery receipt, signed, moves the message's status on
    from tests.integration.digital.sms_provider import TOKEN, post_webhook
    from tests.integration.digital.webchat import in_thread

    form = {"MessageSid": out["sid"], "MessageStatus": "delivered"}
    status, _ = in_thread(post_webhook, served.port, "/sms/status", form, served.url, TOKEN)
    assert status == 204
    eventually(lambda: agent.call("GET", f"/api/interactions/{iid}/messages").json()[-1]["status"]
               == "delivered", "the delivery receipt")  # fmt: skip
    # a forged webhook is refused and stores nothing
    form = {"MessageSid": "SM" + "2" * 32, "From": "+15005550006", "Body": "forged"}
    status, _ = in_thread(post_webhook, served.port, "/sms/inbound", form, served.url,
                          TOKEN, twilio.signature("wrong", served.url + "/sms/inbound", form))
    assert status == 403
    texts = [m["text"] for m in agent.call("GET", f"/api/interactions/{iid}/messages").json()]
    assert "forged" not in texts
    events.close()


def _chat_to_queue(served, text: str, choice: str = "1"):
    v = served.visitor()
    widget = served.chat_socket(v["token"])
    widget.send({"type": "message", "text": text, "client_id": "a"})
    widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"])
    if choice:
        widget.send({"type": "message", "text": choice, "client_id": "b"})
    return v, widget


def _waiting(ctl, queue: str) -> list[str]:
    """The queue's waiting interactions in the order the ACD will offer them (its place)."""
    core = ctl.acd.acd
    return [it.id for it in core.router.waiting[queue].ordered(core.now, core.router.eff)]


def test_a_restart_loses_no_accepted_message(served) -> None:
    """One chat stays with its agent, two wait in the queue with their places, one is in the
    flow; after a restart each goes on from there and the messages before it are all kept."""
    agent, events = _ready(served)
    v1, w1 = _chat_to_queue(served, "first: with the agent")
    offer = _offered(events)
    held = offer["subject"]
    assert agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200
    r = agent.call("POST", "/api/agents/a1/state", {"state": "not_ready", "reason": "break"})
    assert r.status == 200
    _, w2 = _chat_to_queue(served, "second: waits first")
    eventually(lambda: len(_waiting(served.ctl, "sales")) == 1, "the second waits")
    _, w3 = _chat_to_queue(served, "third: waits behind")
    eventually(lambda: len(_waiting(served.ctl, "sales")) == 2, "the third waits")
    order = _waiting(served.ctl, "sales")
    v4, w4 = _chat_to_queue(served, "fourth: in the flow", choice="")
    w1.send({"type": "message", "text": "last word before the restart", "client_id": "z"})
    w1.until(lambda f: f["type"] == "ack")
    for w in (w1, w2, w3, w4):
        w.close()
    events.close()

    served.restart()

    ctl = served.ctl
    assert _waiting(ctl, "sales") == order  # each with its place
    assert held in ctl.acd.view.agent("a1").active  # still with its agent
    agent = served.agent("a1")
    events = served.events(agent, "agent:a1")
    texts = [m["text"] for m in agent.call("GET", f"/api/interactions/{held}/messages").json()]
    assert texts[0] == "first: with the agent" and texts[-1] == "last word before the restart"
    # the held chat goes on both ways; the visitor comes back with the same token
    w1 = served.chat_socket(v1["token"])
    w1.send({"type": "message", "text": "after the restart", "client_id": "y"})
    got = events.until(lambda f: f.get("kind") == "message.received", what="message push")
    assert got["subject"] == held
    r = agent.call("POST", f"/api/interactions/{held}/messages", {"text": "Still here."})
    assert r.status == 200, r.body
    w1.until(lambda f: f["type"] == "message" and f["message"]["text"] == "Still here.")
    # the flow that was asking asks again; the answer queues the fourth behind the others
    w4 = served.chat_socket(v4["token"])
    w4.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"])
    w4.send({"type": "message", "text": "1", "client_id": "c"})
    eventually(lambda: len(_waiting(ctl, "sales")) == 3, "the fourth queued")
    assert _waiting(ctl, "sales")[:2] == order
    # the agent is ready again: the first waiting is offered first and accepted
    assert agent.call("POST", "/api/agents/a1/state", {"state": "ready"}).status == 200
    offer = _offered(events)
    assert offer["subject"] == order[0]
    r = agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept")
    assert r.status == 200 and r.json()["transcript"][0]["text"] == "second: waits first"
    w1.close()
    w4.close()
    events.close()


def test_a_digital_flow_that_is_not_loaded_is_refused_by_name(tmp_path) -> None:
    import yaml

    from calldesk.app import build
    from calldesk.config import load_config
    from calldesk.errors import ConfigError

    (tmp_path / "flows").mkdir()
    cfg = {"switches": [{"name": "sim1", "host": "127.0.0.1", "port": 1, "password": "pw"}],
           "store": {"path": str(tmp_path / "db.sqlite")}, "flows": {"dir": str(tmp_path / "flows")},
           "recordings": {"dir": str(tmp_path / "rec")}, "queues": [{"name": "sales"}],
           "agents": [{"id": "a1", "contact": "user/1001", "queues": ["sales"]}],
           "digital": {"flows": {"chat": "nosuch"}}}  # fmt: skip
    (tmp_path / "calldesk.yaml").write_text(yaml.safe_dump(cfg))
    with pytest.raises(ConfigError, match=r"digital\.flows\.chat: no flow named 'nosuch'"):
        build(load_config(tmp_path / "calldesk.yaml", env={}))


def test_attachments_are_served_to_those_who_may_see_the_conversation(served) -> None:
    """GET /api/attachments/{id}: the agent holding (or who held) the chat, supervisors of its
    team, admins; 403 with the JSON error for another agent or another team's supervisor, 401
    without credentials. Each download is journaled with its user, each refusal too. The next
    conversation carries the history on: its agent, who sees the file, may fetch it."""
    from tests.integration.web.conftest import Client

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
    a1, events = _ready(served)
    v = served.visitor()
    widget = served.chat_socket(v["token"])
    widget.send({"type": "message", "text": "see the photo", "client_id": "a"})
    widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"])
    up = Client(served.port).raw(
        "POST", "/chat/attachments?name=photo.png&client_id=f1", png,
        {"Authorization": f"Bearer {v['token']}", "Content-Type": "image/png"},
    )  # fmt: skip
    assert up.status == 201, up.body
    widget.send({"type": "message", "text": "1", "client_id": "b"})
    offer = _offered(events)
    first = offer["subject"]
    assert a1.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200
    (att,) = [a for m in a1.call("GET", f"/api/interactions/{first}/messages").json()
              for a in m["attachments"]]  # fmt: skip
    url = att["url"]

    a2, sup1, sup2, boss = (served.agent(u) for u in ("a2", "sup1", "sup2", "boss"))
    for who, client in (("a1", a1), ("sup1", sup1), ("boss", boss)):
        got = client.raw("GET", url)
        assert got.status == 200 and got.body == png, who
    for who, client in (("a2", a2), ("sup2", sup2)):
        refused = client.call("GET", url)
        assert refused.status == 403, who
        assert refused.json()["error"] == "forbidden" and refused.json()["detail"], who
    assert Client(served.port).raw("GET", url).status == 401
    journal = served.ctl.store.journal
    downloads = [e for e in journal.read(kind="api.digital.attachment") if e.subject == first]
    assert [e.data["by"] for e in downloads] == ["a1", "sup1", "boss"]
    assert all(e.data["attachment"] == att["id"] for e in downloads)
    denied = [e for e in journal.read(kind="access.denied") if e.subject == first]
    assert {e.data["user"] for e in denied} >= {"a2", "sup2"}

    # closed; the visitor writes again: a new conversation with the history, taken by a2
    assert a1.call("POST", f"/api/interactions/{first}/close").status == 200
    widget.send({"type": "message", "text": "one more thing", "client_id": "c"})
    widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"]
                 and f["message"]["interaction"] != first)  # fmt: skip
    a2_events = served.events(a2, "agent:a2")
    assert a2.call("POST", "/api/agents/a2/login", {"ready": True}).status == 200
    widget.send({"type": "message", "text": "2", "client_id": "d"})
    offer = _offered(a2_events, "a2")
    second = offer["subject"]
    assert second != first
    assert a2.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200
    shown = [a["url"] for m in a2.call("GET", f"/api/interactions/{second}/messages").json()
             for a in m["attachments"]]  # fmt: skip
    assert shown == [url]  # the history shows it, so its agent may open it
    got = a2.raw("GET", url)
    assert got.status == 200 and got.body == png
    assert a1.raw("GET", url).status == 200  # a1 held the first one
    widget.close()
    events.close()
    a2_events.close()


def _accepted_chats(served, agent, events, n: int) -> list[tuple[str, object]]:
    """`n` chats brought to the queue and accepted by `agent`: (interaction, widget) each."""
    chats = []
    for k in range(n):
        _, widget = _chat_to_queue(served, f"chat {k}")
        offer = _offered(events)
        assert agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept").status == 200
        chats.append((offer["subject"], widget))
    return chats


def test_done_ends_only_the_wrap_up_of_the_interaction_named(served) -> None:
    """Two chats closed, two wrap-ups: Done on one leaves the agent in wrap-up with the
    other; the agent is ready only after the second."""
    agent, events = _ready(served)
    chats = _accepted_chats(served, agent, events, 2)
    first, second = (iid for iid, _ in chats)
    for iid, _ in chats:
        assert agent.call("POST", f"/api/interactions/{iid}/close").status == 200
    eventually(lambda: agent.call("GET", "/api/agents/a1").json()["state"] == "wrap_up", "wrap-up")

    r = agent.call("POST", "/api/agents/a1/wrapup",
                   {"disposition": "resolved", "notes": "", "interaction": first})  # fmt: skip
    assert r.status == 200, r.body
    assert r.json()["state"] == "wrap_up"  # the second is still pending
    again = agent.call("POST", "/api/agents/a1/wrapup",
                       {"disposition": "resolved", "interaction": first})  # fmt: skip
    assert again.status == 409 and again.json()["error"]
    r = agent.call("POST", "/api/agents/a1/wrapup",
                   {"disposition": "resolved", "interaction": second})  # fmt: skip
    assert r.status == 200 and r.json()["state"] == "available", r.body
    ended = [e for e in served.ctl.store.journal.read(kind="agent.wrapup") if e.subject == "a1"]
    assert [e.data["interaction"] for e in ended] == [first, second]
    done = [e.data.get("interaction") for e in served.ctl.store.journal.read(kind="api.wrapup")]
    assert done == [first, second]
    for _, widget in chats:
        widget.close()
    events.close()


def test_the_prechat_name_and_email_reach_the_offer_and_the_customer(tmp_path, monkeypatch):
    """`digital.chat.prechat: {name: required, email: optional}`: a first message without the
    name is refused by field, a bad email too; the name given is the customer's on the
    agent's offer, hand-off and screen pop, the email an unverified identity."""
    from tests.integration.digital.served import TOKEN_ENV
    from tests.integration.digital.sms_provider import TOKEN
    from tests.integration.web.conftest import Client

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    served = start_served(tmp_path, chat={"prechat": {"name": "required", "email": "optional"}})
    try:
        agent, events = _ready(served)
        v = served.visitor()
        web = Client(served.port)
        web.token = v["token"]
        assert web.call("GET", "/chat/limits").json()["prechat"] == {
            "name": "required", "email": "optional"}  # fmt: skip
        nameless = web.call("POST", "/chat/messages", {"text": "hi", "client_id": "a"})
        assert nameless.status == 400 and nameless.json()["field"] == "name"
        widget = served.chat_socket(v["token"])
        widget.send({"type": "message", "text": "hi", "client_id": "b", "name": "Zoe",
                     "email": "not an address"})  # fmt: skip
        bad = widget.until(lambda f: f["type"] == "error", what="the refusal")
        assert bad["field"] == "email" and bad["client_id"] == "b"
        widget.send({"type": "message", "text": "hi", "client_id": "c",
                     "name": " Zoe\x00  Quinn ", "email": "Zoe.Quinn@Example.com"})  # fmt: skip
        widget.until(lambda f: f["type"] == "ack", what="the ack")
        widget.until(lambda f: f["type"] == "message" and "sales or 2" in f["message"]["text"])
        widget.send({"type": "message", "text": "1", "client_id": "d"})  # no name: not first
        offer = _offered(events)
        iid = offer["subject"]
        shown = agent.call("GET", "/api/agents/a1/offer").json()
        assert shown["customer"]["name"] == "Zoe Quinn"
        hand = agent.call("POST", f"/api/offers/{offer['data']['offer']}/accept").json()
        assert hand["customer"]["name"] == "Zoe Quinn"
        assert hand["data"]["email"] == "zoe.quinn@example.com"
        pops = agent.call("GET", "/api/agents/a1/pops").json()
        pops = pops if isinstance(pops, list) else pops["pops"]
        assert "Zoe Quinn" in str([p for p in pops if p.get("interaction") == iid])
        rows = served.ctl.store.db.execute(
            "SELECT i.kind, i.value, i.verified FROM customer_identities i JOIN "
            "customer_interactions c ON c.customer = i.customer WHERE c.interaction = ?", [iid]
        ).fetchall()
        assert ("email", "zoe.quinn@example.com", 0) in [tuple(r) for r in rows]
        widget.close()
        events.close()
    finally:
        stop_served(served)
