"""`bench esl` reads what the intake reads: the header set comes from running the intake.
Also the shape of `bench routing`."""

from __future__ import annotations

from calldesk.bench import esl_parse


def _streams() -> list[bytes]:
    streams, _ = esl_parse.comparable(esl_parse.load_streams(esl_parse.DEFAULT_TRACES))
    return streams


def test_header_set_is_recorded_from_the_real_intake() -> None:
    reads = esl_parse.intake_reads(_streams())
    bridge = reads["CHANNEL_BRIDGE"]
    assert {"Event-Name", "Unique-ID", "Event-Sequence", "Other-Leg-Unique-ID"} <= set(
        bridge["get"]
    )
    assert bridge["prefix"] == ["variable_calldesk_"] and bridge["walk"] == []
    assert "DTMF-Digit" in reads["DTMF"]["get"]
    assert "Job-UUID" in reads["BACKGROUND_JOB"]["get"]


def test_a_header_a_handler_starts_reading_joins_the_set(monkeypatch) -> None:
    build = esl_parse._intake

    def intake():
        conn = build()
        conn.add_handler(lambda event: event.get("Caller-Network-Addr"), inline=True)
        conn.add_handler(lambda event: event.headers.items(), inline=True)
        return conn

    monkeypatch.setattr(esl_parse, "_intake", intake)
    reads = esl_parse.intake_reads(_streams())
    assert "Caller-Network-Addr" in reads["CHANNEL_PARK"]["get"]
    assert reads["CHANNEL_PARK"]["walk"] == ["*"]


def test_run_reports_pairs_and_the_derived_set() -> None:
    result = esl_parse.run(seconds=0.4, rounds=3)
    assert result["rounds"] == 3 and result["ratio_min"] <= result["ratio"] <= result["ratio_max"]
    assert "Event-Sequence" in result["headers_read"] and result["full_walk_events"] == []


def test_bench_routing_reports_cpu_time_and_gc_apart() -> None:
    from calldesk.bench.routing import run

    result = run(decisions=200, seed=2)
    assert result["setup"]["waiting"] >= 5000 and result["setup"]["agents"] == 1000
    for key in ("agent_freed", "arrival_nobody_free", "arrival_200_idle"):
        f = result[key]
        assert 0 <= f["p50_ms"] <= f["p99_ms"] <= f["max_ms"]
    assert set(result["gc_pauses"]) == {"count", "total_ms", "max_ms"}
