"""The recorder over real TCP against the simulated switch: policy at bridge, mask/unmask, stop,
the index settled from the real WAV, a leg that ends without stop, and crash repair."""

from __future__ import annotations

import wave

import pytest
from tests.integration.recording.simcall import (
    bridged_call,
    sim_sleep,
    start_board,
    start_sim,
    wait_for,
)

from calldesk.auth import Directory, PermissionDenied
from calldesk.recording.policy import PolicySet
from calldesk.recording.recorder import Recorder, RecordingRefused
from calldesk.recording.retention import DAY, purge_due
from calldesk.store import Store

POLICIES = PolicySet.from_config({
    "default": {"mode": "never"},
    "queues": {"sales": {"mode": "always", "retention_days": 7}, "vip": {"mode": "on_demand"},
               "sampled": {"mode": "sampled", "percent": 50}},
    "agents": {"a9": {"mode": "never"}},
})  # fmt: skip
DIRECTORY = Directory.from_config(
    [{"id": "sup1", "role": "supervisor", "teams": ["red"]}, {"id": "a1", "role": "agent", "teams": ["red"]},
     {"id": "a2", "role": "agent"}],
    [{"id": "red"}],
)  # fmt: skip


@pytest.fixture
def env(tmp_path):
    sim = start_sim(tmp_path / "rec")
    board = start_board(sim)
    store = Store.open(tmp_path / "db.sqlite")
    rec = Recorder(board, store, tmp_path / "rec", POLICIES)
    board.tracker.subscribe(rec.on_leg)
    yield sim, board, store, rec, tmp_path
    board.stop()
    sim.stop()
    store.close()


def longest_silence(pcm: bytes) -> int:
    best = run = 0
    for i in range(0, len(pcm), 2):
        run = run + 1 if pcm[i : i + 2] == b"\x00\x00" else 0
        best = max(best, run)
    return best


def kinds(store) -> list[str]:
    return [e.kind for e in store.journal.read(kind_prefix="recording.")]


def test_always_policy_records_from_bridge_with_mask_and_stop(env) -> None:
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    d = rec.on_bridge("int-1", customer, agent, queue="sales", agent="a1")
    assert d.record and d.why == "queue sales: always"
    wait_for(lambda: board.tracker.legs[customer].recording, what="RECORD_START")
    row = rec.active_for("int-1")[0].row
    assert row.path.endswith(f"/int-1-{customer}.wav") and row.legs == [customer, agent]
    sim_sleep(sim, 1.0)
    assert rec.pci("int-1", True) == 1
    assert rec.pci("int-1", True) == 0  # already masked: no second command, no second entry
    sim_sleep(sim, 1.0)
    rec.pci("int-1", False)
    sim_sleep(sim, 1.0)
    rec.stop("int-1", by="a1")
    wait_for(lambda: rec.index.get(row.id).status == "complete", what="settled")
    done = rec.index.get(row.id)
    with wave.open(str(tmp / "rec" / done.path)) as w:
        frames, rate = w.getnframes(), w.getframerate()
        pcm = w.readframes(frames)
    assert done.duration == round(frames / rate, 3) and frames >= 3 * rate
    assert done.size == 44 + len(pcm) and len(done.sha256) == 64
    # the masked second is one run of silence in the file (the sim writes a tone elsewhere)
    silent = longest_silence(pcm)
    assert 0.9 * rate <= silent < frames - 1.5 * rate
    assert kinds(store) == ["recording.start", "recording.mask", "recording.unmask",
                            "recording.stop", "recording.complete"]  # fmt: skip


def test_never_and_sampled_and_on_demand(env) -> None:
    sim, board, store, rec, _ = env
    customer, agent = bridged_call(sim, board, agent_id="a9")
    assert not rec.on_bridge("int-1", customer, agent, queue="sales", agent="a9").record
    with pytest.raises(RecordingRefused, match="agent a9 forbids"):
        DIR9 = Directory.from_config([{"id": "a9", "role": "agent"}], [])
        rec.on_demand(DIR9, "a9", "start", "int-1", leg=customer, agent="a9", queue="sales")
    assert store.journal.count("recording.start") == 0
    # sampled: the decision is the seeded draw, the same every time
    first = [POLICIES.decide(f"s{n}", queue="sampled").record for n in range(20)]
    assert first == [POLICIES.decide(f"s{n}", queue="sampled").record for n in range(20)]
    assert 0 < sum(first) < 20


def test_on_demand_by_agent_and_supervisor_with_permissions(env) -> None:
    sim, board, store, rec, _ = env
    customer, agent = bridged_call(sim, board)
    assert not rec.on_bridge("int-1", customer, agent, queue="vip", agent="a1").record
    with pytest.raises(PermissionDenied, match="only on their own calls"):
        rec.on_demand(DIRECTORY, "a2", "start", "int-1", leg=customer, agent="a1", queue="vip")
    [rid] = rec.on_demand(DIRECTORY, "a1", "start", "int-1", leg=customer, agent="a1", queue="vip")
    wait_for(lambda: board.tracker.legs[customer].recording, what="RECORD_START")
    assert rec.on_demand(DIRECTORY, "sup1", "mask", "int-1", agent="a1") == [rid]
    rec.on_demand(DIRECTORY, "sup1", "stop", "int-1", agent="a1")
    wait_for(lambda: rec.index.get(rid).status == "complete", what="settled")
    starts = list(store.journal.read(kind="recording.start"))
    assert starts[0].data["by"] == "a1" and starts[0].data["why"] == "on demand by a1"


