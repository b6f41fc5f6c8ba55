"""The control inbox between the CLI and a running controller, through the store.

The CLI posts a command row into `control_inbox` and waits for its result; the controller's
`ControlBus` takes pending rows in order, runs the registered handler and writes the result.
It needs no listening socket: whoever can write the SQLite file is already trusted with every
byte of it, and each handler still checks the actor's role.
"""

from calldesk.control.bus import ControlBus, ControlError
from calldesk.control.client import ControlClient

__all__ = ["ControlBus", "ControlClient", "ControlError"]
