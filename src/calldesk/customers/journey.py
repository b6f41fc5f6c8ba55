"""The journey: a customer's timeline (every interaction on every medium) and its outcome score.

`summarize` folds one interaction's journal entries (pure); `timeline` reads them for a customer;
`outcomes` groups contacts by intent: a repeat within the window (72 h by default) on the same
intent belongs to the same journey, and makes its first contact not first-contact resolution.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from calldesk.customers.store import CustomerStore
from calldesk.store import jsontext
from calldesk.store.journal import Entry

ENDINGS = {
    "interaction.answered": "answered",
    "interaction.abandoned": "abandoned",
    "interaction.overflowed": "overflowed",
    "interaction.ended": "handled",
    "interaction.released": "handled",
}
WRAPUP_KINDS = ("agent.wrapup", "api.wrapup")
# kinds on an interaction whose data `summarize` never reads (no flow, queue, agent, outcome,
# disposition or survey in them): the journey reads them without their data
OPAQUE = (
    "screen_pop",
    "customer.attached",
    "interaction.offered",
    "interaction.opened",
    "interaction.bridged",
    "interaction.closed",
    "message.received",
    "message.sent",
    "message.status",
)


def summarize(iid: str, entries: Iterable[Entry], medium: str = "") -> dict[str, Any]:
    """One interaction from its own journal entries (subject = the interaction id)."""
    s: dict[str, Any] = {
        "interaction": iid,
        "medium": medium,
        "start": None,
        "end": None,
        "flow": None,
        "path": [],
        "data": {},
        "queue": None,
        "wait_s": None,
        "agent": None,
        "talk_s": None,
        "outcome": "open",
        "transfers": 0,
        "disposition": None,
        "notes": None,
        "survey": None,
        "recordings": [],
        "intent": None,
        "language": None,
        "answered_id": None,
    }
    for e in entries:
        d = e.data
        s["start"] = e.at if s["start"] is None else min(s["start"], e.at)
        s["end"] = e.at if s["end"] is None else max(s["end"], e.at)
        if e.kind.startswith("ivr."):
            s["flow"] = d.get("flow", s["flow"])
            if d.get("step") and (not s["path"] or s["path"][-1] != d["step"]):
                s["path"].append(d["step"])
            s["data"] = dict(d.get("variables") or s["data"])
            s["language"] = d.get("language") or s["language"]
        elif e.kind == "interaction.arrived":
            s["queue"] = d.get("queue")
            s["medium"] = d.get("medium") or s["medium"]
        elif e.kind in ENDINGS:
            s["queue"] = d.get("queue") or s["queue"]
            s["agent"] = d.get("agent") or s["agent"]
            if "wait" in d:
                s["wait_s"] = d["wait"]
            if "talk" in d:
                s["talk_s"] = d["talk"]
            if e.kind == "interaction.answered":
                s["answered_id"] = e.id
            if not (s["outcome"] == "handled" and e.kind == "interaction.answered"):
                s["outcome"] = ENDINGS[e.kind]
        elif "transfer" in e.kind:
            s["transfers"] += 1
        if "disposition" in d:
            s["disposition"], s["notes"] = d["disposition"], d.get("notes") or s["notes"]
        for key in ("survey", "score", "csat"):
            if e.kind.startswith("survey") and key in d:
                s["survey"] = d[key]
    if s["outcome"] == "open" and s["flow"] and s["queue"] is None and s["end"] is not None:
        s["outcome"] = "self_service"
    s["intent"] = s["data"].get("intent") or s["queue"] or s["flow"]
    return s


def one_line(s: dict[str, Any]) -> str:
    """`2026-12-01 10:02 chat billing: handled by a1, resolved (wait 12 s)`."""
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(s["start"] or 0))
    parts = [f"{when} {s['medium'] or '?'} {s['intent'] or '-'}: {s['outcome']}"]
    if s["agent"]:
        parts.append(f" by {s['agent']}")
    if s["disposition"]:
        parts.append(f", {s['disposition']}")
    if s["wait_s"] is not None:
        parts.append(f" (wait {s['wait_s']:.0f} s)")
    return "".join(parts)


class Journeys:
    def __init__(self, customers: CustomerStore) -> None:
        self.cs = customers
        self.db = customers.db
        self.journal = customers.journal

    def interaction(self, iid: str, medium: str = "") -> dict[str, Any]:
        return self.many([(iid, medium)])[0]

    def many(self, items: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """Several interactions (id, medium) summarized with one journal read, one recordings
        read and one wrap-up read for all of them (the screen pop's path: a query per contact
        costs wall time). Entries whose data the summary never reads (the screen pop itself,
        the offer, messages: `OPAQUE`) come without it, so their text is neither copied nor
        decoded."""
        ids = [iid for iid, _ in items]
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        opaque = ",".join("?" * len(OPAQUE))
        entries: dict[str, list[Entry]] = {iid: [] for iid in ids}
        for seq, at, kind, subject, data in self.db.execute(
            f"SELECT id, at, kind, subject, CASE WHEN kind IN ({opaque}) THEN NULL ELSE data END "
            f"FROM journal WHERE subject IN ({marks}) ORDER BY id",
            [*OPAQUE, *ids],
        ).fetchall():
            entries[subject].append(Entry(seq, at, kind, subject, jsontext.loads(data) if data else {}))
        recordings: dict[str, list[str]] = {iid: [] for iid in ids}
        for rid, iid in self.db.execute(
            f"SELECT id, interaction FROM recordings WHERE interaction IN ({marks}) "
            "ORDER BY started_at",
            ids,
        ).fetchall():
            recordings[iid].append(rid)
        out = []
        for iid, medium in items:
            s = summarize(iid, entries[iid], medium)
            s["recordings"] = recordings[iid]
            out.append(s)
        self._wrapups(
            [s for s in out if s["agent"] and s["disposition"] is None and s["answered_id"]]
        )
        return out

    def _wrapups(self, summaries: list[dict[str, Any]]) -> None:
        """The agent's wrap-up after each of these interactions: `agent.wrapup` names it, and
        the API's `api.wrapup` that follows carries the disposition and notes. One query: the
        first four wrap-up entries of the agent after the answer, for each."""
        one = (
            "SELECT * FROM (SELECT ? AS n, id, kind, data FROM journal WHERE subject = ? "
            "AND id > ? AND kind IN (?, ?) ORDER BY id LIMIT 4)"
        )
        for lo in range(0, len(summaries), 100):  # SQLite allows 500 terms in a compound select
            part = summaries[lo : lo + 100]
            args: list[Any] = []
            for n, s in enumerate(part):
                args += [n, s["agent"], s["answered_id"], *WRAPUP_KINDS]
            rows: list[list[tuple[int, str, str]]] = [[] for _ in part]
            sql = " UNION ALL ".join([one] * len(part))
            for n, seq, kind, data in self.db.execute(sql, args).fetchall():
                rows[n].append((seq, kind, data))
            for s, found in zip(part, rows, strict=True):
                _wrapup(s, sorted(found))  # in journal order

    def timeline(self, customer: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        return self.many(
            [(row["interaction"], row["medium"]) for row in self.cs.interactions(customer, limit)]
        )


def _wrapup(s: dict[str, Any], rows: list[tuple[int, str, str]]) -> None:
    """Take the disposition from the `api.wrapup` after this interaction's `agent.wrapup`."""
    mine = False
    for seq, kind, data in rows:
        d = json.loads(data)
        if kind == "agent.wrapup":
            if mine:
                return
            mine = d.get("interaction") == s["interaction"]
        elif mine and "disposition" in d:
            s["disposition"], s["notes"] = d["disposition"], d.get("notes")
            s["wrapup_seq"] = seq
            return


