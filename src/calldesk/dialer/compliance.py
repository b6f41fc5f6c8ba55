"""The compliance report, computed from the ledger alone.

Abandon rate as the US TSR/FCC rule counts it (47 CFR 64.1200(a)(7)): calls not connected to an
agent within 2 s of the live person's answer, over all calls answered by a live person, for one
campaign over 30 days. AMD false positives that were detected (a person hung up on as a machine)
count as abandoned, as Ofcom requires. Violations are listed call by call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

MIN_RING_S = 15.0
GRACE_S = 2.0


@dataclass
class Report:
    campaign: str
    since: float
    until: float
    attempts: int = 0
    live_answers: int = 0
    abandoned: int = 0
    violations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.live_answers if self.live_answers else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign, "since": self.since, "until": self.until,
            "attempts": self.attempts, "live_answers": self.live_answers,
            "abandoned": self.abandoned, "abandon_rate": self.abandon_rate,
            "violations": self.violations,
            "violation_count": sum(len(v) for v in self.violations.values()),
        }  # fmt: skip


def _late(r: Mapping[str, Any]) -> bool:
    wait = r.get("answer_to_agent_s")
    return bool(r.get("agent")) and wait is not None and wait > GRACE_S


def report(campaign: str, rows: Iterable[Mapping[str, Any]], since: float, until: float) -> Report:
    rep = Report(campaign, since, until)
    v: dict[str, list[dict[str, Any]]] = {
        "outside_window": [], "dnc": [], "ring_under_15s": [], "abandoned_without_message": [],
        "late_to_agent": [],
    }  # fmt: skip
    for r in rows:
        rep.attempts += 1
        live = r["outcome"] == "answer" or bool(r["abandoned"])
        rep.live_answers += live
        rep.abandoned += bool(r["abandoned"]) or _late(r)
        row = dict(r)
        if not r["window"]:
            v["outside_window"].append(row)
        if r["dnc_hit"] or not r["dnc_checked"]:
            v["dnc"].append(row)
        limit = r["ring_limit_s"]
        if (limit is not None and limit < MIN_RING_S) or (
            r["outcome"] == "no_answer" and (r["ring_s"] or 0.0) < MIN_RING_S
        ):
            v["ring_under_15s"].append(row)
        if r["abandoned"] and not r["safe_harbour"]:
            v["abandoned_without_message"].append(row)
        if _late(r):  # reached an agent after the 2 s: abandoned in the regulator's count
            v["late_to_agent"].append(row)
    rep.violations = v
    return rep