def test_hangup_without_stop_is_verified_against_the_file(env) -> None:
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    rec.on_bridge("int-1", customer, agent, queue="sales", agent="a1")
    wait_for(lambda: board.tracker.legs[customer].recording, what="RECORD_START")
    row = rec.active_for("int-1")[0].row
    sim_sleep(sim, 0.5)
    sim.hangup(customer)  # the caller hangs up: the switch stops the bug itself (RECORD_STOP)
    wait_for(lambda: rec.index.get(row.id).status == "complete", what="settled")
    with wave.open(str(tmp / "rec" / row.path)) as w:
        assert w.getnframes() > 0
    # retention: purged after the policy's 7 days
    report = purge_due(rec.index, store.journal, tmp / "rec", now=row.started_at + 8 * DAY)
    assert report.purged == [row.id] and not (tmp / "rec" / row.path).exists()


def test_switch_crash_mid_recording_is_repaired_at_startup(env) -> None:
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    rec.on_bridge("int-1", customer, agent, queue="sales", agent="a1")
    wait_for(lambda: board.tracker.legs[customer].recording, what="RECORD_START")
    row = rec.active_for("int-1")[0].row
    sim_sleep(sim, 1.5)
    sim.crash()  # FreeSWITCH killed: sockets drop, the WAV keeps its 0-byte header
    path = tmp / "rec" / row.path
    with wave.open(str(path)) as w:
        assert w.getnframes() == 0  # the header lies
    data_bytes = path.stat().st_size - 44
    assert data_bytes >= 2 * 8000  # at least a second of samples really is there
    board.stop()
    # the controller restarts on the same store, with no switch up yet
    store2 = Store.open(tmp / "db.sqlite")
    sim2 = start_sim(tmp / "rec")
    board2 = start_board(sim2)
    try:
        rec2 = Recorder(board2, store2, tmp / "rec", POLICIES)
        board2.tracker.subscribe(rec2.on_leg)
        report = rec2.startup()
        assert report.repaired == [row.path]
        fixed = rec2.index.get(row.id)
        with wave.open(str(path)) as w:
            frames = w.getnframes()
            assert frames == data_bytes // 2 and w.readframes(frames)[:400] != b"\x00" * 400
        assert fixed.status == "repaired" and fixed.duration == round(frames / 8000, 3)
        entry = list(store2.journal.read(kind="recording.repaired"))[-1]
        assert entry.data["declared_bytes"] == 0 and entry.data["data_bytes"] == data_bytes
    finally:
        board2.stop()
        sim2.stop()
        store2.close()


def test_controller_restart_adopts_a_live_recording(env) -> None:
    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    rec.on_bridge("int-1", customer, agent, queue="sales", agent="a1")
    wait_for(lambda: board.tracker.legs[customer].recording, what="RECORD_START")
    row = rec.active_for("int-1")[0].row
    board.stop()  # the controller dies; the switch keeps recording
    board2 = start_board(sim)
    try:
        wait_for(lambda: customer in board2.tracker.legs, what="resync")
        rec2 = Recorder(board2, store, tmp / "rec", POLICIES)
        board2.tracker.subscribe(rec2.on_leg)
        report = rec2.startup()
        assert report.skipped_live == [row.path] and rec2.active_for("int-1")
        rec2.stop("int-1", by="sup1")
        wait_for(lambda: rec2.index.get(row.id).status == "complete", what="settled")
    finally:
        board2.stop()


def test_a_leg_that_ends_as_the_start_goes_out_fails_once_and_says_why(env, monkeypatch) -> None:
    """The caller hangs up as the agent answers: the leg's end (CHANNEL_DESTROY) is read while
    `uuid_record start` is on its way, and the switch refuses the command. The recording never
    was; it is failed once, and the reason names the refusal, not a controller restart."""
    from calldesk.sim import api as sim_api

    sim, board, store, rec, tmp = env
    customer, agent = bridged_call(sim, board)
    plain = sim_api.COMMANDS["uuid_setvar"]

    def hang_up_first(sw, arg: str) -> str:
        if arg.startswith(customer) and "RECORD_STEREO" in arg:
            sw.hangup(customer)  # its events go out before this command's reply
            return sim_api.NO_SUCH
        return plain(sw, arg)

    monkeypatch.setitem(sim_api.COMMANDS, "uuid_setvar", hang_up_first)
    with pytest.raises(Exception, match="No such channel"):
        rec.on_bridge("int-1", customer, agent, queue="sales", agent="a1")
    sim_sleep(sim, 0.5)  # the leg's end and any settling have run
    rows = rec.index.search(interaction="int-1")
    assert [r.status for r in rows] == ["failed"]
    failed = list(store.journal.read(kind="recording.failed"))
    assert len(failed) == 1
    assert failed[0].data["why"].startswith("never started: the switch did not start it")
    assert not rec.active_for("int-1")
