"""List import (errors by line, merges, all-or-nothing), DNC with expiry, the append-only ledger,
the contact queue, and the compliance report's arithmetic."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.dialer.compliance import report
from calldesk.dialer.config import parse_campaigns
from calldesk.dialer.contacts import ContactQueue
from calldesk.dialer.lists import ImportRefused, read_contacts
from calldesk.dialer.store import DialerStore
from calldesk.store import Store

CSV = (
    b"Phone,name,tz,plan\n"
    b"+1 212 555 0100,Ann,,gold\n"
    b"(415) 555-0134,Bob,America/Los_Angeles,silver\n"
    b"not a number,Carl,,x\n"
    b"+12125550100,,,platinum\n"
    b"+1 650 253 0000,Dee,Mars/Base,y\n"
    b"1,2\n"
    b"\xff\xfe,Eve,,\n"
    b"+442079460123,Fay,,\n"
)


def test_read_contacts_reports_each_bad_line_and_merges_duplicates(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "c.csv"
    f.write_bytes(CSV)
    res = read_contacts(f, {"number": "Phone"})
    assert sorted(res.contacts) == ["+12125550100", "+14155550134", "+442079460123"]
    assert [line for line, _ in res.errors] == [4, 6, 7, 8]
    reasons = dict(res.errors)
    assert "cannot parse" in reasons[4] and "Mars/Base" in reasons[6]
    assert "2 fields" in reasons[7] and "UTF-8" in reasons[8]
    ann = res.contacts["+12125550100"]
    assert res.duplicates == 1 and ann.name == "Ann" and ann.fields == {"plan": "gold"}
    assert res.contacts["+14155550134"].timezone == "America/Los_Angeles"


def test_a_file_without_its_number_column_is_refused_whole(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "c.csv"
    f.write_bytes(b"who,when\nx,y\n")
    with pytest.raises(ImportRefused, match=r"c.csv:1: no number column"):
        read_contacts(f)
    with pytest.raises(ImportRefused, match=r"no column 'Mobile'"):
        read_contacts(f, {"number": "Mobile"})


def test_cli_import_names_bad_lines_and_writes_a_summary(tmp_path) -> None:  # noqa: ANN001
    f, db = tmp_path / "c.csv", str(tmp_path / "s.sqlite")
    f.write_bytes(CSV)
    r = CliRunner().invoke(cli, ["lists", "import", str(f), "--list", "spring", "--map",
                                 "number=Phone", "--store", db])  # fmt: skip
    assert r.exit_code == 1
    for line in (4, 6, 7, 8):
        assert f"c.csv:{line}:" in r.output
    assert "3 new contacts" in r.output and "4 lines refused" in r.output
    again = CliRunner().invoke(cli, ["lists", "import", str(f), "--list", "spring", "--map",
                                     "number=Phone", "--store", db, "--json"])  # fmt: skip
    summary = json.loads(again.output.splitlines()[-1])
    assert summary["imported"] == 0 and summary["merged_with_existing"] == 3
    assert [e["line"] for e in summary["errors"]] == [4, 6, 7, 8]
    contacts = DialerStore(Store.open(db)).contacts("spring")
    assert [c["number"] for c in contacts] == ["+12125550100", "+14155550134", "+442079460123"]
    missing = tmp_path / "m.csv"
    missing.write_bytes(b"who\nx\n")
    r = CliRunner().invoke(cli, ["lists", "import", str(missing), "--list", "x", "--store", db])
    assert r.exit_code == 1 and "nothing imported" in r.output and "Traceback" not in r.output
    assert DialerStore(Store.open(db)).contacts("x") == []


def test_dnc_global_campaign_and_expiry(tmp_path) -> None:  # noqa: ANN001
    st = DialerStore(Store.open(tmp_path / "s.sqlite"))
    st.dnc_add(["+12125550100"], at=100.0)
    st.dnc_add(["+14155550134"], scope="renewals", expires_at=500.0, at=100.0)
    assert st.dnc_hit("+12125550100", "any", 200.0)["scope"] == "*"
    assert st.dnc_hit("+14155550134", "renewals", 200.0) is not None
    assert st.dnc_hit("+14155550134", "other", 200.0) is None
    assert st.dnc_hit("+14155550134", "renewals", 600.0) is None  # expired


def test_cli_dnc_add_import_check(tmp_path) -> None:  # noqa: ANN001
    db = str(tmp_path / "s.sqlite")
    run = CliRunner().invoke
    assert run(cli, ["dnc", "add", "212-555-0100", "--store", db]).exit_code == 0
    reg = tmp_path / "registry.txt"
    reg.write_text("areacode,number\n415,5550134\n+1 650 253 0000\nnonsense\n")
    r = run(cli, ["dnc", "import", str(reg), "--campaign", "renewals", "--store", db])
    assert "2 number(s) added" in r.output and "registry.txt:4:" in r.output and r.exit_code == 1
    assert run(cli, ["dnc", "check", "+12125550100", "--store", db]).exit_code == 3
    assert run(cli, ["dnc", "check", "+14155550134", "--store", db]).exit_code == 0
    hit = run(
        cli, ["dnc", "check", "4155550134", "--campaign", "renewals", "--store", db, "--json"]
    )
    assert hit.exit_code == 3 and json.loads(hit.output)["blocked"] is True


def test_the_ledger_is_append_only(tmp_path) -> None:  # noqa: ANN001
    st = DialerStore(Store.open(tmp_path / "s.sqlite"))
    st.record_attempt({"at": 1.0, "campaign": "c", "number": "+1", "outcome": "busy"})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        st.db.execute("UPDATE compliance_ledger SET outcome='answer'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        st.db.execute("DELETE FROM compliance_ledger")
    with pytest.raises(ValueError, match="unknown fields"):
        st.record_attempt({"at": 1.0, "campaign": "c", "number": "+1", "outcome": "x", "y": 1})


def _row(**kw: object) -> dict:
    r = {"id": 1, "number": "+1", "local_time": "", "outcome": "answer", "abandoned": 0,
         "window": "mon 09:00-20:00", "dnc_checked": 1, "dnc_hit": 0, "ring_s": 8.0,
         "ring_limit_s": 25.0, "safe_harbour": 0, "agent": "a", "answer_to_agent_s": 0.5}  # fmt: skip
    r.update(kw)
    return r


def test_report_counts_as_the_regulator_and_lists_violations() -> None:
    rows = [_row() for _ in range(97)] + [
        _row(abandoned=1, safe_harbour=1, agent=""),
        _row(abandoned=1, safe_harbour=0, agent=""),  # no message: a violation too
        _row(answer_to_agent_s=2.5),  # reached an agent after 2 s: abandoned
        _row(outcome="busy", agent=""),  # not a live answer
        _row(outcome="machine", amd="machine", abandoned=1, safe_harbour=1),  # AMD false positive
        _row(outcome="no_answer", ring_s=12.0, agent=""),
        _row(outcome="no_answer", ring_s=25.0, ring_limit_s=10.0, agent=""),
        _row(window="", outcome="busy"),
        _row(dnc_hit=1, outcome="busy"),
        _row(dnc_checked=0, outcome="busy"),
    ]
    rep = report("c", rows, 0, 1)
    assert rep.live_answers == 101 and rep.abandoned == 4
    assert rep.abandon_rate == pytest.approx(4 / 101)
    v = rep.violations
    assert len(v["ring_under_15s"]) == 2 and len(v["outside_window"]) == 1
    assert len(v["dnc"]) == 2 and len(v["abandoned_without_message"]) == 1
    assert len(v["late_to_agent"]) == 1
    assert rep.as_dict()["violation_count"] == 7


def test_contact_queue_skips_dnc_waits_for_windows_and_retries() -> None:
    (camp,) = parse_campaigns(
        [{"name": "c", "lists": ["l"], "queue": "q", "caller_id": "+12125550199",
          "safe_harbour_flow": "s", "max_attempts": 2, "retry": {"busy": 600},
          "windows": [{"days": "mon-sun", "start": "09:00", "end": "20:00"}]}],
        trunk_dids={"t": {"+12125550199"}},
    )  # fmt: skip
    blocked = {"+12125550100"}
    q = ContactQueue(camp, [{"number": n} for n in ("+12125550100", "+14155550134")],
                     lambda n, at: n in blocked)  # fmt: skip
    ny_11 = datetime(2026, 12, 7, 11, 0, tzinfo=ZoneInfo("America/New_York")).timestamp()
    assert q.next(ny_11) is None  # New York is on the DNC list; 08:00 in Los Angeles: wait
    assert q.closed == {"+12125550100": "dnc"}
    la_ten = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/Los_Angeles")).timestamp()
    p = q.next(la_ten)
    assert p is not None and p.number == "+14155550134" and p.attempt_no == 1
    q.finished(p.number, "busy", la_ten)
    assert q.next(la_ten + 60) is None  # retry not due yet
    p = q.next(la_ten + 601)
    assert p is not None and p.attempt_no == 2
    q.finished(p.number, "busy", la_ten + 700)
    assert q.closed["+14155550134"] == "max_attempts" and q.pending() == 0
