"""The ESL listener: a gevent StreamServer handing each client to a Connection."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gevent.server import StreamServer

from .connection import Connection

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)


def make_server(sw: SimSwitch, host: str, port: int) -> StreamServer:
    def handle(sock: Any, address: Any) -> None:
        log.debug("sim: ESL client %s", address)
        Connection(sw, sock).serve()

    return StreamServer((host, port), handle)
