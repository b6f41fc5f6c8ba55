"""The ESL listener: a gevent StreamServer handing each client to a Connection."""

from __future__ import annotations

import gc
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


def tune_gc() -> None:
    """For a process that runs the switch alone (`calldesk sim`, bench inbound's switch): what
    exists at start-up is frozen out of the collector and the youngest generation is collected
    every 20000 allocations instead of 700. A call allocates thousands of short-lived
    objects (headers, frames) that reference counting frees; scanning the live legs 30 times
    a second cost the switch ~7% of its CPU."""
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(20_000, second, third)
