"""The ESL side of the dispatcher: small blocking primitives over a switch connection.

Each runs in its own greenlet (never in the ESL reader); failures are logged and reported to the
caller as a return value, since the leg tracker tells the dispatcher what really happened.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import gevent.event

from calldesk.dispatch.persist import LegRef
from calldesk.dispatch.settings import DispatchSettings
from calldesk.errors import CalldeskError
from calldesk.esl.commands import check_token, check_uuid, originate_args
from calldesk.esl.connection import SwitchConnection
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


class Voice:
    def __init__(self, board: Switchboard, settings: DispatchSettings) -> None:
        self.board = board
        self.settings = settings

    def conn(self, switch: str | None) -> SwitchConnection:
        if switch and switch in self.board.switches:
            return self.board.switches[switch]
        return self.board.pick()

    def originate(
        self, conn: SwitchConnection, endpoint: str, variables: Mapping[str, object]
    ) -> gevent.event.AsyncResult:
        """bgapi originate `endpoint` into park; resolves with `+OK <uuid>` or `-ERR <CAUSE>`."""
        return conn.bgapi("originate", originate_args(endpoint, variables, "park"))

    def moh(self, ref: LegRef) -> None:
        s = self.settings
        try:
            self.conn(ref.switch).execute_async(check_uuid(ref.uuid), s.moh_app, s.moh)
        except CalldeskError as exc:
            log.info("MOH on %s not started: %s", ref.uuid, exc)

    def announce(self, ref: LegRef, position: int, wait_s: float) -> None:
        """Queue the announcement and MOH again behind the MOH playing now, then break it."""
        s = self.settings
        arg = s.announce_arg.format(position=position, wait_min=max(1, round(wait_s / 60)))
        try:
            conn = self.conn(ref.switch)
            conn.execute_async(check_uuid(ref.uuid), s.announce_app, arg)
            conn.execute_async(ref.uuid, s.moh_app, s.moh)
            conn.api("uuid_break", ref.uuid, check=False)
        except CalldeskError as exc:
            log.info("announcement on %s skipped: %s", ref.uuid, exc)

    def bridge(self, a: LegRef, b_uuid: str, stop_media: bool = True) -> bool:
        """Stop what `a` hears (MOH, queued announcements) and bridge it to `b`."""
        try:
            conn = self.conn(a.switch)
            if stop_media:
                conn.api("uuid_break", check_uuid(a.uuid), "all", check=False)
            conn.api("uuid_bridge", check_uuid(a.uuid), check_uuid(b_uuid))
            return True
        except CalldeskError as exc:
            log.info("bridge %s <-> %s failed: %s", a.uuid, b_uuid, exc)
            return False

    def kill(self, ref: LegRef, cause: str = "NORMAL_CLEARING") -> bool:
        try:
            return self.conn(ref.switch).hangup(ref.uuid, cause)
        except CalldeskError as exc:
            log.info("hangup of %s failed: %s", ref.uuid, exc)
            return False

    def transfer(self, ref: LegRef, target: str, context: str) -> bool:
        try:
            conn = self.conn(ref.switch)
            conn.api("uuid_break", check_uuid(ref.uuid), "all", check=False)
            conn.api(
                "uuid_transfer",
                ref.uuid,
                check_token(target, "transfer target"),
                "XML",
                check_token(context, "context"),
            )
            return True
        except CalldeskError as exc:
            log.info("transfer of %s to %s failed: %s", ref.uuid, target, exc)
            return False
