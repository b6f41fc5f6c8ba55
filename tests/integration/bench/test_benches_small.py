"""The TCP benchmarks at a tiny scale: their JSON holds the fields the README documents, every
call is accounted for, and the intake bench leaves the frame reader as it found it."""

from __future__ import annotations

import json

import pytest

from calldesk.esl.frames import FrameReader


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_bench_inbound_accounts_for_every_call() -> None:
    import logging

    from calldesk.bench.inbound import run

    level = logging.getLogger("calldesk").level
    result = run(start=2, step=2, max_rate=4, stage_seconds=2, drain_s=15)
    assert logging.getLogger("calldesk").level == level  # other tests' log capture still works
    assert {"calls_per_s", "lost", "stuck", "stages", "limit", "cpu_ms_per_call"} <= set(result)
    assert [s["rate"] for s in result["stages"]] == [2, 4]
    for stage in result["stages"]:  # each stage counts its own calls, each interaction once
        # Every call due within the stage is placed (the last one was skipped: 2/s for 2 s
        # placed 3), and the stage lasts until it went out.
        assert stage["placed"] + stage["refused_by_switch"] == stage["rate"] * 2
        outcomes = ("answered", "abandoned", "overflowed", "shed", "still_queued", "lost")
        assert stage["placed"] == sum(stage[k] for k in outcomes)
        assert stage["answered"] <= stage["opened"] <= stage["placed"]
        assert stage["answered_again"] >= 0 and stage["cpu_ms_per_call"] > 0
        assert 0 <= stage["drain_s"] < 20  # every call had its outcome before the drain ran out
        # Answered calls per second of the span to the last answer, never more than placed.
        assert stage["answer_span_s"] > 0
        assert 0 < stage["answered_per_s"] <= stage["answered"] / stage["answer_span_s"] + 0.1
        assert stage["answered_per_s"] <= stage["placed_per_s"] + 0.1
        # A caller waits at least the agent's ring (0.2 s) from arrival to answer.
        assert 0.2 <= stage["answer_wait_p50_s"] <= stage["answer_wait_p99_s"] < 5
    assert result["lost"] == 0 and result["stuck"] == 0 and result["calls_per_s"] > 0
    assert all(stage["still_queued"] == 0 for stage in result["stages"])
    assert all(stage["kept_up"] for stage in result["stages"])  # 4 calls/s is no backlog
    assert result["peak_per_s"] >= result["calls_per_s"]
    assert result["limit"] is None  # 4 calls/s sheds nothing


def test_a_stage_that_built_a_backlog_did_not_keep_up() -> None:
    """Sustained means the answers kept pace with the arrivals: 275/s placed over 30 s and
    answered over a 33 s span (a 3 s backlog drained after) fell behind, though every call was
    answered; the same calls answered within the placing time plus one ring kept up."""
    from calldesk.bench.inbound_tally import kept_up

    assert not kept_up(8250, 8250, 30.0, 33.0, 0.24)
    assert kept_up(7500, 7500, 30.0, 30.4, 0.24)
    assert kept_up(4, 4, 1.5, 1.75, 0.24)  # a short stage: its span is mostly the ring
    assert not kept_up(3000, 4000, 30.0, 30.2, 0.24)  # a quarter abandoned or shed
    assert not kept_up(0, 10, 1.0, None, None)


def test_the_drain_waits_on_while_a_backlog_still_drains() -> None:
    """It gives up after drain_s without an interaction ending, not at a fixed deadline: past
    the limit a backlog drains for longer than drain_s, and calls still in progress when a fixed
    deadline fell were counted stuck. A bound stops it all the same."""
    from calldesk.bench.inbound_tally import DRAIN_CAP, Drain

    drain = Drain(0.0, 20.0)
    assert drain.wait_on(500, 0.0)
    assert drain.wait_on(400, 15.0) and drain.wait_on(55, 30.0)  # progress: on past 20 s
    assert drain.wait_on(55, 49.0) and not drain.wait_on(55, 50.1)  # 20 s without progress
    steady = Drain(0.0, 20.0)
    at, open_now = 0.0, 10_000
    while steady.wait_on(open_now, at):
        at, open_now = at + 1.0, open_now - 1
    assert at == DRAIN_CAP * 20.0  # the bound


