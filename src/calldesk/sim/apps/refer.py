"""A phone's REFER (blind transfer from the agent's phone), as phone-refer recorded.

FreeSWITCH answers 202, NOTIFYs, and sends BYE to the referring phone: its leg is hung up
(NORMAL_CLEARING, `transfer_to: blind:<partner>`, `transfer_disposition: recv_replace`) and the
partner goes to the Refer-To number in its own context (`sip_refer_to`, `sip_h_Referred-By`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..legs import Leg
from .xfer import transfer_bridged

if TYPE_CHECKING:
    from ..switch import SimSwitch


def refer(sw: SimSwitch, leg: Leg, target: str) -> None:
    partner = leg.peer
    if partner is None or leg.hungup or partner.hungup:
        return
    host = "127.0.0.1:5080"
    partner.set_var("sip_refer_to", f"<sip:{target}@{host}>")
    partner.set_var("sip_h_Referred-By", f"<sip:{leg.profile['Destination-Number']}@{host}>")
    leg.set_var("transfer_to", f"blind:{partner.uuid}")
    leg.set_var("transfer_disposition", "recv_replace")
    leg.set_var("transfer_destination", f"blind:{target}")
    transfer_bridged(sw, partner, target, partner.profile["Context"], refer=True)
