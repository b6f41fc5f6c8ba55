"""The recorder: runs `uuid_record <leg> start|mask|unmask|stop <path>` on the switch that holds
the leg, keeps the index row, and journals every action.

Traces (bridge-and-record): each reply is `+OK Success`; `start` brings RECORD_START and
MEDIA_BUG_START; mask/unmask bring no event; `stop` (or the leg's hangup) brings RECORD_STOP with
`Record-File-Path`. The row is settled on RECORD_STOP from the file itself (size, sha256,
duration); a leg that is destroyed without one is verified against the disk (and repaired).

Event listeners run inline on the ESL reader, so anything that talks to the switch or reads a
file is spawned on its own greenlet.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid as uuidlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gevent

from calldesk.auth import Directory, PermissionDenied
from calldesk.errors import CalldeskError
from calldesk.esl.commands import check_uuid
from calldesk.esl.frames import Event
from calldesk.recording import integrity, resume, wav
from calldesk.recording.index import COMPLETE, RECORDING, RecordingIndex, Row
from calldesk.recording.paths import PathTemplate
from calldesk.recording.policy import Decision, PolicySet
from calldesk.store import Store
from calldesk.telephony.legs import Leg
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


class RecordingRefused(CalldeskError):
    """A recording action that the policy or the recording's state does not allow."""


@dataclass
class Active:
    row: Row
    leg: str
    abs_path: str
    masked: bool = False
    starting: bool = False  # its `uuid_record start` is on its way: `start` settles a leg's end
    ended: bool = False  # the leg ended while it was starting


