"""socket: hand the leg to an outbound ESL listener."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import gevent
from gevent import socket as gsocket

from ..executor import app, hold_loop
from ..legs import AppFrame, Leg

if TYPE_CHECKING:
    from ..switch import SimSwitch

log = logging.getLogger(__name__)


@app("socket")
def socket_app(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    """`socket host:port [async] [full]`: connect out, then park until the call ends."""
    from ..connection import Connection

    target = data.split()[0] if data.split() else ""
    host, _, port = target.rpartition(":")
    leg.set_var("socket_host", host or "127.0.0.1")
    try:
        sock = gsocket.create_connection((host or "127.0.0.1", int(port)), timeout=5)
        sock.settimeout(None)
    except (OSError, ValueError) as exc:
        log.warning("sim: socket app could not reach %s: %s", target, exc)
        return
    conn = Connection(sw, sock, outbound_leg=leg)
    gevent.spawn(conn.serve)
    frame.parked = True
    hold_loop(sw, leg, announce_park=True)
