"""What a resync cannot tell: the `calldesk_*` variables of the legs a switch holds.

`show channels` has no variable column, so after a restart the tracker's legs carry none, and an
agent leg the ACD placed looks like an agent's own call (an off-queue call that keeps the agent
busy until it ends, and nobody ends it). Its offer may also be one whose leg the store never
learned (the controller died between the originate and the write). After each resync the
outbound legs with no known role are asked for theirs (`uuid_getvar`); the voice adapter is not
`ready` (the engine's recovery waits) until the answers are in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import gevent
import gevent.pool

from calldesk.errors import CalldeskError
from calldesk.esl.connection import SwitchConnection
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)
AGENT_VARIABLES = ("calldesk_offer", "calldesk_agent", "calldesk_queue")  # + the interaction
ASKING = 8  # questions in flight at once (a restart with hundreds of legs must not wait long)


def getvar(conn: SwitchConnection, uuid: str, name: str) -> str:
    try:
        value = str(conn.api("uuid_getvar", uuid, name, check=False) or "").strip()
    except CalldeskError:
        return ""
    return "" if value in ("_undef_", "") or value.startswith("-ERR") else value


class LegVariables:
    def __init__(self, board: Switchboard, wait_s: float = 10.0) -> None:
        self.board, self.wait_s = board, wait_s
        self.pending: set[str] = set()  # switches whose legs are being asked
        self._then: list[Callable[[str], None]] = []

    def subscribe(self, listener: Callable[[str], None]) -> None:
        """Called with the switch's name once its legs' roles are known (after each resync)."""
        self._then.append(listener)

    @property
    def done(self) -> bool:
        return not self.pending

    def learn(self, switch: str, rows: list[dict]) -> gevent.Greenlet:
        """Ask, off the resync (commands wait for the switch to be ready)."""
        self.pending.add(switch)
        uuids = [r.get("uuid") or "" for r in rows if r.get("direction") == "outbound"]
        return gevent.spawn(self._learn, switch, uuids)

    def _ask(self, conn: SwitchConnection, uuid: str) -> None:
        leg = self.board.tracker.legs.get(uuid)
        if leg is None or not leg.alive or "calldesk_role" in leg.variables:
            return
        role = getvar(conn, uuid, "calldesk_role")
        if not role:
            return
        found = {"calldesk_role": role}
        if role == "agent":
            found.update((n, v) for n in AGENT_VARIABLES if (v := getvar(conn, uuid, n)))
            if "/" in found.get("calldesk_offer", ""):  # offer ids are `<interaction>/oN`
                found["calldesk_interaction"] = found["calldesk_offer"].rsplit("/", 1)[0]
        for name, value in found.items():  # an event meanwhile knows better
            leg.variables.setdefault(name, value)

    def _learn(self, switch: str, uuids: list[str]) -> None:
        try:
            conn = self.board.switches.get(switch)
            if conn is None or not conn.wait_ready(self.wait_s):
                return
            gevent.pool.Pool(ASKING).map(lambda u: self._ask(conn, u), uuids)
        except Exception:
            log.exception("switch %s: learning the legs' roles after a resync failed", switch)
        finally:
            self.pending.discard(switch)
        for listener in self._then:
            try:
                listener(switch)
            except Exception:
                log.exception("switch %s: a listener of the learned roles failed", switch)
