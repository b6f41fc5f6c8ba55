"""/api/customers and /api/reports/interval over real HTTP: search, record with timeline and
journeys, identities, merge and unmerge (supervisors and admins only), every read journaled with
its user; the report figures a supervisor sees are their teams' queues only."""

from __future__ import annotations

from calldesk.customers.service import CustomerService


def _customers(env) -> tuple[str, str]:
    svc = CustomerService(env.ctl.store)
    now = env.ctl.acd.clock()
    ann, _ = svc.upsert(
        {
            "name": "Ann",
            "fields": {"tier": "gold"},
            "identities": [
                {"kind": "phone", "value": "+15550101"},
                {"kind": "account", "value": "A1", "verified": True},
            ],
        },
        now,
    )
    dup, _ = svc.upsert(
        {"name": "Ann B", "identities": [{"kind": "email", "value": "a@x.org"}]}, now
    )
    return ann, dup


def test_search_read_identities_are_journaled_with_the_user(env) -> None:
    ann, _ = _customers(env)
    a1 = env.client("a1")
    found = a1.call("GET", "/api/customers?q=%2B1555010").json()
    assert [c["id"] for c in found] == [ann]
    assert a1.call("GET", "/api/customers").json() == []
    r = a1.call("GET", f"/api/customers/{ann}")
    assert r.status == 200
    body = r.json()
    assert body["name"] == "Ann" and body["fields"] == {"tier": "gold"}
    assert body["timeline"] == [] and body["journeys"] == [] and body["merges"] == []
    ids = a1.call("GET", f"/api/customers/{ann}/identities").json()
    assert {(i["kind"], i["value"], i["verified"]) for i in ids} == {
        ("phone", "+15550101", False),
        ("account", "A1", True),
    }
    assert a1.call("GET", "/api/customers/cu-nosuch").status == 404
    reads = list(env.ctl.store.journal.read(kind="customer.read"))
    assert [(e.subject, e.data["by"]) for e in reads] == [(ann, "a1"), (ann, "a1")]
    searches = list(env.ctl.store.journal.read(kind="customer.search"))
    assert searches and all(e.data["by"] == "a1" for e in searches)


def test_crm_records_create_and_update_customers_supervisors_only(env) -> None:
    a1, sup1 = env.client("a1"), env.client("sup1")
    record = {
        "id": "crm-77",
        "name": "Bea",
        "fields": {"tier": "gold"},
        "identities": [
            {"kind": "phone", "value": "+15550177"},
            {"kind": "account", "value": "b77", "verified": True},
        ],
    }
    r = a1.call("POST", "/api/customers", record)
    assert r.status == 403 and r.json()["error"] == "forbidden"
    r = sup1.call("POST", "/api/customers", record)
    assert r.status == 200 and r.json() == {"id": "crm-77", "created": True}, r.body
    again = {"id": "crm-77", "name": "Bea Lee", "fields": {"open_complaint": True}}
    assert sup1.call("POST", "/api/customers", again).json() == {"id": "crm-77", "created": False}
    body = sup1.call("GET", "/api/customers/crm-77").json()
    assert body["name"] == "Bea Lee"
    assert body["fields"] == {"tier": "gold", "open_complaint": True}
    assert {(i["kind"], i["value"], i["verified"]) for i in body["identities"]} == {
        ("phone", "+15550177", False),
        ("account", "B77", True),
    }
    # without an id, the record's identities find the customer
    by_account = {"name": "Bea L.", "identities": [{"kind": "account", "value": "B77"}]}
    assert sup1.call("POST", "/api/customers", by_account).json() == {
        "id": "crm-77",
        "created": False,
    }
    bad = {"identities": [{"kind": "phone", "value": "not a number"}]}
    r = sup1.call("POST", "/api/customers", bad)
    assert r.status == 400 and r.json()["field"] == "identities", r.body
    r = sup1.call("POST", "/api/customers", {"name": "Nobody"})
    assert r.status == 400 and "needs an id" in r.json()["detail"]
    assert sup1.call("POST", "/api/customers", {"id": "x", "colour": "red"}).status == 400
    done = list(env.ctl.store.journal.read(kind="customer.upserted"))
    assert [(e.subject, e.data["by"], e.data["created"]) for e in done] == [
        ("crm-77", "sup1", True),
        ("crm-77", "sup1", False),
        ("crm-77", "sup1", False),
    ]


