"""The fact fold and the interval aggregate: counts in the arrival interval, SL/ASA like the live
statistics, AHT with wrap-up, transfers, FCR from repeats of the same customer on the same
queue, CSAT."""

from __future__ import annotations

import pytest

from calldesk.reports.interval import FactFold, aggregate, parse_by, parse_step

H = 3600.0


def report(records, step, by=("queue",), sl=None, window=72 * H):
    fold = FactFold(window)
    for rec in records:
        at, kind, subject, data, *who = rec
        fold.apply(at, kind, subject, data, who[0] if who else None)
    return aggregate([f.row() for f in fold.facts.values()], step, by, sl)


def call(iid, at, queue="sales", medium="voice", agent="a1", wait=10.0, talk=100.0, who=None):
    recs = [(at, "interaction.arrived", iid, {"queue": queue, "medium": medium}, who)]
    if agent is None:
        return recs + [(at + wait, "interaction.abandoned", iid, {"queue": queue, "wait": wait})]
    return recs + [
        (at + wait, "interaction.answered", iid, {"queue": queue, "agent": agent, "wait": wait}),
        (
            at + wait + talk,
            "interaction.ended",
            iid,
            {"queue": queue, "agent": agent, "talk": talk},
        ),
        (at + wait + talk + 5, "agent.wrapup", agent, {"interaction": iid, "duration": 20.0}),
    ]


def test_counts_sl_asa_aht_per_queue_and_interval():
    recs = call("i1", 0.0, wait=10) + call("i2", 60.0, wait=30) + call("i3", 120.0, agent=None)
    first, second = report(recs + call("i4", 1000.0, queue="support"), 900.0, sl={"sales": 20.0})
    assert (first["start"], first["queue"], first["offered"]) == (0.0, "sales", 3)
    assert (first["answered"], first["abandoned"]) == (2, 1)
    assert first["service_level"] == pytest.approx(1 / 3, abs=1e-4)  # 1 of 3 done in 20 s
    assert first["asa_s"] == 20.0 and first["aht_s"] == 120.0  # (100 talk + 20 wrap)
    assert (second["start"], second["queue"], second["offered"]) == (900.0, "support", 1)


def test_agent_dimension_counts_the_offer_for_who_answered():
    recs = call("i1", 0.0, agent="a1") + call("i2", 10.0, agent="a2") + call("i3", 20.0, agent=None)
    rows = {r["agent"]: r for r in report(recs, H, ("agent",))}
    assert {k: r["offered"] for k, r in rows.items()} == {"-": 1, "a1": 1, "a2": 1}
    assert rows["a1"]["handled"] == 1 and rows["-"]["abandoned"] == 1


def test_a_repeat_within_the_window_on_the_same_intent_is_not_fcr():
    recs = (
        call("chat", 0.0, medium="chat", queue="billing", who="cu-1")
        + call("call", 2 * H, medium="voice", queue="billing", who="cu-1")
        + call("other", 3 * H, medium="voice", queue="sales", who="cu-1")
        + call("late", 80 * H, medium="voice", queue="sales", who="cu-1")
    )
    rows = {(r["start"], r["medium"]): r for r in report(recs, 86400.0, ("medium",))}
    assert rows[(0.0, "chat")]["fcr"] == 0.0  # the call came back on billing 2 h later
    assert rows[(0.0, "voice")]["fcr"] == 1.0  # call + other: neither repeated within 72 h
    assert rows[(259200.0, "voice")]["fcr"] == 1.0


def test_an_arrival_is_counted_once_even_when_replayed():
    recs = call("i1", 0.0) + call("i1", 0.0)
    (row,) = report(recs, H)
    assert (row["offered"], row["answered"], row["handled"]) == (1, 1, 1)


def test_transfers_and_csat():
    recs = call("i1", 0.0) + [
        (50.0, "interaction.transferred", "i1", {}),
        (300.0, "survey.answered", "i1", {"score": 4}),
        (310.0, "survey.answered", "nobody", {"score": 1}),
    ]
    (row,) = report(recs, H)
    assert (row["transfers"], row["csat"]) == (1, 4.0)


def test_bad_steps_and_dimensions_are_named():
    assert parse_step("15m") == 900.0 and parse_by("queue,medium") == ("queue", "medium")
    with pytest.raises(ValueError, match="step: '7m'"):
        parse_step("7m")
    with pytest.raises(ValueError, match="by: unknown dimension skill"):
        parse_by("queue,skill")


def test_one_outcome_per_interaction_answered_wins():
    recs = call("i1", 0.0) + [(30.0, "interaction.abandoned", "i1", {"queue": "sales", "wait": 9})]
    recs += [
        (0.0, "interaction.arrived", "i2", {"queue": "sales"}),
        (5.0, "interaction.overflowed", "i2", {"queue": "sales"}),
        (6.0, "interaction.abandoned", "i2", {"queue": "sales", "wait": 6}),
    ]
    (row,) = report(recs, H)
    assert (row["offered"], row["answered"], row["abandoned"], row["overflowed"]) == (2, 1, 0, 1)
