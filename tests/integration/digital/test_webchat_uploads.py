"""The widget's attachments and proactive invitations over real HTTP: what is stored, what is
refused (size, type, rate, someone else's conversation), and what the public endpoint tells a
visitor (yes or no and a text, nothing of the floor)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from tests.eventually import eventually
from tests.integration.digital.helpers import build
from tests.integration.digital.webchat import ALLOWED, WebChat

from calldesk.digital.chat.invite import Outlook, Rule
from calldesk.digital.chat.settings import AttachmentLimits, ChatSettings

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
RULE = Rule("pricing", ("/pricing*",), 20.0, "sales", 60.0, "Questions about pricing?")


@pytest.fixture
def chat(tmp_path):
    rig = build(tmp_path)
    floor = {"sales": Outlook(1, 0.0)}
    settings = ChatSettings(
        allowed_origins=(ALLOWED,),
        attachments=AttachmentLimits(max_bytes=4096, per_minute=3),
        invitations=(RULE,),
        invitations_per_minute=6,
    )
    web = WebChat(
        rig,
        settings,
        attachments=settings.attachments.store(tmp_path),
        outlook=lambda q: floor.get(q),
    )
    web.floor = floor
    yield web
    web.stop()
    rig.stop()


def _upload(chat, token, data, name="photo.png", kind="image/png", client_id="u1"):
    return chat.call(
        "POST",
        f"/chat/attachments?{urlencode({'name': name, 'client_id': client_id})}",
        raw=data,
        token=token,
        content_type=kind,
    )


def _started(chat):
    s = chat.session()
    r = chat.call("POST", "/chat/messages", {"text": "hello", "client_id": "c1"}, token=s["token"])
    assert r.status == 201
    return s, chat.rig.desk.messages.latest("chat", s["visitor"]).id


def test_an_upload_is_stored_checked_by_content_and_arrives_once(chat, tmp_path):
    assert chat.call("GET", "/chat/limits").json() == {
        "attachments": {
            "max_bytes": 4096,
            "types": ["application/pdf", "image/gif", "image/jpeg", "image/png", "text/plain"],
        },
        "max_message_chars": 2000,
        "prechat": {"name": "off", "email": "off"},  # nothing asked before the first message
    }
    s, iid = _started(chat)
    r = _upload(chat, s["token"], PNG, name="my photo.png")
    assert r.status == 201, r.body
    msg = r.json()["message"]
    assert msg["interaction"] == iid and msg["text"] == "" and msg["direction"] == "in"
    assert msg["attachments"] == [
        {"id": f"{msg['id']}.0", "name": "my photo.png", "type": "image/png", "size": len(PNG)}
    ]
    assert "path" not in str(r.body) and str(tmp_path) not in r.body.decode()
    stored = chat.rig.desk.messages.transcript(iid)[-1].attachments[0]
    assert Path(stored.path).read_bytes() == PNG and stored.path.startswith(str(tmp_path))
    # a retried upload (the answer was lost) is stored once
    again = _upload(chat, s["token"], PNG, name="my photo.png")
    assert again.status == 201 and again.json()["message"]["id"] == msg["id"]
    assert sum(1 for m in chat.rig.desk.messages.transcript(iid) if m.attachments) == 1
    # the visitor's history shows it by id, never by path
    history = chat.call("GET", "/chat/messages", token=s["token"]).json()["messages"]
    assert history[-1]["attachments"][0]["id"] == f"{msg['id']}.0"
    kinds = [e.kind for e in chat.rig.published if e.subject == iid]
    assert kinds.count("message.received") == 2  # the text and the file, journaled once each


def test_a_file_alone_does_not_answer_the_bots_question(chat):
    s, iid = _started(chat)
    desk = chat.rig.desk
    eventually(lambda: desk.sessions[iid].asking, "the menu to wait")
    assert _upload(chat, s["token"], PNG).status == 201
    assert desk.sessions[iid].asking  # still waiting for "1" or "2"
    assert desk.messages.get(iid).state == "bot"


def test_uploads_are_refused_by_size_type_order_rate_and_owner(chat):
    s = chat.session()
    # before any message there is no conversation to attach to
    early = _upload(chat, s["token"], PNG)
    assert early.status == 409 and early.json()["error"] == "conflict"
    s, iid = _started(chat)
    big = _upload(chat, s["token"], PNG * 4, client_id="big")
    assert big.status == 413 and big.json()["field"] == "file"
    exe = _upload(chat, s["token"], b"MZ\x90\x00" * 10, name="x.png", client_id="exe")
    assert exe.status == 415 and "not allowed" in exe.json()["detail"]
    liar = _upload(chat, s["token"], b"\xff\xfe\x00bad", name="a.txt", kind="text/plain")
    assert liar.status == 415
    assert _upload(chat, "", PNG).status == 401
    evil = chat.call(
        "POST",
        "/chat/attachments?name=a.png",
        raw=PNG,
        token=s["token"],
        content_type="image/png",
        origin="https://evil.example",
    )
    assert evil.status == 403
    assert not [m for m in chat.rig.desk.messages.transcript(iid) if m.attachments]
    # 3 uploads a minute; those refused for their content count too: the 4th is rate-limited
    assert _upload(chat, s["token"], PNG, client_id="third").status == 201
    limited = _upload(chat, s["token"], PNG, client_id="late")
    assert limited.status == 429 and limited.json()["error"] == "rate_limited"


def test_attachments_off_means_no_upload(tmp_path):
    rig = build(tmp_path)
    web = WebChat(rig)
    try:
        assert web.call("GET", "/chat/limits").json()["attachments"] is None
        s = web.session()
        assert _upload(web, s["token"], PNG).status == 404
    finally:
        web.stop()
        rig.stop()


def test_the_invitation_says_yes_or_no_and_nothing_of_the_floor(chat):
    ask = lambda url, seconds, **kw: chat.call(  # noqa: E731
        "POST", "/chat/invitation", {"url": url, "seconds": seconds}, **kw
    )
    yes = ask("https://shop.example/pricing", 21, origin=ALLOWED)
    assert yes.status == 200 and yes.json() == {"invite": True, "text": RULE.text}
    assert yes.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert ask("https://shop.example/pricing", 5).json() == {"invite": False, "again_s": 15.0}
    chat.floor["sales"] = Outlook(3, 600.0)  # agents, but the predicted wait is too long
    busy = ask("https://shop.example/pricing", 40).json()
    assert busy == {"invite": False, "again_s": 30.0}
    assert ask("https://shop.example/about", 40).json() == {"invite": False, "again_s": None}
    # bad input names the field; another site is refused; checks are rate-limited per address
    r = chat.call("POST", "/chat/invitation", {"url": 5, "seconds": 1})
    assert r.status == 400 and r.json()["field"] == "url"
    assert ask("https://shop.example/pricing", -1).json()["field"] == "seconds"
    assert ask("/pricing", 30, origin="https://evil.example").status == 403
    limited = ask("/pricing", 30)
    assert limited.status == 429 and limited.json()["error"] == "rate_limited"
