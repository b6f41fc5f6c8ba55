"""A stage of `bench inbound` accounted for: what became of each call it placed (from the
controller's journal and its core), what its callers waited, whether it kept up, and when its
drain gives up. Kept apart from the ramp (`bench.inbound`), which places the calls and times
them."""

from __future__ import annotations

from typing import Any

# This stage's interactions (`i`): their caller ID starts with the stage's prefix.
_OF_STAGE = "json_extract(i.identities, '$.phone') LIKE ?"
# The drain's bound, in multiples of `drain_s` (the wait without progress).
DRAIN_CAP = 6
# A stage kept up when its answers came at this share of the rate its calls were placed at.
KEPT_UP = 0.95
_OUTCOMES = ("interaction.answered", "interaction.abandoned", "interaction.overflowed")


def counts(store: Any, prefix: str) -> dict[str, int]:
    """This stage's calls only (their caller IDs start with `prefix`), each interaction once:
    opened (the IVR took the call), enqueued, answered, abandoned, overflowed, accounted (any of
    the last three), `answer_rows` (answered rows: more than `answered` when calls were
    requeued and answered again) and `closed` (interactions ended)."""
    like = [prefix + "%"]
    opened, closed = store.db.execute(
        f"SELECT count(*), count(i.closed_at) FROM interactions i WHERE {_OF_STAGE}", like
    ).fetchone()
    out = {"opened": opened, "closed": closed}
    kinds = ("interaction.arrived", *_OUTCOMES)
    rows = store.db.execute(
        "SELECT j.kind, count(DISTINCT j.subject), count(*) FROM journal j "
        f"JOIN interactions i ON i.id = j.subject WHERE {_OF_STAGE} "
        f"AND j.kind IN ({', '.join('?' * len(kinds))}) GROUP BY j.kind",
        [*like, *kinds],
    ).fetchall()
    for kind, distinct, total in rows:
        out[kind.split(".", 1)[1]] = distinct
        if kind == "interaction.answered":
            out["answer_rows"] = total
    out["shed"] = store.db.execute(  # turned away busy by the intake (the controller was behind)
        "SELECT count(DISTINCT subject) FROM journal WHERE kind = 'intake.shed' "
        "AND json_extract(data, '$.caller') LIKE ?",
        like,
    ).fetchone()[0]
    out["accounted"] = store.db.execute(
        "SELECT count(DISTINCT j.subject) FROM journal j JOIN interactions i ON i.id = j.subject "
        f"WHERE {_OF_STAGE} AND j.kind IN ({', '.join('?' * len(_OUTCOMES))})",
        [*like, *_OUTCOMES],
    ).fetchone()[0]
    return out


def answers(store: Any, prefix: str) -> dict[str, float | None]:
    """What this stage's answered callers saw, by the controller's journal clock: the span from
    the stage's first arrival to its last answer (a backlog drained after the stage lengthens
    it), and each caller's wait from arrival to its first answer, p50 and p99."""
    rows = store.db.execute(
        "SELECT j.subject, j.kind, min(j.at) FROM journal j JOIN interactions i "
        f"ON i.id = j.subject WHERE {_OF_STAGE} "
        "AND j.kind IN ('interaction.arrived', 'interaction.answered') GROUP BY 1, 2",
        [prefix + "%"],
    ).fetchall()
    arrived = {s: at for s, kind, at in rows if kind == "interaction.arrived"}
    answered = {s: at for s, kind, at in rows if kind == "interaction.answered"}
    waits = sorted(at - arrived[s] for s, at in answered.items() if s in arrived)
    if not waits:
        return {"span_s": None, "wait_min_s": None, "wait_p50_s": None, "wait_p99_s": None}
    return {
        "span_s": max(answered.values()) - min(arrived.values()),
        "wait_min_s": waits[0],
        "wait_p50_s": round(waits[len(waits) // 2], 3),
        "wait_p99_s": round(waits[min(len(waits) - 1, int(len(waits) * 0.99))], 3),
    }


class Drain:
    """When the drain gives up: after `drain_s` without progress (no interaction of the core
    ended meanwhile), or `DRAIN_CAP` times that in all. A backlog past the limit drains slowly
    but steadily; with a fixed deadline, calls still in progress when it fell counted `stuck`."""

    def __init__(self, start: float, drain_s: float) -> None:
        self.drain_s, self.cap = drain_s, start + DRAIN_CAP * drain_s
        self.deadline, self.open = start + drain_s, -1

    def wait_on(self, open_now: int, now: float) -> bool:
        if self.open < 0 or open_now < self.open:
            self.deadline = now + self.drain_s  # progress: wait on
        self.open = open_now
        return now < min(self.deadline, self.cap)


def kept_up(answered: int, placed: int, took: float, span: float | None,
             wait_min: float | None) -> bool:
    """Answers kept pace with arrivals: the stage's answers, spread over its answer span less
    the shortest wait (the agent's ring, which even the last caller of a keeping-up controller
    waits), came at `KEPT_UP` of the rate the calls were placed at. A backlog lengthens the
    span; with nothing placed or answered a stage did not keep up."""
    if not (placed and answered and span and took > 0):
        return False
    return answered / max(span - (wait_min or 0.0), took) >= KEPT_UP * placed / took


def open_interactions(controller: Any) -> int:
    done = ("ended", "abandoned", "overflowed")
    return sum(1 for i in controller.acd.view.interactions() if i.state.value not in done)


def still_queued(controller: Any, prefix: str) -> int:
    """This stage's callers still waiting in the queue (or being offered) when the drain ended:
    no outcome yet, but not lost either."""
    queued = {i.id for i in controller.acd.view.interactions()
              if i.state.value in ("waiting", "offered")}
    if not queued:
        return 0
    rows = controller.store.db.execute(
        f"SELECT i.id FROM interactions i WHERE {_OF_STAGE} AND i.closed_at IS NULL",
        [prefix + "%"]).fetchall()
    return sum(1 for (iid,) in rows if iid in queued)


def caller_legs_up(controller: Any, prefix: str) -> int:
    return sum(
        1
        for leg in controller.board.tracker.legs.values()
        if leg.alive and leg.direction == "inbound" and leg.caller_number.startswith(prefix)
    )
