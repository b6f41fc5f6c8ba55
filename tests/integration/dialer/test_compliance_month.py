"""A simulated month of a predictive campaign, written to a real SQLite ledger: the compliance
report finds no call outside a window, to a DNC number, or with a ring under 15 s, and an
abandon rate under the cap. A number put on the DNC list mid-campaign is never dialled again."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime

from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.dialer.config import parse_campaigns
from calldesk.dialer.contacts import ContactQueue
from calldesk.dialer.numbers import check_window
from calldesk.dialer.store import DialerStore
from calldesk.sim.virtual.outbound import simulate_outbound
from calldesk.sim.virtual.outbound_campaign import CampaignRun
from calldesk.sim.virtual.outbound_model import OutboundScenario
from calldesk.store import Store

AREAS = ("212", "415", "312", "303", "808")  # New York .. Honolulu: five time zones


def test_a_simulated_month_leaves_the_violation_lists_empty(tmp_path) -> None:  # noqa: ANN001
    path = str(tmp_path / "calldesk.sqlite")
    store = DialerStore(Store.open(path))
    (camp,) = parse_campaigns(
        [{"name": "renewals", "mode": "predictive", "lists": ["month"], "queue": "sales",
          "caller_id": "+12125550199", "safe_harbour_flow": "safe_harbour", "max_attempts": 3,
          "retry": {"busy": "1d", "no_answer": "3d", "machine": "5d", "failed": "2d"},
          "windows": [{"days": "mon-fri", "start": "09:00", "end": "20:00"},
                      {"days": "sat", "start": "10:00", "end": "14:00"}]}],
        trunk_dids={"main": {"+12125550199"}},
    )  # fmt: skip
    rng = random.Random(3)
    numbers = sorted({f"+1{rng.choice(AREAS)}{rng.randrange(200, 999)}{rng.randrange(10000):04d}"
                      for _ in range(4000)})  # fmt: skip
    contacts = [{"number": n, "name": f"c{i}"} for i, n in enumerate(numbers)]
    contacts[0]["timezone"] = "Pacific/Honolulu"  # a per-contact override
    blocked = set(numbers[1:40])
    store.dnc_add(blocked, at=0.0)
    late: list[str] = []
    origin = datetime(2026, 11, 2, 13, 0, tzinfo=UTC).timestamp()  # Monday 08:00 in New York
    added_at: list[float] = []

    tries: dict[str, int] = {}

    def write(row: dict) -> None:
        store.record_attempt(row)
        tries[row["number"]] = tries.get(row["number"], 0) + 1
        # mid-campaign: a number due for a retry goes on the campaign's DNC list
        if (
            not late
            and row["at"] > origin + 3 * 3600
            and row["outcome"] == "no_answer"
            and tries[row["number"]] == 1
        ):
            store.dnc_add([row["number"]], scope="renewals", at=row["at"])
            late.append(row["number"])
            added_at.append(row["at"])

    queue = ContactQueue(camp, contacts, lambda n, at: store.dnc_hit(n, camp.name, at) is not None)
    sc = OutboundScenario(agents=3, hours=12, days=30, seed=5, pacing_interval_s=2.0,
                          ring_timeout_s=camp.ring_s, abandon_cap=camp.abandon_cap)  # fmt: skip
    run = CampaignRun(camp, queue, write, origin, sc.hours * 3600)
    simulate_outbound(sc, run)

    until = origin + 31 * 86400
    r = CliRunner().invoke(cli, ["compliance", "report", "--campaign", "renewals", "--days",
                                 "31", "--until", str(until), "--store", path, "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert rep["attempts"] == run.rows > 2000 and rep["live_answers"] > 500
    assert rep["violation_count"] == 0, {k: len(v) for k, v in rep["violations"].items()}
    assert rep["abandon_rate"] <= 0.03
    assert 0 < rep["abandoned"]  # the dialer did pace predictively, not progressively
    rows = store.ledger("renewals", 0, until)
    override = {c["number"]: c.get("timezone", "") for c in contacts}
    for x in rows:  # recomputed from the number and the time, not trusted from the ledger
        assert check_window(x["number"], x["at"], camp.windows, override[x["number"]]).allowed
    dialled = {x["number"] for x in rows}
    assert not dialled & blocked
    assert late and max(x["at"] for x in rows if x["number"] == late[0]) == added_at[0]
    assert queue.closed[late[0]] == "dnc"
    assert {x["timezone"] for x in rows} >= {"America/New_York", "Pacific/Honolulu"}
    saturday = [x for x in rows if datetime.fromisoformat(x["local_time"]).weekday() == 5]
    assert saturday and all("10:00-14:00" in x["window"] for x in saturday)
    assert not [x for x in rows if datetime.fromisoformat(x["local_time"]).weekday() == 6]
    out = CliRunner().invoke(cli, ["compliance", "report", "--campaign", "renewals", "--days",
                                   "31", "--until", str(until), "--store", path, "--csv"])  # fmt: skip
    lines = list(csv.reader(io.StringIO(out.output)))
    assert lines[0][:3] == ["violation", "id", "at"] and len(lines) == 1
