"""SIP trunks: configuration (gateways, ACLs, DIDs -> flows) and pure outbound routing."""

from calldesk.trunks.config import Did, Gateway, Trunk, parse_trunks
from calldesk.trunks.policy import OutboundPolicy, Verdict, parse_outbound
from calldesk.trunks.routing import OutboundRouter, RouteDecision, TrunkLegs

__all__ = [
    "Did",
    "Gateway",
    "OutboundPolicy",
    "OutboundRouter",
    "RouteDecision",
    "Trunk",
    "TrunkLegs",
    "Verdict",
    "parse_outbound",
    "parse_trunks",
]
