"""Inputs as plain dicts, and replay: the core is deterministic, so the same inputs at the same
times rebuild the same state (waiting positions, agent states, offers) after a restart."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from calldesk.acd import events as ev
from calldesk.acd.core import Acd
from calldesk.acd.decisions import Decision

EVENT_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in vars(ev).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls)
}


_FIELDS: dict[type, tuple[str, ...]] = {}  # field names by event type


def encode(
    event: ev.Event, now: float, batch: int | None = None, settle_first: bool = False
) -> dict[str, Any]:
    """A JSON-ready record of one input: {"at": now, "type": name, ...fields}.

    Inputs handed to `Acd.handle_many` together share a `batch` number, so replay hands them
    over together again (routing after a batch can differ from routing after each event), and
    a batch handled before its due timers (`settle_first`) is replayed the same way. The fields
    are the event's own values, not copies (`dataclasses.asdict` deep-copied them: ~1 % of the
    controller's CPU): serialize the record before anything changes them."""
    names = _FIELDS.get(type(event))
    if names is None:
        names = _FIELDS[type(event)] = tuple(f.name for f in dataclasses.fields(event))
    rec = {"at": now, "type": type(event).__name__}
    for name in names:
        rec[name] = getattr(event, name)
    if batch is not None:
        rec["batch"] = batch
    if settle_first:
        rec["settle_first"] = True
    return rec


_NOT_FIELDS = ("at", "type", "batch", "settle_first")


def decode(record: Mapping[str, Any]) -> tuple[float, ev.Event]:
    fields = {k: v for k, v in record.items() if k not in _NOT_FIELDS}
    cls = EVENT_TYPES.get(str(record.get("type")))
    if cls is None:
        raise ValueError(f"unknown ACD input type {record.get('type')!r}")
    return float(record["at"]), cls(**fields)


def replay(acd: Acd, records: Iterable[Mapping[str, Any]]) -> list[Decision]:
    """Feed recorded inputs to a fresh core built from the same configuration and seed.

    The decisions returned are the ones already carried out before the restart; a dispatcher
    does not repeat them, it reconciles them against the live legs instead.
    """
    out: list[Decision] = []
    group: list[ev.Event] = []
    group_at, group_batch, group_settle = 0.0, None, False
    for record in records:
        at, event = decode(record)
        batch = record.get("batch")
        if group and (batch is None or batch != group_batch):
            out.extend(acd.handle_many(group, group_at, group_settle))
            group = []
        group.append(event)
        group_at, group_batch = at, batch
        group_settle = bool(record.get("settle_first"))
    if group:
        out.extend(acd.handle_many(group, group_at, group_settle))
    return out