def test_merge_and_unmerge_supervisors_only(env) -> None:
    ann, dup = _customers(env)
    a1, sup1 = env.client("a1"), env.client("sup1")
    r = a1.call("POST", f"/api/customers/{ann}/merge", {"absorbed": dup})
    assert r.status == 403 and r.json()["error"] == "forbidden"
    r = sup1.call("POST", f"/api/customers/{ann}/merge", {"absorbed": dup})
    assert r.status == 200, r.body
    merge = r.json()["merge"]
    record = sup1.call("GET", f"/api/customers/{ann}").json()
    assert ("email", "a@x.org") in {(i["kind"], i["value"]) for i in record["identities"]}
    assert record["merges"][0]["absorbed"] == dup
    assert sup1.call("POST", f"/api/customers/{ann}/merge", {"absorbed": "cu-x"}).status == 404
    assert a1.call("POST", f"/api/customers/merges/{merge}/undo").status == 403
    r = sup1.call("POST", f"/api/customers/merges/{merge}/undo")
    assert r.status == 200 and r.json()["absorbed"] == dup
    assert sup1.call("POST", f"/api/customers/merges/{merge}/undo").status == 409  # already
    assert sup1.call("POST", "/api/customers/merges/x1/undo").status == 400
    record = sup1.call("GET", f"/api/customers/{ann}").json()
    assert "a@x.org" not in {i["value"] for i in record["identities"]}
    kinds = [e.kind for e in env.ctl.store.journal.read(kind_prefix="customer.")]
    assert "customer.merged" in kinds and "customer.unmerged" in kinds


def test_report_figures_scoped_to_the_supervisors_queues(env) -> None:
    assert env.client("a1").call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    env.call_for("a1", "sales")
    now = env.ctl.acd.clock()
    q = f"/api/reports/interval?from={now - 3600:.0f}&to={now + 60:.0f}&step=3600&by=queue,medium"
    boss, sup1, sup3 = env.bearer("boss"), env.client("sup1"), env.client("sup3")
    rows = boss.call("GET", q).json()["rows"]
    assert [(r["queue"], r["medium"], r["offered"], r["answered"]) for r in rows] == [
        ("sales", "voice", 1, 1)
    ]
    assert sup1.call("GET", q).json()["rows"] == rows  # red: sales and support
    assert sup3.call("GET", q).json()["rows"] == []  # blue: no queues
    assert env.client("a1").call("GET", q).status == 403
    bad = boss.call("GET", q.replace("by=queue,medium", "by=colour"))
    assert bad.status == 400 and bad.json()["field"] == "by"


def test_wallboard_history_shows_the_report_figures(env) -> None:
    assert env.client("a1").call("POST", "/api/agents/a1/login", {"ready": True}).status == 200
    env.call_for("a1", "sales")
    sup1 = env.client("sup1")
    history = sup1.call("GET", "/api/queues/sales/history?minutes=60&step=300").json()
    assert len(history) in (12, 13) and all(r["start"] % 300 == 0 for r in history)
    busy = [r for r in history if r["offered"]]
    assert [(r["offered"], r["answered"], r["abandoned"]) for r in busy] == [(1, 1, 0)]
    start = busy[0]["start"]
    q = f"/api/reports/interval?from={start:.0f}&to={start + 300:.0f}&step=300&by=queue"
    (row,) = env.bearer("boss").call("GET", q).json()["rows"]
    assert row["start"] == start and row["queue"] == "sales"
    assert (row["offered"], row["answered"], row["service_level"]) == (
        busy[0]["offered"],
        busy[0]["answered"],
        busy[0]["service_level"],
    )
    quiet = sup1.call("GET", "/api/queues/support/history?minutes=60&step=300").json()
    assert sum(r["offered"] for r in quiet) == 0