def test_callers_still_queued_after_the_drain_are_not_counted_lost(tmp_path) -> None:
    """A caller of the stage still waiting (or being offered) when the drain gives up is
    `still_queued`; an open interaction of another stage, or one connected, is not."""
    from types import SimpleNamespace

    from calldesk.bench.inbound_tally import still_queued
    from calldesk.store import Store

    store = Store.open(tmp_path / "s.sqlite")
    rows = [("w1", "+19001000001", None), ("o1", "+19001000002", None),
            ("c1", "+19001000003", None), ("x1", "+19002000001", None),
            ("e1", "+19001000004", 5.0)]
    for iid, phone, closed in rows:
        store.db.execute("INSERT INTO interactions (id, medium, opened_at, identities, data, "
                         "closed_at) VALUES (?, 'voice', 1.0, ?, '{}', ?)",
                         [iid, f'{{"phone": "{phone}"}}', closed])
    states = {"w1": "waiting", "o1": "offered", "c1": "connected", "x1": "waiting"}
    view = SimpleNamespace(interactions=lambda: [
        SimpleNamespace(id=i, state=SimpleNamespace(value=v)) for i, v in states.items()])
    controller = SimpleNamespace(acd=SimpleNamespace(view=view), store=store)
    assert still_queued(controller, "+19001") == 2  # w1 and o1: this stage's, in the queue
    store.close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_bench_acd_reports_unbridged_and_lost() -> None:
    from calldesk.bench.acd import agents_for, run

    result = run(rate=5, seconds=2)
    assert result["agents"] == agents_for(5, 0.05, 1.0, 0.5)
    assert {"unbridged", "lost", "stuck", "bridged"} <= set(result)
    assert result["unbridged"] == result["calls_placed"] - result["bridged"]
    # bridges per second of the span to the last bridge: never more than were placed per second
    assert result["bridge_span_s"] > 0
    assert abs(result["bridged_per_s"] * result["bridge_span_s"] - result["bridged"]) < 1
    assert result["bridged_per_s"] <= result["placed_per_s"] + 0.1


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_bench_intake_measures_from_the_socket_and_restores_the_reader() -> None:
    from calldesk.bench.intake import run

    feed = FrameReader.feed
    result = run(rate=200, seconds=2, legs=5)
    assert FrameReader.feed is feed
    assert result["received"] == result["sent"] > 0
    assert result["lag_from"] == "frame read from the controller's socket"
    assert 0 <= result["lag_p50_ms"] <= result["lag_p99_ms"] <= result["lag_max_ms"]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_api_keeps_connections_and_reads_serve_metrics() -> None:
    from calldesk.bench.api import run_round

    small = {"rate": 2, "seconds": 2, "agents": 3, "spares": 2, "rps": 10, "talk_s": 0.5}
    kept = run_round(**small)
    assert kept["api_status"] == {"200": kept["api_requests"]} and kept["api_requests"] >= 15
    assert kept["api_keepalive"] and 1 <= kept["api_connections_opened"] < kept["api_requests"]
    for key in ("serve_loop_lag_p99_ms", "serve_request_p99_ms", "serve_read_p99_ms"):
        assert kept[key] is not None and kept[key] > 0, key
    assert kept["clients_loop_lag_p99_ms"] is not None  # the clients' own hub was watched
    assert kept["lost_events"] == 0 and kept["duplicate_events"] == 0
    fresh = run_round(**small, keepalive=False)
    assert not fresh["api_keepalive"]
    assert fresh["api_connections_opened"] == fresh["api_requests"]


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_bench_api_traces_serve_segments(tmp_path, monkeypatch) -> None:
    """With CALLDESK_BENCH_SEGMENTS, serve runs under the greenlet switch tracer and writes its
    report when the bench stops it: the HTTP handlers, the engine and the loop's iterations."""
    from calldesk.bench.api import run_round

    monkeypatch.setenv("CALLDESK_BENCH_SEGMENTS", str(tmp_path))
    out = run_round(rate=2, seconds=2, agents=3, spares=2, rps=10, talk_s=0.5)
    assert out["lost_events"] == 0 and out["api_requests"] >= 15
    report = json.loads((tmp_path / "serve-1.json").read_text())
    kinds = {k["kind"]: k for k in report["kinds"]}
    assert kinds["gevent.baseserver._handle_and_close_when_done"]["count"] >= 15
    assert "calldesk.engine.engine.Engine._run" in kinds and "hub" in kinds
    assert sum(report["segments"].values()) >= sum(k["count"] for k in report["kinds"])
    assert sum(report["iterations"].values()) > 0 and report["longest"]
