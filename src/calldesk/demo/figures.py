"""The demo's figures recomputed from the journal alone (what a report would say)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calldesk.store import Store


def journal_figures(
    store: Store, sl_seconds: Mapping[str, float], default_sl_s: float = 20.0
) -> dict[str, Any]:
    arrived: dict[str, str] = {}
    outcome: dict[str, str] = {}
    waits: dict[str, float] = {}
    digital: set[str] = set()  # chat/SMS/email are counted per medium by calldesk.demo.digital
    for e in store.journal.read(kind_prefix="interaction."):
        if e.kind == "interaction.arrived" and e.data.get("medium", "voice") != "voice":
            digital.add(e.subject)
        if e.subject in digital:
            continue
        if e.kind == "interaction.arrived":
            arrived.setdefault(e.subject, e.data.get("queue", ""))
        elif e.kind == "interaction.answered":
            outcome[e.subject] = "answered"
            waits[e.subject] = float(e.data.get("wait", 0.0))
            arrived[e.subject] = e.data.get("queue", arrived.get(e.subject, ""))
        elif e.kind in ("interaction.abandoned", "interaction.overflowed"):
            outcome.setdefault(e.subject, e.kind.split(".")[1])
    offered = len(arrived)
    counts = {
        k: sum(1 for v in outcome.values() if v == k)
        for k in ("answered", "abandoned", "overflowed")
    }
    in_sl = sum(
        1 for i, w in waits.items() if w <= sl_seconds.get(arrived.get(i, ""), default_sl_s)
    )
    return {
        "offered": offered,
        **counts,
        "lost": offered - sum(counts.values()),
        "service_level": round(in_sl / offered, 4) if offered else None,
        "asa_s": round(sum(waits.values()) / len(waits), 3) if waits else 0.0,
    }


def recordings_figures(store: Store, base_dir: Path) -> dict[str, Any]:
    """Recordings by status, and how many files on disk are valid WAVs of non-zero length."""
    import wave

    rows = list(store.db["recordings"].rows) if "recordings" in store.db.table_names() else []
    by_status: dict[str, int] = {}
    valid = 0
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + 1
        try:
            with wave.open(str(base_dir / row["path"]), "rb") as w:
                valid += w.getnframes() > 0
        except (OSError, EOFError, wave.Error):
            pass
    return {"total": len(rows), "by_status": by_status, "valid_wav": valid}


def supervision_figures(store: Store) -> dict[str, Any]:
    sessions = {e.subject for e in store.journal.read(kind="supervision.start")}
    modes = [e.data.get("mode") for e in store.journal.read(kind="supervision.mode")]
    joined = sum(1 for _ in store.journal.read(kind="supervision.joined"))
    return {"sessions": len(sessions), "joined": joined, "mode_changes": modes}
