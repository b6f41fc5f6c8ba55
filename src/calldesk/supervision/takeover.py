"""Takeover and the agent's notice: a part of `SupervisionService` (`service.takeover`).

Takeover: the session is marked and `on_agent_released` tells the ACD (the agent wraps up, the
dispatcher lets go of the agent leg) before `uuid_bridge <customer> <supervisor>`, which pulls
the supervisor out of eavesdrop and the customer away from the agent; FreeSWITCH then hangs the
left-behind agent leg up.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import gevent

from calldesk.errors import CalldeskError
from calldesk.supervision.modes import Mode
from calldesk.supervision.session import Session, SupervisionError

if TYPE_CHECKING:
    from calldesk.supervision.service import SupervisionService

log = logging.getLogger(__name__)


class Takeover:
    """Composed by the service; reads its board, journal, settings and clock, and calls its
    session helpers (`_save`, `_wait`, `_journal`, `_hangup_quietly`)."""

    def __init__(self, svc: SupervisionService) -> None:
        self.svc = svc

    def notify(self, s: Session) -> None:
        how = self.svc.settings.notify
        if how == "tone":
            gevent.spawn(self._tone, s)
        elif how == "notice":
            info = {"supervisor": s.supervisor, "mode": s.mode, "session": s.id}
            self.svc.journal.append("supervision.notice", s.agent, info, self.svc.clock())
            if self.svc.on_notice:
                self.svc.on_notice(s.agent, info)

    def _tone(self, s: Session) -> None:
        try:
            self.svc.board.switches[s.switch].api(
                "uuid_broadcast", s.agent_leg, self.svc.settings.tone, "aleg"
            )
            self.svc.journal.append(
                "supervision.notice", s.agent, {"session": s.id, "tone": True}, self.svc.clock()
            )
        except CalldeskError as exc:
            log.warning("supervision: notice tone for %s failed: %s", s.agent, exc)

    def take(self, s: Session, by: str | None = None) -> None:
        """Marked first, so the agent leg's hangup is expected (the session and the ACD keep the
        call); the ACD releases the agent to wrap-up; then `uuid_bridge <customer> <supervisor>`
        ends the supervisor's eavesdrop and moves the customer to the supervisor. FreeSWITCH hangs
        the left-behind agent leg up itself (NORMAL_CLEARING, switch_ivr_bridge.c); one kept by
        `park_after_bridge` is hung up here."""
        conn = self.svc.board.switches[s.switch]
        assert s.supervisor_leg
        before, s.mode = s.mode, Mode.TAKEOVER.value
        self.svc._save(s)
        try:
            if self.svc.on_agent_released:
                self.svc.on_agent_released(s.agent, s.interaction)
            conn.api("uuid_bridge", s.target_leg, s.supervisor_leg)
        except CalldeskError:
            s.mode = before
            self.svc._save(s)
            raise
        tracker = self.svc.board.tracker
        ok = self.svc._wait(
            lambda: (
                (leg := tracker.legs.get(s.target_leg)) is not None
                and leg.bridged_to == s.supervisor_leg
            ),
            5.0,
        )
        if not ok:
            raise SupervisionError(
                f"session {s.id}: the customer was not bridged to the supervisor"
            )
        self.svc._journal(
            "supervision.takeover", s, by=by or s.supervisor, released_leg=s.agent_leg
        )
        gevent.spawn(self._drop_agent_leg, s)

    def _drop_agent_leg(self, s: Session) -> None:
        tracker = self.svc.board.tracker
        gone = self.svc._wait(
            lambda: not ((leg := tracker.legs.get(s.agent_leg)) and leg.alive), 2.0
        )
        if not gone:
            self.svc._hangup_quietly(s.switch, s.agent_leg)
