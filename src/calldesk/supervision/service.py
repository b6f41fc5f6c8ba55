"""Supervising live calls: monitor, whisper, barge and takeover, with permissions and an audit trail.

Start: `originate {vars}<supervisor contact> &eavesdrop(<customer leg>)`; the variables set the
starting mode (see modes.py). Mode changes go to the supervisor's leg as a digit (`uuid_recv_dtmf`,
proven by the eavesdrop trace: the loop dequeues it ~20 ms later and fires DTMF) or as a session
event with `eavesdrop-command` (`switch_modes: event`). With digits, the mode is confirmed by the
DTMF event on the supervisor's leg, which also catches keys pressed on the supervisor's phone; no
event on the wire shows the mode otherwise (trace README), so the session row is the truth.

Attach: a supervisor's own answered leg (a feature code) joins without ringing. Takeover and
the agent's notice live in takeover.py, what the legs' events do to sessions in legevents.py.
"""

from __future__ import annotations

import logging
import time
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import gevent
import gevent.event

from calldesk.auth import Directory, PermissionDenied, User
from calldesk.errors import CalldeskError
from calldesk.esl.commands import check_uuid, originate_args
from calldesk.store import Store
from calldesk.supervision.legevents import LegEvents
from calldesk.supervision.locate import CallRef, find_agent_call
from calldesk.supervision.modes import (
    DIGIT,
    Mode,
    eavesdrop_command,
    eavesdrop_variables,
    parse_mode,
)
from calldesk.supervision.session import ACTIVE, ENDED, RINGING, Session, SupervisionError
from calldesk.supervision.settings import Settings
from calldesk.supervision.takeover import Takeover
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


