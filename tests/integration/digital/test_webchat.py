"""Web chat over real HTTP and WebSocket: visitor → flow → queue → agent and back, receipts,
reconnecting to the same conversation, and the public endpoint's refusals."""

from __future__ import annotations

import pytest
from tests.eventually import eventually
from tests.integration.digital.helpers import build
from tests.integration.digital.webchat import ALLOWED, WebChat

from calldesk.digital.chat.gateway import ChatSettings


@pytest.fixture
def chat(tmp_path):
    rig = build(tmp_path)
    rig.acd_service.login("alice", ready=True)
    web = WebChat(
        rig,
        ChatSettings(
            allowed_origins=(ALLOWED,),
            sessions_per_minute=3,
            max_message_chars=200,
            messages_per_minute=20,
        ),
    )
    yield web
    web.stop()
    rig.stop()


def _bot_menu(ws) -> list[str]:
    return [ws.next("message")["message"]["text"] for _ in range(2)]


def test_a_visitor_chats_with_the_bot_then_an_agent_over_the_websocket(chat):
    rig, desk = chat.rig, chat.rig.desk
    s = chat.session()
    ws = chat.socket(s["token"], origin=ALLOWED)
    ws.send({"type": "message", "text": "hi <b>there</b>", "client_id": "c1"})
    ack = ws.next("ack")
    assert ack["client_id"] == "c1" and ack["message"]["text"] == "hi &lt;b&gt;there&lt;/b&gt;"
    assert _bot_menu(ws) == ["Hello! This is Example Bank.", "Type 1 for sales or 2 for support."]
    iid = desk.messages.latest("chat", s["visitor"]).id
    eventually(lambda: desk.sessions[iid].asking, "the menu to wait")
    ws.send({"type": "message", "text": "Support", "client_id": "c2"})
    ws.next("ack")
    offer = eventually(
        lambda: [e for e in rig.published if e.kind == "interaction.offered" and e.subject == iid],
        "the chat offer",
    )
    view = desk.accept(offer[0].data["offer"], "alice")
    assert [m["text"] for m in view["transcript"]][-1] == "Support"
    assert ws.next("state")["state"] == "connected"

    chat.hub.typing(s["visitor"], "alice")
    assert ws.next("typing")["author"] == "alice"
    sent = desk.reply(iid, "alice", "Hello, I am Alice.")
    got = ws.next("message")["message"]
    assert got["id"] == sent.id and got["text"] == "Hello, I am Alice."
    ws.send({"type": "receipt", "id": sent.id, "status": "read"})
    assert ws.next("receipt") == {"type": "receipt", "id": sent.id, "status": "read"}
    assert desk.messages.transcript(iid)[-1].status == "read"

    assert desk.mark_read(iid, "alice", upto_seq=99) == 2  # the visitor's two messages
    receipts = {ws.next("receipt")["status"] for _ in range(2)}
    assert receipts == {"read"}
    ws.close()


def test_reconnect_reaches_the_same_conversation_and_offline_messages_arrive_once(chat):
    desk = chat.rig.desk
    s = chat.session()
    ws = chat.socket(s["token"])
    ws.send({"type": "message", "text": "hello", "client_id": "c1"})
    ws.next("ack")
    last = max(f["message"]["seq"] for f in [ws.next("message"), ws.next("message")])
    ws.close()
    iid = desk.messages.latest("chat", s["visitor"]).id
    eventually(lambda: desk.sessions[iid].asking, "the menu to wait")

    again = chat.session(s["token"])  # a reload: same visitor, fresh token
    assert again["visitor"] == s["visitor"]
    ws2 = chat.socket(again["token"], after=last)
    # the widget re-sends what it had not seen acknowledged: stored once
    ws2.send({"type": "message", "text": "hello", "client_id": "c1"})
    ack = ws2.next("ack")
    assert ack["message"]["seq"] == 1
    ws2.send({"type": "message", "text": "Sales", "client_id": "c2"})
    assert ws2.next("ack")["message"]["seq"] == 4
    assert ws2.next("message")["message"]["text"] == "Your account number?"
    texts = [m.text for m in desk.messages.transcript(iid) if m.author == "customer"]
    assert texts == ["hello", "Sales"]
    history = chat.call("GET", "/chat/messages?after=3", token=again["token"]).json()
    assert history["interaction"] == iid
    assert [m["text"] for m in history["messages"]] == ["Sales", "Your account number?"]
    ws2.close()


