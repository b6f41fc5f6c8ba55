"""Voice operations on an agent's interaction: hold, mute, DTMF, hangup, blind and attended
transfer, consult, 3-way conference; and following the agent's phone (hold key, REFER)."""

from calldesk.callcontrol.decide import CallState, Refused, Target
from calldesk.callcontrol.ports import CallPort, DispatcherPort
from calldesk.callcontrol.service import CallControl

__all__ = ["CallControl", "CallPort", "CallState", "DispatcherPort", "Refused", "Target"]
