"""Queued callbacks on voice: dial the customer (through the trunks' `OutboundDialer` when one is
given, else `callback_endpoint`) and bridge them to the reserved agent's leg."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.acd import DialCallback
from calldesk.acd import events as ev
from calldesk.engine.settings import DispatchSettings
from calldesk.errors import CalldeskError, CommandRefused
from calldesk.interactions import Interactions
from calldesk.telephony.legs import LegRef
from calldesk.trunks.dialer import OutboundError, OutboundRefused
from calldesk.voice.causes import parse_job
from calldesk.voice.legmaps import LegMaps
from calldesk.voice.media import Voice

log = logging.getLogger(__name__)


class CallbackDialer:
    def __init__(self, maps: LegMaps, media: Voice, settings: DispatchSettings,
                 post: Callable[..., Any], clock: Callable[[], float],
                 dial: Callable[..., Any] | None = None,
                 interactions: Interactions | None = None) -> None:
        self.maps, self.media, self.settings = maps, media, settings
        self.post, self.clock, self.dial = post, clock, dial
        self.interactions = interactions

    def run(self, d: DialCallback) -> None:
        iid, agent = d.interaction, self.maps.agent_legs.get(d.offer)
        s = self.settings
        text, switch = "-ERR NETWORK_OUT_OF_ORDER", ""
        if agent is not None:
            variables = {"calldesk_role": "callback", "calldesk_interaction": iid,
                         "originate_timeout": int(s.callback_timeout_s),
                         "ignore_early_media": "true"}
            dial = self._dial_trunk if self.dial is not None else self._dial_endpoint
            text, switch = dial(d.number, variables, agent.switch, iid)
        uuid, cause = parse_job(text)
        if uuid is None:
            self.maps.unset_talking(iid)  # the agent leg's hangup is no longer the call's end
            self.post(ev.CallbackFailed(iid, cause.lower()))
            if agent is not None:
                gevent.spawn(self.media.kill, agent, "NORMAL_CLEARING")
            return
        ref = LegRef(uuid, switch, self.clock())
        self.maps.map_customer(iid, ref)
        if self.interactions is not None:  # the same interaction, on a new customer leg
            self.interactions.attach(iid, uuid, "customer", ref.at)
        self.media.bridge(LegRef(uuid, switch), agent.uuid if agent else "")
        self.post(ev.CallbackConnected(iid))

    def _dial_endpoint(self, number: str, variables: dict[str, Any], switch: str,
                       iid: str) -> tuple[str, str]:
        """No trunks configured: originate `callback_endpoint` (e.g. loopback in the demo)."""
        s = self.settings
        try:
            conn = self.media.conn(switch)
            job = self.media.originate(conn, s.callback_endpoint.format(number=number), variables)
            return job.get(timeout=(s.callback_timeout_s + 15) / s.time_scale), conn.name
        except CommandRefused:
            return "-ERR INVALID_NUMBER_FORMAT", switch
        except (CalldeskError, gevent.Timeout) as exc:
            log.warning("callback %s: originate failed: %s", iid, exc)
            return "-ERR NETWORK_OUT_OF_ORDER", switch

    def _dial_trunk(self, number: str, variables: dict[str, Any], switch: str,
                    iid: str) -> tuple[str, str]:
        """Through the outbound dialer (trunk choice, failover, toll-fraud rules); on the agent
        leg's switch so the bridge is local. A refusal is a failed attempt with its rule."""
        assert self.dial is not None
        try:
            got = self.dial(number, variables, switch=switch, subject=iid)
            return f"+OK {got.uuid}", got.switch
        except OutboundRefused as exc:  # e.g. callback.failed cause "refused_premium"
            log.warning("callback %s: %s", iid, exc)
            return f"-ERR REFUSED_{exc.code.upper()}", switch
        except OutboundError as exc:
            log.warning("callback %s: %s", iid, exc)
            return f"-ERR {exc.cause}", switch
        except CalldeskError as exc:
            log.warning("callback %s: originate failed: %s", iid, exc)
            return "-ERR NETWORK_OUT_OF_ORDER", switch
