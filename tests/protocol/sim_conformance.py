"""Helpers for conformance tests: reduce trace and sim frames to comparable sequences.

Legs are named by role in order of first appearance (`sip0`, `la0`, `lb0`, ...), so the trace's
uuids map onto the sim's. Non-channel noise (HEARTBEAT, RE_SCHEDULE, API, CODEC) is dropped.
"""

from __future__ import annotations

import re

from tests.traces import load_trace

from calldesk.esl.frames import Frame, FrameReader

NOISE = {"HEARTBEAT", "RE_SCHEDULE", "API", "CODEC"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _kind(name: str) -> str:
    if name.startswith("loopback/"):
        return "la" if name.endswith("-a") else "lb"
    return "sip"


class Roles:
    def __init__(self) -> None:
        self.by_uuid: dict[str, str] = {}
        self.count: dict[str, int] = {}

    def of(self, uuid: str | None, channel_name: str | None) -> str:
        if not uuid:
            return "-"
        if uuid not in self.by_uuid:
            k = _kind(channel_name or "")
            self.by_uuid[uuid] = f"{k}{self.count.get(k, 0)}"
            self.count[k] = self.count.get(k, 0) + 1
        return self.by_uuid[uuid]


def describe(frames: list[Frame], noise: set[str] = NOISE) -> list[tuple[str, ...]]:
    """(kind, detail...) per frame: replies by text, events by name, role and key detail."""
    roles = Roles()
    out: list[tuple[str, ...]] = []
    for f in frames:
        ct = f.content_type
        if ct == "command/reply":
            text = UUID.sub("<uuid>", f.reply_text or "")
            if f.headers.get("Event-Name") == "CHANNEL_DATA":
                out.append(("connect", text))
            else:
                out.append(("reply", text.split(" ", 2)[0] if "Job-UUID" in text else text))
        elif ct == "api/response":
            out.append(("api", f.text.split(" ")[0]))
        elif ct.startswith("text/event"):
            ev = f.event()
            if ev.name in noise:
                continue
            role = roles.of(ev.uuid, ev.get("Channel-Name"))
            detail = ev.get("Channel-State") if ev.name == "CHANNEL_STATE" else (
                ev.get("Application") or ev.get("Channel-Call-State") if "CALLSTATE" in ev.name
                or "EXECUTE" in ev.name else ev.subclass or "")  # fmt: skip
            out.append(("event", ev.name, role, detail or ""))
        elif ct == "text/disconnect-notice":
            out.append(("notice", f.headers.get("Content-Disposition") or "-"))
        elif ct == "log/data":
            continue
        else:
            out.append(("other", ct))
    return out


def trace_frames(name: str) -> list[Frame]:
    return FrameReader().feed(load_trace(name).stream)


def per_leg(seq: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    legs: dict[str, list[tuple[str, ...]]] = {}
    for item in seq:
        if item[0] == "event" and item[2] != "-":
            legs.setdefault(item[2], []).append((item[1], item[3]))
    return legs
