"""`kill -9` of `calldesk serve` during a bridged call on the simulated switch, the call hung up
while no controller runs, then `serve` started again on the same store (issue 11, items 1, 3).

- The agent is available again right after the resync (not a reconcile period later), and the
  repair's journal entries are dated at or after the restart, marked as dated by the resync,
  never at the last input before the crash.
- A recording still running on a live leg at startup is adopted, not settled as 44 bytes: it is
  verified when it really stops, and its sha256 matches the final file.
"""

from __future__ import annotations

import time

import gevent
import pytest
from tests.integration.e2e.serveproc import (
    DID,
    Serve,
    agent_state,
    control,
    site_config,
    start_sim,
    wait_until,
)

from calldesk.recording import wav
from calldesk.store import Store


@pytest.fixture
def site(tmp_path):
    sim = start_sim(tmp_path, agents=1)
    cfg = site_config(tmp_path, sim.port, agents=1, wrap_up_s=1.0)
    serve = Serve(cfg, tmp_path)
    store = Store.open(tmp_path / "calldesk.sqlite")  # created by the first serve's migrations
    yield sim, serve, tmp_path
    serve.stop()
    sim.stop()
    store.close()


def _bridged_call(sim, store: Store) -> tuple[str, str]:
    """A caller through the flow to a1, bridged; (caller leg, interaction)."""
    caller = sim.inject_call(did=DID, caller_id="+15550107")
    iid: list[str] = []

    def bridged() -> bool:
        rows = list(store.journal.read(kind="interaction.bridged"))
        iid[:] = [e.subject for e in rows if e.data.get("caller") == caller]
        return bool(iid)

    wait_until(bridged, 30, "caller bridged to a1")
    return caller, iid[0]


def test_an_agent_whose_call_ended_while_serve_was_down_is_free_after_resync(site) -> None:
    sim, serve, tmp_path = site
    serve.start()
    store = Store.open(tmp_path / "calldesk.sqlite")
    control(tmp_path / "calldesk.sqlite", "agent.login", {"agent": "a1", "ready": True})
    caller, iid = _bridged_call(sim, store)
    gevent.sleep(0.5)  # some talk time
    serve.kill()
    crashed_at = time.time()
    last_before = max(e.at for e in store.journal.read())
    gevent.sleep(1.0)
    assert sim.hangup(caller)  # no controller hears this
    hung_up_at = time.time()
    gevent.sleep(0.5)

    serve.start()
    restarted_at = serve.started_at[-1]
    # Polled with a wall cap well under the periodic reconcile (60 s): the resync settles it.
    wait_until(lambda: agent_state(store, "a1") == "available", 20, "a1 available")

    ended = [e for e in store.journal.read(subject=iid, kind="interaction.ended")]
    assert len(ended) == 1, ended
    end = ended[0]
    assert end.data["cause"] == "reconciled"
    assert end.data["dated_by"] == "resync"
    assert end.at >= hung_up_at - 0.5 and end.at > last_before and end.at > crashed_at
    repairs = list(store.journal.read(subject=iid, kind="acd.repair"))
    assert repairs and all(r.at >= hung_up_at - 0.5 for r in repairs)
    assert all(r.data.get("dated_by") == "resync" for r in repairs)
    assert end.at >= restarted_at
    # talk time runs to the hangup (or the resync), not to the last input before the crash
    answered = next(store.journal.read(subject=iid, kind="interaction.answered"))
    assert end.data["talk"] >= hung_up_at - answered.at - 0.5
    wrap = [e for e in store.journal.read(subject="a1", kind="agent.state")][-2:]
    assert [e.data["state"] for e in wrap] == ["wrap_up", "available"]
    assert wrap[0].at == end.at and wrap[0].data["dated_by"] == end.data["dated_by"]
    store.close()


def _recordings(store: Store, iid: str) -> list[dict]:
    return [dict(r) for r in store.db.execute(
        "SELECT id, status, size, duration, sha256, path FROM recordings WHERE interaction = ?",
        [iid]).fetchall()]


def test_a_recording_running_across_a_restart_is_adopted_and_verified_when_it_stops(site) -> None:
    sim, serve, tmp_path = site
    serve.start()
    store = Store.open(tmp_path / "calldesk.sqlite")
    store.db.conn.row_factory = __import__("sqlite3").Row
    control(tmp_path / "calldesk.sqlite", "agent.login", {"agent": "a1", "ready": True})
    caller, iid = _bridged_call(sim, store)
    wait_until(lambda: any(True for _ in store.journal.read(subject=iid, kind="recording.start")),
               10, "recording started")  # the row, and the command the switch acted on
    serve.kill()  # the call goes on, and the switch keeps writing the file
    gevent.sleep(0.5)
    serve.start()
    restarted_at = serve.started_at[-1]
    # The first journal entries of the new serve are in; the row is still a recording.
    wait_until(lambda: any(e.at >= restarted_at for e in store.journal.read(kind="acd.recovered")),
               20, "recovered")
    [row] = _recordings(store, iid)
    assert row["status"] == "recording", row  # not `complete`, 0.0 s, 44 bytes
    gevent.sleep(1.0)
    assert sim.hangup(caller)
    wait_until(lambda: _recordings(store, iid)[0]["status"] != "recording", 20, "settled")
    [row] = _recordings(store, iid)
    path = tmp_path / "rec" / row["path"]
    info = wav.inspect(path)
    assert row["status"] == "complete", row
    assert info.healthy and info.seconds >= 1.5 and row["size"] == info.size > 44
    assert row["duration"] == round(info.seconds, 3)
    assert row["sha256"] == wav.sha256_of(path)
    kinds = [e.kind for e in store.journal.read(subject=iid) if e.kind.startswith("recording.")]
    assert kinds[-1] == "recording.complete" and "recording.adopted" in kinds
    store.close()


def test_a_flow_whose_caller_hung_up_while_serve_was_down_ends_after_the_restart(site) -> None:
    """Its saved run stayed `active` for good (found by the restart chaos test): only runs whose
    leg is still up were resumed, so the interaction never ended."""
    sim, serve, tmp_path = site
    flow = tmp_path / "flows" / "quick.yaml"
    flow.write_text(flow.read_text().replace("silence: 300", "silence: 60000"))
    serve.start()
    store = Store.open(tmp_path / "calldesk.sqlite")
    caller = sim.inject_call(did=DID, caller_id="+15550108")
    wait_until(lambda: any(True for _ in store.journal.read(kind="ivr.started")), 20, "started")
    iid = next(store.journal.read(kind="ivr.started")).subject
    serve.kill()
    assert sim.hangup(caller)
    serve.start()
    wait_until(lambda: any(True for _ in store.journal.read(subject=iid, kind="ivr.finished")),
               20, "the run ended")
    finished = next(store.journal.read(subject=iid, kind="ivr.finished"))
    assert finished.data["status"] == "caller_gone"
    assert finished.at >= serve.started_at[-1]
    store.close()