class SupervisionService:
    def __init__(
        self,
        board: Switchboard,
        store: Store,
        directory: Directory,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        locate: Callable[[str], CallRef] | None = None,
        on_agent_released: Callable[[str, str], object] | None = None,
        on_notice: Callable[[str, dict], None] | None = None,
    ) -> None:
        self.board = board
        self.store = store
        self.journal = store.journal
        self.directory = directory
        self.settings = settings or Settings()
        self.clock = clock
        self.locate = locate or (lambda agent: find_agent_call(board.tracker, agent))
        self.on_agent_released = on_agent_released
        self.on_notice = on_notice
        self.sessions: dict[str, Session] = {}
        self._changed = gevent.event.Event()
        self.takeover = Takeover(self)
        self.leg_events = LegEvents(self)
        self.on_leg = self.leg_events.on_leg  # the tracker subscriber (legevents.py)

    # -- API --------------------------------------------------------------------------------
    def start(self, user: str, agent: str, mode: str | Mode) -> Session:
        """Ring the supervisor's phone and join the agent's live call in `mode`."""
        mode = self._mode(mode)
        sup = self._check(user, agent, f"{mode.value}")
        if not sup.contact:
            raise SupervisionError(f"{user} has no phone contact configured (users[].contact)")
        s, call = self._open(user, agent, mode, str(uuidlib.uuid4()))
        variables = {
            "origination_caller_id_name": f"supervise-{agent}",  # no spaces: originate splits on them
            "origination_caller_id_number": "supervisor",
            "calldesk_role": "supervisor",
            "calldesk_supervision": s.id,
            "calldesk_supervisor": user,
            "calldesk_agent": agent,
            "origination_uuid": s.supervisor_leg,
            "originate_timeout": int(self.settings.answer_timeout),
            "ignore_early_media": "true",  # joined when the supervisor answers, not at a 183
            **eavesdrop_variables(Mode(s.mode), dtmf=self.settings.supervisor_keys),
        }
        conn = self.board.switches[call.switch]
        if self.settings.require_group:
            variables["eavesdrop_require_group"] = self._grouped(conn, call)
        job = conn.bgapi(
            "originate", originate_args(sup.contact, variables, "eavesdrop", call.customer_leg)
        )
        gevent.spawn(self._await_answer, s, job)
        if mode is Mode.TAKEOVER:
            self._wait(lambda: s.status != RINGING, self.settings.answer_timeout + 5)
            if s.status != ACTIVE:
                raise SupervisionError(
                    f"takeover failed: {s.end_reason or 'supervisor did not answer'}"
                )
            self.takeover.take(s)
        return s

    def attach(self, user: str, agent: str, mode: str | Mode, leg: str, switch: str) -> Session:
        """Join the agent's live call from a leg the supervisor already placed (a feature code
        dialled on their phone, parked and answered by the dialplan): no ringing, active at once.
        Takeover is an API action on a running session, never a code."""
        mode = self._mode(mode)
        if mode is Mode.TAKEOVER:
            raise SupervisionError("takeover starts from a running session, not from a phone code")
        self._check(user, agent, mode.value)
        s, call = self._open(user, agent, mode, leg)
        if call.switch != switch:
            self._end(s, "refused: the call is on another switch")
            raise SupervisionError(f"agent {agent}'s call is on switch {call.switch}, not {switch}")
        conn = self.board.switches[switch]
        variables = {
            "calldesk_role": "supervisor",
            "calldesk_supervision": s.id,
            "calldesk_supervisor": user,
            "calldesk_agent": agent,
            **eavesdrop_variables(mode, dtmf=self.settings.supervisor_keys),
        }
        if self.settings.require_group:
            variables["eavesdrop_require_group"] = self._grouped(conn, call)
        try:
            for name, value in variables.items():
                conn.api("uuid_setvar", check_uuid(leg), name, str(value))
            conn.execute_async(leg, "eavesdrop", call.customer_leg)
        except CalldeskError as exc:
            self._end(s, f"join failed: {exc}")
            raise SupervisionError(f"could not join agent {agent}'s call: {exc}") from exc
        s.status = ACTIVE
        self._save(s)
        self._journal("supervision.joined", s, via="phone")
        self.takeover.notify(s)
        self._changed.set()
        return s

    def change_mode(self, user: str, session_id: str, mode: str | Mode) -> Session:
        """Switch an active session to another mode, without the supervisor pressing keys."""
        mode = self._mode(mode)
        s = self._session(session_id)
        self._check(user, s.agent, mode.value)
        if s.status != ACTIVE or not s.supervisor_leg:
            raise SupervisionError(
                f"session {s.id} is {s.status}; it can change mode once answered"
            )
        if s.mode == Mode.TAKEOVER:
            raise SupervisionError(
                f"session {s.id} has taken the call over; there is no eavesdrop left"
            )
        if mode is Mode.TAKEOVER:
            self.takeover.take(s, by=user)
            return s
        if s.mode == mode.value:
            return s
        conn = self.board.switches[s.switch]
        if self.settings.switch_modes == "event":
            reply = conn.command(eavesdrop_command(s.supervisor_leg, mode))
            if not (reply.reply_text or "").startswith("+OK"):
                raise SupervisionError(f"sendevent refused: {reply.reply_text}")
            self._set_mode(s, mode, by=user, via="event")
        else:
            # Pending before the command: the dequeued digit's DTMF event may be read before
            # the command's reply, and must be known for ours (via api, not the keypad).
            s.pending = (mode.value, user)
            try:
                conn.api("uuid_recv_dtmf", check_uuid(s.supervisor_leg), DIGIT[mode])
            except Exception:
                s.pending = None
                raise
            if not self._wait(lambda: s.mode == mode.value or s.status == ENDED, 5.0):
                raise SupervisionError(
                    f"session {s.id}: the eavesdrop did not take digit {DIGIT[mode]}"
                )
        return s

    def stop(self, user: str, session_id: str) -> Session:
        s = self._session(session_id)
        if user != s.supervisor:
            self._check(user, s.agent, "stop supervising")
        if s.status != ENDED:
            self._end(s, f"stopped by {user}")  # first: the leg's hangup event is then ours
            if s.supervisor_leg:  # ringing or answered
                self._hangup_quietly(s.switch, s.supervisor_leg)
        return s

    def visible(self, user: str) -> list[Session]:
        """Live sessions this user may see: admins all, supervisors their teams' agents."""
        u = self.directory.require_supervisor(user, "see supervision sessions")
        agents = self.directory.agents_of(u)
        return [
            s
            for s in self.sessions.values()
            if s.status != ENDED and (agents is None or s.agent in agents)
        ]

    def load_active(self) -> list[Session]:
        """Take over the sessions the store says are live (after a restart, or in a CLI process);
        those whose supervisor leg is gone are ended with reason `gone`."""
        out = []
        for row in self.store.db["supervision_sessions"].rows_where("status != ?", [ENDED]):
            s = Session(**row)
            self.sessions[s.id] = s
            conn = self.board.switches.get(s.switch)
            alive = (
                bool(s.supervisor_leg)
                and conn is not None
                and (conn.api("uuid_exists", s.supervisor_leg, check=False).strip() == "true")
            )
            if not alive:
                self._end(s, "gone")
            else:
                out.append(s)
        return out

    # -- internals --------------------------------------------------------------------------
    def _mode(self, mode: str | Mode) -> Mode:
        try:
            return parse_mode(str(mode))
        except ValueError as exc:
            raise SupervisionError(str(exc)) from None

    def _check(self, user: str, agent: str, action: str) -> User:
        try:
            return self.directory.check_agent(user, agent, action)
        except PermissionDenied as exc:
            self.journal.append(
                "supervision.refused",
                agent,
                {"supervisor": user, "action": action, "reason": str(exc)},
                self.clock(),
            )
            raise

    def _open(self, user: str, agent: str, mode: Mode, leg: str) -> tuple[Session, CallRef]:
        """A new session on the agent's live call, saved and journaled; `leg`: the supervisor's
        (named up front, so a ringing one can be cancelled)."""
        call = self.locate(agent)
        for s in self.sessions.values():
            if s.status != ENDED and s.supervisor == user and s.target_leg == call.customer_leg:
                raise SupervisionError(
                    f"{user} already supervises this call (session {s.id}); change its mode"
                )
        sid = uuidlib.uuid4().hex[:12]
        first = Mode.MONITOR if mode is Mode.TAKEOVER else mode
        s = Session(
            sid,
            user,
            agent,
            call.interaction,
            call.customer_leg,
            call.agent_leg,
            call.switch,
            first.value,
            supervisor_leg=leg,
            started_at=self.clock(),
        )
        self.sessions[sid] = s
        self._save(s)
        self._journal("supervision.start", s, requested=mode.value)
        return s, call

    def _grouped(self, conn: Any, call: CallRef) -> str:
        """Tag the customer's leg with the agent's eavesdrop group; the group to require."""
        group = self._group(call.agent)
        conn.api("uuid_setvar", call.customer_leg, "eavesdrop_group", group)
        return group

    def _group(self, agent: str) -> str:
        teams = sorted(self.directory.agent_teams(agent))
        return f"calldesk-{teams[0]}" if teams else "calldesk"

    def _session(self, session_id: str) -> Session:
        s = self.sessions.get(session_id)
        if s is None:
            raise SupervisionError(f"no supervision session {session_id!r}")
        return s

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        # gevent documents Timeout(s, False) as a silent timeout; its stubs do not allow False
        with gevent.Timeout(timeout, False):  # type: ignore[arg-type]
            while not done():
                self._changed.wait(0.05)
                self._changed.clear()
            return True
        return done()

    def _await_answer(self, s: Session, job: gevent.event.AsyncResult) -> None:
        try:
            out = job.get(timeout=self.settings.answer_timeout + 10)
            if not isinstance(out, str):
                raise SupervisionError(f"the originate job resolved with {out!r}, not a reply")
        except Exception as exc:  # noqa: BLE001 - any failure ends the session with its reason
            out = f"-ERR {exc}"
        if out.startswith("+OK"):
            if s.supervisor_leg is None:
                s.supervisor_leg = out.split()[1].strip()
            if s.status == RINGING:
                s.status = ACTIVE
                self._save(s)
                self._journal("supervision.joined", s)
                self.takeover.notify(s)
        elif s.status != ENDED:
            self._end(s, f"supervisor phone: {out.strip()}")
        self._changed.set()

    def _set_mode(self, s: Session, mode: Mode, by: str, via: str) -> None:
        before, s.mode = s.mode, mode.value
        self._save(s)
        self._journal("supervision.mode", s, before=before, by=by, via=via)
        self._changed.set()

    def _end(self, s: Session, reason: str) -> None:
        if s.status == ENDED:
            return
        s.status, s.ended_at, s.end_reason = ENDED, self.clock(), reason
        self._save(s)
        self._journal("supervision.end", s, reason=reason)
        self._changed.set()

    def _hangup_quietly(self, switch: str, leg: str) -> None:
        try:
            self.board.switches[switch].hangup(leg)
        except CalldeskError:
            pass

    def _journal(self, kind: str, s: Session, **extra: object) -> None:
        data = {
            "session": s.id,
            "supervisor": s.supervisor,
            "agent": s.agent,
            "mode": s.mode,
            "interaction": s.interaction,
            "started_at": s.started_at,
            "ended_at": s.ended_at,
            **extra,
        }
        self.journal.append(kind, s.agent, data, self.clock())

    def _save(self, s: Session) -> None:
        row = asdict(s)
        row.pop("pending", None)
        self.store.db.table("supervision_sessions").upsert(row, pk="id")
