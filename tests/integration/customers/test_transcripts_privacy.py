"""Transcripts under the privacy commands, through click on a real store: a subject access
export carries the customer's chat messages; erasure removes their text, attachments (the file
too, when no other message holds it) and address; `transcripts_days` erases the messages of old
conversations of its medium only, and `recordings_days` is the voice recordings' default."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.integration.customers.journal_helpers import interaction

from calldesk.cli.main import cli
from calldesk.customers.service import CustomerService
from calldesk.digital.attachments import AttachmentStore
from calldesk.digital.model import Conversation
from calldesk.digital.store import MessageStore
from calldesk.recording.index import COMPLETE, RecordingIndex, Row
from calldesk.recording.retention import purge_due
from calldesk.store import Store

CONFIG = """
store: {path: STORE}
customers:
  retention:
    chat: {transcripts_days: 30}
    voice: {recordings_days: 90}
users:
  - {id: ops, role: admin}
"""
DAY = 86400.0
OLD = 1_700_000_000.0
NEW = 4_000_000_000.0  # far in the future: never old


@pytest.fixture
def env(tmp_path, monkeypatch):
    store = tmp_path / "c.sqlite"
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(CONFIG.replace("STORE", str(store)))
    monkeypatch.delenv("CALLDESK_ESL_URL", raising=False)

    def run(*args: str):
        out = CliRunner().invoke(cli, ["-c", str(cfg), "customers", *args])
        assert out.exit_code == 0, out.output
        return out.output

    return tmp_path, store, run


def _chat(s: Store, iid: str, token: str, at: float, text: str, attachments=()) -> None:
    messages = MessageStore(s)
    messages.create(Conversation(iid, "chat", token, at, state="closed", name="Ann"))
    messages.add(iid, "in", token, text, at, attachments=attachments)
    messages.add(iid, "out", "agent:a1", "Thanks, noted.", at + 5)
    interaction(s, iid, at, medium="chat", caller=token)
    svc = CustomerService(s)
    svc.attach_interaction(iid, "chat", [svc.identity("chat", token)], at)


def test_export_and_erase_carry_the_transcript(env) -> None:
    tmp, store, run = env
    s = Store.open(store)
    files = AttachmentStore(tmp / "att")
    card = files.keep("card.txt", "text/plain", b"card 4242 4242 4242 4242")
    _chat(s, "chat-1", "tok-ann", NEW, "My card is 4242, address 1 Main St", [card])
    _chat(s, "chat-2", "tok-bob", NEW, "Bob's own message")
    ann = CustomerService(s).customers.customer_of("chat-1")
    s.close()

    data = json.loads(run("export", str(ann), "--as", "ops"))
    assert [m["text"] for m in data["messages"]] == [
        "My card is 4242, address 1 Main St",
        "Thanks, noted.",
    ]
    assert [c["address"] for c in data["conversations"]] == ["tok-ann"]
    assert "card.txt" in data["messages"][0]["attachments"]

    out = run("erase", str(ann), "--as", "ops", "--yes")
    assert "erased" in out
    s = Store.open(store)
    texts = dict(
        s.db.execute("SELECT interaction || ':' || seq, text FROM digital_messages").fetchall()
    )
    assert texts == {
        "chat-1:1": "[erased]",
        "chat-1:2": "[erased]",
        "chat-2:1": "Bob's own message",
        "chat-2:2": "Thanks, noted.",
    }
    atts = s.db.execute("SELECT attachments FROM digital_messages WHERE interaction = 'chat-1'")
    assert {r[0] for r in atts.fetchall()} == {"[]"}
    assert not (tmp / "att").joinpath(card.path).exists()  # nobody else held the file
    conv = s.db.execute("SELECT address, name FROM digital_conversations WHERE id = 'chat-1'")
    assert conv.fetchone() == ("[erased]", None)
    erased = next(s.journal.read(kind="customer.erased"))
    assert erased.data["messages"] == 2
    s.close()


def test_transcripts_days_erases_old_conversations_of_its_medium(env) -> None:
    _, store, run = env
    s = Store.open(store)
    _chat(s, "chat-old", "tok-1", OLD, "old words")
    _chat(s, "chat-new", "tok-2", NEW, "new words")
    s.close()
    out = run("retention", "--as", "ops")
    assert "chat transcripts: 2 message(s) erased" in out
    s = Store.open(store)
    rows = s.db.execute(
        "SELECT interaction, text FROM digital_messages WHERE direction = 'in' ORDER BY 1"
    ).fetchall()
    assert rows == [("chat-new", "new words"), ("chat-old", "[erased]")]
    s.close()
    assert "chat transcripts: 0 message(s) erased" in run("retention", "--as", "ops")


def test_recordings_days_is_the_voice_default_and_a_policy_wins(tmp_path) -> None:
    s = Store.open(tmp_path / "r.sqlite")
    index = RecordingIndex(s.db)
    for rid, days in (("r-default", None), ("r-policy", 400)):
        index.insert(
            Row(
                rid,
                f"call-{rid}",
                f"{rid}.wav",
                started_at=OLD,
                status=COMPLETE,
                retention_days=days,
            )
        )
        (tmp_path / f"{rid}.wav").write_bytes(b"RIFF")
    now = OLD + 100 * DAY  # past 90 days, before 400
    assert purge_due(index, s.journal, tmp_path, now).purged == []  # no default: kept
    report = purge_due(index, s.journal, tmp_path, now, default_days=90)
    assert report.purged == ["r-default"]
    assert not (tmp_path / "r-default.wav").exists() and (tmp_path / "r-policy.wav").exists()
    purged = next(s.journal.read(kind="recording.purged"))
    assert purged.data["retention_days"] == 90
    s.close()
