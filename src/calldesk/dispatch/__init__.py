"""calldesk.dispatch: the side effects around the pure ACD core.

`AcdService(acd, board, store, clock, settings=None, on_overflow=None)`; `.start()` replays the
recorded inputs (restart recovery), watches legs and starts the worker. The IVR hands over with
`service.enqueue(request, leg_uuid=None, switch=None)`; agents and queues are driven with
`login/logout/ready/not_ready/pause/resume` or the control channel (`register_controls`).
"""

from calldesk.dispatch.persist import DispatchStore, LegRef
from calldesk.dispatch.service import AcdService
from calldesk.dispatch.settings import DispatchSettings

__all__ = ["AcdService", "DispatchSettings", "DispatchStore", "LegRef"]