def outcomes(
    contacts: list[dict[str, Any]], window_s: float, resolved: frozenset[str]
) -> list[dict[str, Any]]:
    """Journeys: contacts on the same intent, each within `window_s` of the previous one."""
    out: list[dict[str, Any]] = []
    open_by_intent: dict[Any, dict[str, Any]] = {}
    for c in sorted(contacts, key=lambda c: c["start"] or 0):
        j = open_by_intent.get(c["intent"])
        if j is None or (c["start"] or 0) - j["last_at"] > window_s:
            j = {
                "intent": c["intent"],
                "contacts": 0,
                "media": [],
                "first_at": c["start"],
                "last_at": c["start"],
                "interactions": [],
            }
            out.append(j)
            open_by_intent[c["intent"]] = j
        j["contacts"] += 1
        j["interactions"].append(c["interaction"])
        if c["medium"] and c["medium"] not in j["media"]:
            j["media"].append(c["medium"])
        j["last_at"] = max(j["last_at"] or 0, c["end"] or c["start"] or 0)
        # the last contact decides: its disposition, or without one, whether it was handled
        j["resolved"] = (
            c["disposition"] in resolved
            if c["disposition"]
            else c["outcome"] in ("handled", "self_service")
        )
    for j in out:
        j["duration_s"] = (j["last_at"] or 0) - (j["first_at"] or 0)
        j["fcr"] = j["contacts"] == 1 and j["resolved"]
    return out
