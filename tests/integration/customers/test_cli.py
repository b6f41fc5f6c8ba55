"""`calldesk customers …` through click on a real store: import with line errors, show, search
by prefix, merge and unmerge, export and erase, and the role checks."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from tests.integration.customers.journal_helpers import interaction

from calldesk.cli.main import cli
from calldesk.store import Store

CONFIG = """
store: {path: STORE}
customers: {country: GB, retention: {chat: {pii_days: 30}}}
users:
  - {id: ops, role: admin}
  - {id: sam, role: supervisor}
  - {id: ann, role: agent}
"""

CSV = """id,name,phone,email,account,tier,verified
crm-1,Ann Lee,020 7183 8750,ann@example.com,A1,gold,account email
crm-2,Bob Ray,+44 20 7946 0000;+447700900123,bob@example.com,B2,silver,
crm-3,Bad Phone,12,x@example.com,C3,,
,,,,,,
crm-4,Too Many,+442079460001,d@example.com,D4,bronze,account,extra
"""


@pytest.fixture
def env(tmp_path, monkeypatch):
    store = tmp_path / "c.sqlite"
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(CONFIG.replace("STORE", str(store)))
    (tmp_path / "crm.csv").write_text(CSV)
    monkeypatch.delenv("CALLDESK_ESL_URL", raising=False)

    def run(*args: str, ok: bool = True):
        out = CliRunner().invoke(cli, ["-c", str(cfg), "customers", *args])
        if ok:
            assert out.exit_code == 0, out.output
        return out

    return tmp_path, store, run


def test_import_reports_bad_lines_and_keeps_the_good(env):
    tmp, _, run = env
    out = run("import", str(tmp / "crm.csv"), "--as", "sam", ok=False)
    assert out.exit_code == 1
    csv_path = tmp / "crm.csv"
    assert f"{csv_path}:4: phone: '12'" in out.output
    assert f"{csv_path}:5: record: needs an id or at least one identity" in out.output
    assert f"{csv_path}:6: 1 value(s) more than the header has" in out.output
    assert "5 line(s): 2 created, 0 updated, 3 refused" in out.output
    shown = json.loads(run("show", "crm-1", "--as", "ann", "--json").output)
    assert shown["name"] == "Ann Lee" and shown["fields"] == {"tier": "gold"}
    flags = {(i["kind"], i["value"]): i["verified"] for i in shown["identities"]}
    assert flags == {
        ("phone", "+442071838750"): False,
        ("email", "ann@example.com"): True,
        ("account", "A1"): True,
    }
    # importing again updates, creates nothing
    again = run("import", str(tmp / "crm.csv"), "--as", "sam", ok=False)
    assert "2 updated" in again.output


def test_show_and_search_by_number_email_and_prefix(env):
    tmp, _, run = env
    run("import", str(tmp / "crm.csv"), "--as", "ops", ok=False)
    assert "crm-1" in run("show", "020 7183 8750", "--as", "ann").output
    assert run("show", "Ann@Example.com", "--as", "ann").output.startswith("crm-1  Ann Lee")
    found = run("search", "+4477009", "--as", "ann").output  # prefix of Bob's mobile
    assert "crm-2" in found and "crm-1" not in found
    assert "crm-2" in run("search", "bob@", "--as", "ann").output
    assert "crm-2" in run("search", "account:b2", "--as", "ann").output
    assert "crm-1" in run("search", "gold", "--as", "ann").output  # a field
    out = run("show", "nobody@example.com", "--as", "ann", ok=False)
    assert out.exit_code != 0 and "error: nobody@example.com: no customer found" in out.output


def test_merge_unmerge_and_role_checks(env):
    tmp, store, run = env
    run("import", str(tmp / "crm.csv"), "--as", "ops", ok=False)
    refused = run("merge", "crm-1", "crm-2", "--as", "ann", ok=False)
    assert (
        refused.exit_code != 0 and "refused: ann (agent) may not merge customers" in refused.output
    )
    assert (
        "merge 1: crm-2 merged into crm-1" in run("merge", "crm-1", "crm-2", "--as", "sam").output
    )
    assert run("show", "bob@example.com", "--as", "ann").output.startswith("crm-1")
    assert "crm-2 restored" in run("unmerge", "1", "--as", "sam").output
    assert run("show", "bob@example.com", "--as", "ann").output.startswith("crm-2")
    s = Store.open(store)
    kinds = [e.kind for e in s.journal.read(kind_prefix="customer.")]
    assert "customer.merged" in kinds and "customer.unmerged" in kinds
    reads = [e.data["by"] for e in s.journal.read(kind="customer.read")]
    assert reads == ["ann", "ann"]  # every read journaled with its user


def test_export_then_erase_keeps_statistics(env):
    tmp, store, run = env
    run("import", str(tmp / "crm.csv"), "--as", "ops", ok=False)
    s = Store.open(store)
    interaction(
        s,
        "call-9",
        1_764_000_000.0,
        caller="+442071838750",
        agent="a1",
        wait=7.0,
        variables={"identity_account": "A1", "verified_account": True, "name": "Ann"},
        notes="card ending 4242",
    )
    s.close()
    run("attach", "--as", "sam")
    refused = run("export", "crm-1", "--as", "sam", ok=False)
    assert "admins only" in refused.output or "admin only" in refused.output
    data = json.loads(run("export", "crm-1", "--as", "ops").output)
    assert data["customer"]["name"] == "Ann Lee"
    assert [i["interaction"] for i in data["interactions"]] == ["call-9"]
    assert any(e["kind"] == "interaction.answered" for e in data["journal"])
    assert data["timeline"][0]["notes"] == "card ending 4242"  # everything held

    assert run("erase", "crm-1", "--as", "ops", ok=False).exit_code != 0  # needs --yes
    out = run("erase", "crm-1", "--as", "ops", "--yes").output
    assert "crm-1 erased: 3 identities" in out
    s = Store.open(store)
    text = " ".join(json.dumps(e.data) for e in s.journal.read(subject="call-9"))
    assert "+442071838750" not in text and "Ann" not in text
    notes = [e.data for e in s.journal.read(kind="api.wrapup")]
    assert notes == [{"by": "a1", "disposition": "resolved", "notes": "[erased]"}]
    answered = next(s.journal.read(subject="call-9", kind="interaction.answered"))
    assert (answered.data["wait"], answered.data["agent"], answered.data["queue"]) == (
        7.0,
        "a1",
        "billing",
    )
    shown = json.loads(run("show", "crm-1", "--as", "ann", "--json").output)
    assert shown["name"] is None and shown["identities"] == [] and shown["erased_at"]
    assert shown["timeline"][0]["outcome"] == "handled"  # the statistics stay
    with pytest.raises(Exception, match="append-only"):
        s.db.execute("UPDATE journal SET kind = 'x' WHERE id = 1")  # the guard is back


def test_retention_redacts_old_chats_only(env):
    tmp, store, run = env
    s = Store.open(store)
    old, new = 1_700_000_000.0, 1_700_000_000.0 + 300 * 86400
    interaction(s, "chat-old", old, medium="chat", caller="tok-old")
    interaction(s, "call-old", old, medium="voice", caller="+442071838750")
    interaction(s, "chat-new", 4_000_000_000.0, medium="chat", caller="tok-new")
    s.close()
    assert new < 4_000_000_000.0
    assert "chat: 1 interaction(s) redacted" in run("retention", "--as", "ops").output
    s = Store.open(store)
    arrived = {e.subject: e.data["customer"] for e in s.journal.read(kind="interaction.arrived")}
    assert arrived == {"chat-old": "[erased]", "call-old": "+442071838750", "chat-new": "tok-new"}
    assert "chat: 0 interaction(s)" in run("retention", "--as", "ops").output
