"""Recordings a restart (of the controller, or of its link to a switch) found unfinished.

A row still `recording` is judged only once its switch has been resynced, by the legs the switch
really holds: a recording whose leg is live is adopted again (the switch is still writing the
file; it is verified when it really stops: RECORD_STOP, or the leg's end), one whose leg is gone
is verified against the disk now. Rows of a switch that is not connected yet wait for its
resync: judged earlier, a file still being written would be settled as it is at that moment
(a 44-byte header, 0.0 s) and no longer match its sha256 once the switch closes it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import gevent

from calldesk.errors import CalldeskError
from calldesk.recording.index import FAILED, RECORDING, RecordingIndex, Row
from calldesk.store.journal import Journal
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


def unfinished(index: RecordingIndex) -> list[Row]:
    return list(index.search(status=RECORDING, limit=1_000_000))


def judge(board: Switchboard, rows: list[Row], switch: str | None
          ) -> tuple[list[Row], list[Row], list[Row]]:
    """(live, gone, waiting) among the rows of `switch` (None: of every switch that is ready,
    and of switches no longer configured). `waiting`: rows a later resync judges."""
    tracker = board.tracker
    live: list[Row] = []
    gone: list[Row] = []
    waiting: list[Row] = []
    for row in rows:
        on = row.switch or (tracker.switch_of(row.legs[0]) if row.legs else None) or ""
        conn = board.switches.get(on)
        if (switch is not None and on != switch) or (
            switch is None and conn is not None and not conn.ready
        ):
            waiting.append(row)
            continue
        leg = tracker.legs.get(row.legs[0]) if row.legs else None
        (live if leg is not None and leg.alive else gone).append(row)
    return live, gone, waiting


def never_started(journal: Journal, row: Row, base_dir: Path) -> bool:
    """The row was written but the switch never got its `uuid_record start` (no file, and no
    `recording.start`, which is journaled once the switch has taken the command)."""
    if (base_dir / row.path).exists():
        return False
    started = journal.read(subject=row.interaction, kind="recording.start")
    return not any(e.data.get("id") == row.id for e in started)


def mark_never_started(index: RecordingIndex, journal: Journal, row: Row, at: float) -> None:
    """Not a lost file: a recording that never was (the controller died before the switch got
    the command, and the call ended before a controller could start it again)."""
    index.update(row.id, status=FAILED, ended_at=at)
    journal.append("recording.failed", row.interaction,
                   {"id": row.id, "path": row.path,
                    "why": "never started: the controller stopped before the switch got the "
                           "command, and the call ended before the restart"}, at)


def restart_lost_start(board: Switchboard, journal: Journal, row: Row, leg: str, abs_path: str,
                       clock: Callable[[], float], stereo: bool) -> None:
    """The row was written but its `uuid_record start` never reached the switch (the controller
    died in between: the switch creates the file at start). Send it now, once the switch is
    ready, so the call is recorded from here on."""
    conn = board.switches.get(board.tracker.switch_of(leg) or "")
    if conn is None or not conn.wait_ready(10.0):
        return
    try:
        conn.api("uuid_setvar", leg, "RECORD_STEREO", "true" if stereo else "false")
        conn.api("uuid_record", leg, "start", abs_path)
    except CalldeskError as exc:
        log.warning("recording %s: restart of a lost start failed: %s", row.id, exc)
        return
    journal.append("recording.restarted", row.interaction,
                   {"id": row.id, "leg": leg, "why": "start lost in a controller restart"},
                   clock())


def spawn_restart(board: Switchboard, journal: Journal, row: Row, leg: str, abs_path: Path,
                  clock: Callable[[], float]) -> None:
    gevent.spawn(restart_lost_start, board, journal, row, leg, str(abs_path), clock, row.stereo)