class Recorder:
    def __init__(
        self,
        board: Switchboard,
        store: Store,
        base_dir: str | Path,
        policies: PolicySet | None = None,
        template: PathTemplate | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.board = board
        self.index = RecordingIndex(store.db)
        self.journal = store.journal
        self.base_dir = Path(base_dir).resolve()
        self.policies = policies or PolicySet.from_config(None)
        self.template = template or PathTemplate()
        self.clock = clock
        self.active: dict[str, Active] = {}  # recording id -> state

    # -- policy hooks for the dispatcher (bridge) and the IVR (answer) --------------------
    def on_bridge(
        self,
        interaction: str,
        customer_leg: str,
        agent_leg: str,
        *,
        queue: str | None = None,
        campaign: str | None = None,
        agent: str | None = None,
    ) -> Decision:
        """Apply the policy when the agent is bridged (the default start point)."""
        d = self.policies.decide(interaction, queue=queue, campaign=campaign, agent=agent)
        if d.record and d.policy.start == "bridge" and not self.active_for(interaction):
            self.start(
                interaction,
                customer_leg,
                by="policy",
                why=d.why,
                agent=agent,
                queue=queue,
                campaign=campaign,
                legs=[customer_leg, agent_leg],
                stereo=d.policy.stereo,
                retention_days=d.policy.retention_days,
            )
        else:
            self._note_agent(interaction, agent, agent_leg)
        return d

    def on_answer(
        self, interaction: str, leg: str, *, queue: str | None = None, campaign: str | None = None
    ) -> Decision:
        """Apply a `start: answer` policy when the customer leg is answered (records the IVR)."""
        d = self.policies.decide(interaction, queue=queue, campaign=campaign)
        if d.record and d.policy.start == "answer" and not self.active_for(interaction):
            self.start(
                interaction,
                leg,
                by="policy",
                why=d.why,
                queue=queue,
                campaign=campaign,
                stereo=d.policy.stereo,
                retention_days=d.policy.retention_days,
            )
        return d

    def announcement(
        self, *, queue: str | None = None, campaign: str | None = None, agent: str | None = None
    ) -> str:
        """The prompt a flow step plays before recording starts ("" when none is required)."""
        return self.policies.resolve(queue=queue, campaign=campaign, agent=agent)[0].announce

    def announce_then_start(self, interaction: str, leg: str, **kw: object) -> Row:
        """For a flow step: play the policy's announcement on the leg, then start recording."""
        prompt = self.announcement(queue=kw.get("queue"), campaign=kw.get("campaign"))  # type: ignore[arg-type]
        if prompt:
            self.board.for_leg(leg).execute(leg, "playback", prompt, timeout=120)
            self._log("recording.announced", interaction, leg=leg, prompt=prompt)
        return self.start(interaction, leg, **kw)  # type: ignore[arg-type]

    def _note_agent(self, interaction: str, agent: str | None, agent_leg: str) -> None:
        """A recording started from answer learns its agent and legs at bridge time."""
        for a in self.active_for(interaction):
            if agent and not a.row.agent:
                a.row.agent = agent
            if agent_leg not in a.row.legs:
                a.row.legs.append(agent_leg)
            self.index.update(a.row.id, agent=a.row.agent, legs=json.dumps(a.row.legs))

    # -- actions -----------------------------------------------------------------------------
    def start(
        self,
        interaction: str,
        leg: str,
        *,
        by: str,
        why: str = "on demand",
        agent: str | None = None,
        queue: str | None = None,
        campaign: str | None = None,
        legs: list[str] | None = None,
        stereo: bool = False,
        retention_days: int | None = None,
    ) -> Row:
        check_uuid(leg)
        now = self.clock()
        rec_id = str(uuidlib.uuid4())
        rel = self.template.render(
            at=now,
            interaction=interaction,
            leg=leg,
            agent=agent or "",
            queue=queue or "",
            campaign=campaign or "",
        )
        abs_path = self.base_dir / rel
        abs_path.parent.mkdir(parents=True, exist_ok=True)
        conn = self.board.for_leg(leg)
        legs = [leg] + [x for x in (legs or []) if x != leg]  # the recorded leg comes first
        row = Row(
            rec_id,
            interaction,
            rel,
            started_at=now,
            legs=legs,
            agent=agent,
            queue=queue,
            campaign=campaign,
            stereo=stereo,
            retention_days=retention_days,
            switch=conn.name,
            why=why,
        )
        self.index.insert(row)  # first, so a crash right after start still leaves a row to repair
        active = self.active[rec_id] = Active(row, leg, str(abs_path), starting=True)
        try:
            conn.api("uuid_setvar", leg, "RECORD_STEREO", "true" if stereo else "false")
            conn.api("uuid_record", leg, "start", str(abs_path))
        except Exception as exc:
            # Most often the leg ended as the command went out (a caller who hung up as the
            # agent answered): the recording never was, and the row says why.
            self.active.pop(rec_id, None)
            self.index.update(rec_id, status="failed", ended_at=self.clock())
            self._log("recording.failed", interaction, id=rec_id, path=rel,
                      why=f"never started: the switch did not start it ({exc})")
            raise
        active.starting = False
        if active.ended:  # the leg ended while the command was on its way: check the file now
            self.active.pop(rec_id, None)
            gevent.spawn(self._verify, active)
        self._log(
            "recording.start",
            interaction,
            id=rec_id,
            leg=leg,
            path=rel,
            by=by,
            why=why,
            stereo=stereo,
        )
        return row

    def _one(self, interaction: str, rec_id: str | None) -> list[Active]:
        found = [self.active[rec_id]] if rec_id in self.active else self.active_for(interaction)
        if not found:
            raise RecordingRefused(f"interaction {interaction} has no active recording")
        return found

    def set_mask(
        self,
        interaction: str,
        masked: bool,
        *,
        by: str,
        reason: str = "pci",
        rec_id: str | None = None,
    ) -> list[str]:
        """Mask (silence) or unmask the active recordings of an interaction, e.g. for card data."""
        done = []
        for a in self._one(interaction, rec_id):
            if a.masked == masked:
                continue
            conn = self.board.for_leg(a.leg)
            conn.api("uuid_record", a.leg, "mask" if masked else "unmask", a.abs_path)
            a.masked = masked
            self._log(
                "recording.mask" if masked else "recording.unmask",
                interaction,
                id=a.row.id,
                leg=a.leg,
                by=by,
                reason=reason,
            )
            done.append(a.row.id)
        return done

    def pci(self, interaction: str, masked: bool, *, by: str = "ivr") -> int:
        """For the IVR `collect` step's PCI option: mask while digits are read. No recording, no-op."""
        if not self.active_for(interaction):
            return 0
        return len(self.set_mask(interaction, masked, by=by, reason="pci"))

    @contextlib.contextmanager
    def masked(self, interaction: str, *, by: str = "ivr") -> Iterator[None]:
        self.pci(interaction, True, by=by)
        try:
            yield
        finally:
            self.pci(interaction, False, by=by)

    def stop(self, interaction: str, *, by: str, rec_id: str | None = None) -> list[str]:
        done = []
        for a in self._one(interaction, rec_id):
            self.board.for_leg(a.leg).api("uuid_record", a.leg, "stop", a.abs_path)
            self._log("recording.stop", interaction, id=a.row.id, leg=a.leg, by=by)
            done.append(a.row.id)
        return done

    def on_demand(
        self,
        directory: Directory,
        user: str,
        action: str,
        interaction: str,
        *,
        leg: str | None = None,
        agent: str | None = None,
        queue: str | None = None,
        campaign: str | None = None,
    ) -> list[str]:
        """An agent or supervisor starts/stops/masks/unmasks by hand. Agents act on their own calls,
        supervisors on their teams' agents; `never` policies cannot be overridden."""
        u = directory.user(user)
        if u.role == "agent":
            if agent is None or agent != u.agent:
                raise PermissionDenied(
                    f"{user} (agent) may {action} recording only on their own calls"
                )
        elif agent is not None:
            directory.check_agent(user, agent, f"{action} recording of")
        else:
            directory.require_supervisor(user, f"{action} recording")
        if action == "start":
            policy, source = self.policies.resolve(queue=queue, campaign=campaign, agent=agent)
            if policy.mode == "never":
                raise RecordingRefused(f"{source} forbids recording interaction {interaction}")
            if leg is None:
                raise RecordingRefused("start needs the leg to record")
            return [
                self.start(
                    interaction,
                    leg,
                    by=user,
                    why=f"on demand by {user}",
                    agent=agent,
                    queue=queue,
                    campaign=campaign,
                    stereo=policy.stereo,
                    retention_days=policy.retention_days,
                ).id
            ]
        if action == "stop":
            return self.stop(interaction, by=user)
        if action in ("mask", "unmask"):
            return self.set_mask(interaction, action == "mask", by=user, reason="by hand")
        raise RecordingRefused(f"unknown recording action {action!r}")

    def active_for(self, interaction: str) -> list[Active]:
        return [a for a in self.active.values() if a.row.interaction == interaction]

    # -- events ------------------------------------------------------------------------------
    def on_leg(self, leg: Leg, event: Event) -> None:
        if event.name == "RECORD_STOP":
            path = event.get("Record-File-Path") or ""
            for rec_id, a in list(self.active.items()):
                if a.abs_path == path and a.leg == leg.uuid:
                    self.active.pop(rec_id)
                    gevent.spawn(self._settle, a, event.get("Record-Completion-Cause") or "")
        elif event.name == "CHANNEL_DESTROY":
            for rec_id, a in list(self.active.items()):
                if a.leg == leg.uuid and a.starting:  # `start` settles it once the switch replies
                    a.ended = True
                elif a.leg == leg.uuid:  # destroyed without RECORD_STOP: check the file itself
                    self.active.pop(rec_id)
                    gevent.spawn(self._verify, a)

    def _settle(self, a: Active, cause: str) -> None:
        now = self.clock()
        path = self.base_dir / a.row.path
        try:
            info = wav.inspect(path)
        except (wav.NotAWav, OSError):
            self._verify(a)
            return
        if not info.healthy:
            self._verify(a)
            return
        self.index.update(
            a.row.id,
            status=COMPLETE,
            ended_at=now,
            size=info.size,
            duration=round(info.seconds, 3),
            sha256=wav.sha256_of(path),
        )
        self._log(
            "recording.complete",
            a.row.interaction,
            id=a.row.id,
            seconds=info.seconds,
            size=info.size,
            cause=cause,
        )

    def _verify(self, a: Active, why: str = "leg ended without RECORD_STOP") -> None:
        row = self.index.get(a.row.id)
        if row is not None and row.status == RECORDING and resume.never_started(
                self.journal, row, self.base_dir):
            resume.mark_never_started(self.index, self.journal, row, self.clock())
        elif row is not None and row.status == RECORDING:
            integrity.verify_row(self.index, self.journal, self.base_dir, row, self.clock(), why)

    def startup(self) -> integrity.RepairReport:
        """Settle what a crash left behind: broken files, and rows still `recording` whose switch
        is ready (or no longer configured). A row whose leg is live is adopted again; rows of a
        switch not connected yet wait for its resync (`on_resync`; see resume.py)."""
        live, gone, waiting = resume.judge(self.board, resume.unfinished(self.index), None)
        for row in live:
            self.adopt(row)
        for row in gone:
            if resume.never_started(self.journal, row, self.base_dir):
                resume.mark_never_started(self.index, self.journal, row, self.clock())
        keep = [r.path for r in live + waiting]
        report = integrity.startup_repair(
            self.index, self.journal, self.base_dir, self.clock(), live_paths=set(keep)
        )
        report.skipped_live = keep
        return report

    def on_resync(self, switch: str, rows: list[dict]) -> None:
        """After a switch's (re)connect (the tracker has its legs): adopt the recordings whose leg
        is live, verify those whose leg ended while no one watched."""
        live, gone, _ = resume.judge(self.board, resume.unfinished(self.index), switch)
        for row in live:
            self.adopt(row)
        for row in gone:
            a = self.active.pop(row.id, None) or Active(row, row.legs[0] if row.legs else "",
                                                        str(self.base_dir / row.path))
            gevent.spawn(self._verify, a, "leg ended while no controller watched")

    def adopt(self, row: Row) -> None:
        """A recording whose leg is live: the switch is still writing it; it is verified when it
        really stops. A file that is not there was never started (the controller died between
        the row and the command): it is started now."""
        if row.id in self.active or not row.legs:
            return
        abs_path = self.base_dir / row.path
        self.active[row.id] = Active(row, row.legs[0], str(abs_path))
        self._log("recording.adopted", row.interaction, id=row.id, leg=row.legs[0],
                  path=row.path, file=abs_path.exists())
        if not abs_path.exists():
            resume.spawn_restart(self.board, self.journal, row, row.legs[0], abs_path, self.clock)

    def _log(self, kind: str, subject: str, **data: object) -> None:
        self.journal.append(kind, subject, data, self.clock())
