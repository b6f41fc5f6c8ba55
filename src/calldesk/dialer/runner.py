"""Runs the campaigns inside `calldesk serve`: one loop per campaign (follow the ACD's journal,
tick the pacer), started and stopped with the controller; pause and resume; the preview desk
(a contact held for one agent, dialled or skipped by them, or dialled by itself after the
campaign's `preview_timeout_s`); scheduled callbacks.

State after a restart comes from the ledger: reached contacts stay closed, attempt counts and
retry times carry on (`ContactQueue.restore`).
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import gevent

from calldesk.dialer.adapter import DialerAdapter, Ports
from calldesk.dialer.config import Campaign
from calldesk.dialer.contacts import ContactQueue, Pick
from calldesk.dialer.pacing import Pacer, PacingConfig
from calldesk.dialer.store import DialerStore

log = logging.getLogger(__name__)

# An answer waits this long for an agent: the safe-harbour message then starts within 2 s of
# the clock's start, 0.3 s being left for the switch to start playing it.
GRACE_S = 1.7
TICK_S = 0.5  # between two pacing decisions of one campaign (controller seconds)


@dataclass
class Preview:
    id: str
    campaign: str
    agent: str
    pick: Pick
    offered_at: float
    timeout_at: float | None

    def as_dict(self) -> dict[str, Any]:
        c = self.pick.contact
        return {
            "id": self.id,
            "campaign": self.campaign,
            "agent": self.agent,
            "contact": {
                "name": str(c.get("name") or ""),
                "number": self.pick.number,
                "timezone": self.pick.window.timezone,
                "fields": dict(c.get("fields") or {}),
            },
            "local_time": self.pick.window.local_time,
            "attempt": self.pick.attempt_no,
            "offered_at": self.offered_at,
            "timeout_at": self.timeout_at,
        }


class CampaignRunner:
    def __init__(
        self,
        campaigns: Iterable[Campaign],
        store: DialerStore,
        journal: Any,
        ports: Callable[[Campaign], Ports],
        members: Mapping[str, set[str]],
        clock: Callable[[], float],
        time_scale: float = 1.0,
        limits: Mapping[str, tuple[int, int]] | None = None,
    ) -> None:
        """`limits`: campaign -> (legs its trunks carry, attempts per pacing decision): the
        trunks' `max_legs` and the switch's sessions per second are never exceeded."""
        self.store, self.journal, self.clock, self.scale = store, journal, clock, time_scale
        self.members = members  # campaign -> the agents who work it
        self.adapters: dict[str, DialerAdapter] = {}
        self.previews: dict[str, Preview] = {}
        self.greenlets: list[gevent.Greenlet] = []
        self.legs: Any = None  # calldesk.dialer.legs.LegPorts, set by build_runner
        now = clock()
        for c in campaigns:
            contacts = [x for name in c.lists for x in store.contacts(name)]
            queue = ContactQueue(c, contacts, self._dnc(c.name), start=now)
            queue.restore(store.ledger(c.name, 0, float("inf")))
            mode = "progressive" if c.mode == "notification" else c.mode
            legs, per_tick = (limits or {}).get(c.name, (10_000, 10_000))
            pacer = Pacer(
                PacingConfig(
                    mode=mode,
                    abandon_cap=c.abandon_cap,
                    ratio=c.ratio,
                    grace_s=GRACE_S,
                    max_ringing=legs,
                    max_per_decision=per_tick,
                )
            )
            adapter = DialerAdapter(c, pacer, queue, ports(c))
            adapter.members = set(members.get(c.name, set()))
            self.adapters[c.name] = adapter

    def _dnc(self, campaign: str) -> Callable[[str, float], bool]:
        return lambda number, at: self.store.dnc_hit(number, campaign, at) is not None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        for name in self.adapters:
            self.greenlets.append(gevent.spawn(self._loop, name))

    def stop(self) -> None:
        """Stops placing; calls already up are left to the switch and the ACD."""
        for g in self.greenlets:
            g.kill(block=False)
        self.greenlets.clear()

    def _loop(self, name: str) -> None:
        a = self.adapters[name]
        while True:
            try:
                self.step(name)
            except Exception:  # one bad decision must not end the campaign's loop
                log.exception("campaign %s: step failed", name)
            gevent.sleep(TICK_S / self.scale)
            if a.paused and not a.attempts:
                gevent.sleep(TICK_S / self.scale)

    def step(self, name: str) -> None:
        a = self.adapters[name]
        a.follow(self.journal)
        if a.campaign.mode == "preview":
            self._expire_previews(name)
        a.tick()

    # -- pause / resume / status -----------------------------------------------------------
    def adapter(self, name: str) -> DialerAdapter:
        if name not in self.adapters:
            raise KeyError(name)
        return self.adapters[name]

    def set_paused(self, name: str, paused: bool, by: str) -> dict[str, Any]:
        """Pausing stops new attempts and previews; no live call is hung up."""
        a = self.adapter(name)
        a.paused = paused
        kind = "dialer.paused" if paused else "dialer.resumed"
        self.journal.append(kind, name, {"by": by, "live": len(a.attempts)}, self.clock())
        return self.status(name)

    def status(self, name: str) -> dict[str, Any]:
        a = self.adapter(name)
        c = a.campaign
        return {
            "name": c.name,
            "mode": c.mode,
            "paused": a.paused,
            "live": len(a.attempts),
            "pending": a.queue.pending(),
            "closed": len(a.queue.closed),
            "abandon_cap": c.abandon_cap,
            "drops": a.pacer.control.total.drops,
            "answers": a.pacer.control.total.answers,
        }

    # -- preview ---------------------------------------------------------------------------
    def preview_for(self, agent: str) -> Preview | None:
        """The contact held for `agent`, or the next one of a preview campaign they work (only
        while they are free, and the campaign is not paused)."""
        for p in self.previews.values():
            if p.agent == agent:
                return p
        now = self.clock()
        for name, a in self.adapters.items():
            c = a.campaign
            if c.mode != "preview" or a.paused or agent not in self.members.get(name, ()):
                continue
            a.follow(self.journal)  # the agent's state as of now, not of the last loop
            state = a.pacer.agents.get(agent)
            if state is None or state[0] != "free":
                continue
            pick = a.queue.next(now)
            if pick is None:
                continue
            timeout = now + c.preview_timeout_s if c.preview_timeout_s > 0 else None
            p = Preview(f"pv-{uuid.uuid4().hex[:12]}", name, agent, pick, now, timeout)
            self.previews[p.id] = p
            self.journal.append("dialer.preview", agent, p.as_dict(), now)
            return p
        return None

    def preview(self, pid: str) -> Preview:
        if pid not in self.previews:
            raise KeyError(pid)
        return self.previews[pid]

    def dial_preview(self, pid: str, by: str) -> dict[str, Any]:
        p = self.previews.pop(pid)
        a = self.adapters[p.campaign]
        iid = a.place(dataclasses.replace(p.pick, agent=p.agent), self.clock())
        self.journal.append(
            "dialer.preview_dialed",
            p.agent,
            {"preview": pid, "by": by, "interaction": iid},
            self.clock(),
        )
        return {"preview": pid, "interaction": iid, "number": p.pick.number}

    def skip_preview(self, pid: str, reason: str, by: str) -> dict[str, Any]:
        p = self.previews.pop(pid)
        self.adapters[p.campaign].queue.close(p.pick.number, f"skipped: {reason}")
        data = {"preview": pid, "by": by, "reason": reason, "number": p.pick.number}
        self.journal.append("dialer.preview_skipped", p.agent, data, self.clock())
        return {"preview": pid, "skipped": True, "reason": reason}

    def _expire_previews(self, name: str) -> None:
        now = self.clock()
        for p in list(self.previews.values()):
            if p.campaign == name and p.timeout_at is not None and now >= p.timeout_at:
                self.dial_preview(p.id, "timeout")

    # -- callbacks -------------------------------------------------------------------------
    def callback(
        self, name: str, number: str, at: float | None, agent: str, by: str
    ) -> dict[str, Any]:
        """The callee asked to be called back at `at` (epoch; None: after the campaign's
        `retry.callback_requested` delay, 1 h by default): dialled then, inside their calling
        window, by `agent` if given."""
        a = self.adapter(name)
        if at is None:
            at = self.clock() + a.campaign.retry.get("callback_requested", 3600.0)
        a.queue.callback(number, at, agent)
        data = {"number": number, "at": at, "agent": agent, "by": by}
        self.journal.append("dialer.callback_scheduled", name, data, self.clock())
        return {"campaign": name, **data}
