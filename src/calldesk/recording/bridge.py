"""The recording policy applied when an agent's leg is bridged to its customer."""

from __future__ import annotations

import logging
from typing import Any

import gevent

from calldesk.errors import ESLError
from calldesk.recording.recorder import Recorder
from calldesk.telephony.legs import Leg
from calldesk.telephony.switchboard import Switchboard

log = logging.getLogger(__name__)


class RecordAtBridge:
    def __init__(self, board: Switchboard, recorder: Recorder) -> None:
        self.board, self.recorder = board, recorder

    def on_leg(self, leg: Leg, event: Any) -> None:
        """A tracker subscriber, in the ESL reader: the policy (which talks to the switch) is
        spawned."""
        if event.name == "CHANNEL_BRIDGE":
            gevent.spawn(self.apply, leg, event)

    def after_resync(self, switch: str) -> None:
        """Once a restart's resync knows the legs' roles: a customer bridged to an agent whose
        interaction has no recording (the controller died before the CHANNEL_BRIDGE reached the
        policy) gets the policy now. One that was recorded, or stopped by hand, is left alone."""
        tracker = self.board.tracker
        for leg in list(tracker.legs.values()):
            peer = tracker.legs.get(leg.bridged_to or "")
            if (leg.switch != switch or not leg.alive or peer is None or not peer.alive
                    or leg.variables.get("calldesk_role") == "agent"
                    or peer.variables.get("calldesk_role") != "agent"):
                continue
            iid = peer.variables.get("calldesk_interaction") or leg.uuid
            if not any(True for _ in self.recorder.index.search(interaction=iid, limit=1)):
                gevent.spawn(self.apply, leg, None)

    def apply(self, leg: Leg, event: Any) -> None:
        """CHANNEL_BRIDGE fires on the customer leg (the first uuid of uuid_bridge)."""
        if not leg.bridged_to:
            return
        agent_leg = self.board.tracker.legs.get(leg.bridged_to)
        if agent_leg is None or agent_leg.variables.get("calldesk_role") != "agent":
            return
        v = agent_leg.variables
        interaction = v.get("calldesk_interaction") or leg.uuid
        try:
            self.recorder.on_bridge(interaction, leg.uuid, agent_leg.uuid,
                                    queue=v.get("calldesk_queue"), agent=v.get("calldesk_agent"))
        except ESLError as exc:  # e.g. the caller hung up as the bridge came up
            log.warning("recording not started for %s: %s", interaction, exc)
        except Exception:  # a recording failure must never touch the call
            log.exception("recording policy at bridge failed for %s", interaction)