def test_the_public_endpoint_refuses_what_it_must(chat):
    a, b = chat.session(), chat.session()
    ok = chat.call("POST", "/chat/messages", {"text": "mine", "client_id": "x"}, token=a["token"])
    assert ok.status == 201
    # no token, a forged one, another site's origin
    assert chat.call("GET", "/chat/messages").status == 401
    forged = a["token"][:-3] + ("AAA" if not a["token"].endswith("AAA") else "BBB")
    assert chat.call("GET", "/chat/messages", token=forged).json()["error"] == "unauthorized"
    evil = chat.call(
        "POST", "/chat/messages", {"text": "x"}, token=a["token"], origin="https://evil.example"
    )
    assert evil.status == 403 and evil.json()["detail"] == "origin not allowed"
    allowed = chat.call(
        "POST", "/chat/messages", {"text": "hi", "client_id": "y"}, token=a["token"], origin=ALLOWED
    )
    assert allowed.status == 201 and allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    # b sees nothing of a's conversation and cannot touch its messages
    assert chat.call("GET", "/chat/messages", token=b["token"]).json()["messages"] == []
    a_out = chat.rig.transport  # unused for chat now: the hub carries chat
    assert a_out is not None
    iid = chat.rig.desk.messages.latest("chat", a["visitor"]).id
    bot = next(m for m in chat.rig.desk.messages.transcript(iid) if m.direction == "out")
    stolen = chat.call("POST", "/chat/receipts", {"id": bot.id, "status": "read"}, token=b["token"])
    assert stolen.status == 404
    # size, type, blank and JSON checks name the field
    big = chat.call("POST", "/chat/messages", {"text": "<" * 60}, token=a["token"])
    assert big.status == 400 and big.json()["field"] == "text"  # 60 chars, 240 once escaped
    assert (
        chat.call("POST", "/chat/messages", {"text": 5}, token=a["token"]).json()["field"] == "text"
    )
    assert chat.call("POST", "/chat/messages", {"text": " \x00 "}, token=a["token"]).status == 400
    bad = chat.call("POST", "/chat/messages", raw=b"\xff\xfe{", token=a["token"])
    assert bad.status == 400 and bad.json()["field"] == "body"
    # new visitors per address are rate-limited (3 a minute here; two used above)
    assert chat.call("POST", "/chat/session", {}).status == 200
    limited = chat.call("POST", "/chat/session", {})
    assert limited.status == 429 and limited.json()["error"] == "rate_limited"


def test_a_websocket_from_another_site_or_without_a_token_is_refused(chat):
    s = chat.session()
    with pytest.raises(Exception):  # noqa: B017 - the handshake fails: 403
        chat.socket(s["token"], origin="https://evil.example")
    with pytest.raises(Exception):  # noqa: B017 - 401
        chat.socket("v1.nobody.9999999999.sig")
    ws = chat.socket(s["token"])
    ws.send({"type": "nonsense"})
    assert ws.next("error")["error"] == "invalid"
    ws.close()


def test_the_widget_is_one_script_and_its_frame_may_be_embedded_only_by_allowed_sites(chat):
    js = chat.call("GET", "/chat/widget.js")
    assert js.status == 200 and b"/chat/frame" in js.body and b"attachShadow" in js.body
    frame = chat.call("GET", "/chat/frame")
    csp = frame.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {ALLOWED}" in csp
    assert b'<script src="/chat/frame.js">' in frame.body
    assert b"textContent" in chat.call("GET", "/chat/frame.js").body


def test_a_new_conversation_after_a_close_is_sent_whole_on_reconnect(chat):
    desk = chat.rig.desk
    s = chat.session()
    ws = chat.socket(s["token"])
    ws.send({"type": "message", "text": "hello", "client_id": "c1"})
    ws.next("ack")
    frames = [ws.next("message")["message"] for _ in range(2)]
    old, last = frames[-1]["interaction"], frames[-1]["seq"]
    ws.close()
    desk.customer_left(old)
    eventually(lambda: not desk.messages.get(old).open, "the first conversation to close")
    conv, _ = desk.receive("chat", s["visitor"], "me again")  # e.g. from another tab
    assert conv.id != old
    ws2 = chat.socket(s["token"], after=last, interaction=old)
    first = ws2.next("message")["message"]
    assert first["interaction"] == conv.id and first["seq"] == 1 and first["text"] == "me again"
    ws2.close()


def test_a_visitor_over_the_socket_limit_is_refused_at_once_not_starved(tmp_path):
    """`sockets_per_visitor`: one more socket is refused at the handshake with 429 (the
    visitor's widget backs off and retries), never accepted and left silent; once one closes,
    the visitor gets a socket again, and what it missed comes first."""
    from simple_websocket import ConnectionError as WsRefused

    rig = build(tmp_path)
    web = WebChat(rig, ChatSettings(allowed_origins=(ALLOWED,), sockets_per_visitor=1))
    try:
        s = web.session()
        ws = web.socket(s["token"])
        ws.send({"type": "message", "text": "hello", "client_id": "c1"})
        ws.next("ack")
        with pytest.raises(WsRefused) as info:
            web.socket(s["token"])
        assert info.value.status_code == 429
        ws.close()
        eventually(lambda: web.hub.count(s["visitor"]) == 0, "the first socket gone")
        again = web.socket(s["token"])
        assert again.next("message")["message"]["text"] == "hello"
        again.close()
    finally:
        web.stop()
        rig.stop()
