"""`calldesk report interval` on a real journal: CSV per queue and medium, the customer's chat
and call counted as one journey (the chat is not first-contact resolution), and the same report
rebuilt from a copy of the journal."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner
from tests.integration.customers.journal_helpers import interaction

from calldesk.cli.main import cli
from calldesk.customers.follow import Follower
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings
from calldesk.notify import Notifier
from calldesk.store import Store

T0 = 1_764_576_000.0  # 2025-12-01T08:00:00Z


def _config(tmp_path, store):
    cfg = tmp_path / "calldesk.yaml"
    cfg.write_text(
        f"store: {{path: {store}}}\n"
        "queues: [{name: billing, sl_seconds: 15}, {name: sales}]\n"
        "customers: {country: GB}\n"
    )
    return cfg


def _fill(store_path):
    s = Store.open(store_path)
    svc = CustomerService(s, Settings(country="GB"))
    s.journal.notifier = Notifier()
    s.journal.notifier.subscribe(Follower(svc).on_entry)
    interaction(
        s, "chat-1", T0, medium="chat", caller="tok-1", variables={"identity_account": "A1"}, wait=5
    )
    interaction(
        s,
        "call-1",
        T0 + 1800,
        caller="+442071838750",
        wait=30,
        variables={"identity_account": "A1", "verified_account": True},
    )
    interaction(s, "call-2", T0 + 1900, caller="+442079460000", queue="sales", agent=None, wait=40)
    s.close()


def _run(cfg, *args):
    out = CliRunner().invoke(cli, ["-c", str(cfg), "report", "interval", *args])
    assert out.exit_code == 0, out.output
    return out.output


def test_interval_csv_by_queue_and_medium(tmp_path):
    store = tmp_path / "r.sqlite"
    _fill(store)
    cfg = _config(tmp_path, store)
    text = _run(
        cfg,
        "--from",
        "2025-12-01",
        "--to",
        "2025-12-02",
        "--by",
        "queue,medium",
        "--step",
        "1h",
        "--csv",
    )
    rows = {(r["start"], r["queue"], r["medium"]): r for r in csv.DictReader(io.StringIO(text))}
    assert set(rows) == {
        ("2025-12-01T08:00:00Z", "billing", "chat"),
        ("2025-12-01T08:00:00Z", "billing", "voice"),
        ("2025-12-01T08:00:00Z", "sales", "voice"),
    }
    chat = rows[("2025-12-01T08:00:00Z", "billing", "chat")]
    call = rows[("2025-12-01T08:00:00Z", "billing", "voice")]
    lost = rows[("2025-12-01T08:00:00Z", "sales", "voice")]
    # one journey, two contacts: the chat came back as a call within 72 h on billing
    assert (chat["offered"], chat["answered"], chat["fcr"], chat["service_level"]) == (
        "1",
        "1",
        "0.0",
        "1.0",
    )
    assert (call["fcr"], call["service_level"], call["asa_s"]) == (
        "1.0",
        "0.0",
        "30.0",
    )  # 30 s > 15 s SL
    assert (lost["abandoned"], lost["service_level"], lost["fcr"]) == ("1", "0.0", "")
    assert call["aht_s"] == "140.0"  # 120 s talk + 20 s wrap-up


def test_report_is_rebuilt_from_the_journal_alone(tmp_path):
    store = tmp_path / "r.sqlite"
    _fill(store)
    cfg = _config(tmp_path, store)
    args = ("--from", "2025-12-01T08:00", "--to", "2025-12-01T09:00", "--by", "queue", "--csv")
    first = _run(cfg, *args)
    assert _run(cfg, *args) == first
    # a fresh store holding only the journal (customers re-attached from it) gives the same
    copy = tmp_path / "copy.sqlite"
    src, dst = Store.open(store), Store.open(copy)
    dst.journal.append_many(
        [
            (e.kind, e.subject, e.data, e.at)
            for e in src.journal.read()
            if not e.kind.startswith("customer.")
        ]
    )
    Follower(CustomerService(dst, Settings(country="GB"))).catch_up()
    src.close(), dst.close()
    assert _run(_config(tmp_path, copy), *args) == first


def test_bad_arguments_are_one_line_errors(tmp_path):
    cfg = _config(tmp_path, tmp_path / "r.sqlite")
    out = CliRunner().invoke(
        cli, ["-c", str(cfg), "report", "interval", "--from", "2025-12-02", "--to", "2025-12-01"]
    )
    assert out.exit_code != 0 and "must be after --from" in out.output
    out = CliRunner().invoke(
        cli,
        [
            "-c",
            str(cfg),
            "report",
            "interval",
            "--from",
            "2025-12-01",
            "--to",
            "2025-12-02",
            "--step",
            "7m",
        ],
    )
    assert out.exit_code != 0 and "step: '7m'" in out.output


def test_facts_follow_the_journal_and_rebuild_gives_the_same(tmp_path):
    store = tmp_path / "r.sqlite"
    _fill(store)
    cfg = _config(tmp_path, store)
    args = ("--from", "2025-12-01", "--to", "2025-12-02", "--by", "medium", "--step", "1d", "--csv")
    before = _run(cfg, *args)
    s = Store.open(store)
    interaction(s, "chat-9", T0 + 7200, medium="chat", caller="tok-9", wait=2)
    s.close()
    after = _run(cfg, *args)  # caught up: the new chat counts
    chat = next(r for r in csv.DictReader(io.StringIO(after)) if r["medium"] == "chat")
    assert chat["offered"] == "2" and before != after
    out = CliRunner().invoke(cli, ["-c", str(cfg), "report", "rebuild"])
    assert out.exit_code == 0 and "rebuilt from" in out.output
    assert _run(cfg, *args) == after


def test_sqlite_grouping_gives_what_the_pure_aggregate_gives(tmp_path):
    from calldesk.reports.interval import aggregate
    from calldesk.reports.source import Facts

    store = tmp_path / "r.sqlite"
    _fill(store)
    s = Store.open(store)
    interaction(s, "call-3", T0 + 4000, caller="+442071838750", queue="sales", wait=3)
    facts = Facts(s)
    facts.catch_up()
    sl = {"billing": 15.0}
    for step, by in (
        (900.0, ("queue",)),
        (3600.0, ("queue", "medium", "agent")),
        (86400.0, ("agent",)),
    ):
        pure = aggregate(facts.between(T0 - 10, T0 + 86400), step, by, sl)
        assert facts.aggregate(T0 - 10, T0 + 86400, step, by, sl) == pure
        assert sum(r["offered"] for r in pure) == 4
    s.close()
