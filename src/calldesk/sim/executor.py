"""Runs applications on a leg's own greenlet: dialplan apps, queued sendmsg, bridged hold."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import gevent

from . import lifecycle
from .legs import AppFrame, Leg, LegGone, Message, new_uuid

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)

# name -> fn(sw, leg, data, frame) -> Application-Response or None
AppFn = Callable[["SimSwitch", Leg, str, AppFrame], "str | None"]
APPS: dict[str, AppFn] = {}


def app(name: str) -> Callable[[AppFn], AppFn]:
    def deco(fn: AppFn) -> AppFn:
        APPS[name] = fn
        return fn

    return deco


_VAR = re.compile(r"\$\{([A-Za-z0-9_]+)(?:\(([^)]*)\))?\}")


def expand(sw: SimSwitch, leg: Leg, data: str) -> str:
    """`${var}` (leg, then global variables) and `${strftime(fmt)}`, which runs an api and so
    fires an API event, as FreeSWITCH does when it expands an app's data."""
    if "${" not in data:
        return data

    def one(m: re.Match[str]) -> str:
        name, arg = m.group(1), m.group(2)
        if arg is None:
            return leg.variables.get(name) or sw.global_vars.get(name, "")
        if name == "strftime":
            sw.api_event("strftime", arg)
            return time.strftime(arg.replace("%T", "%H:%M:%S"), time.localtime(sw.clock.epoch()))
        return m.group(0)

    return _VAR.sub(one, data)


def execute(sw: SimSwitch, leg: Leg, name: str, data: str, app_uuid: str | None) -> str | None:
    """Run one app with CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE around it."""
    fn = APPS.get(name)
    if fn is None:
        log.warning("sim: invalid application %r on %s", name, leg.uuid)
        return None
    data = expand(sw, leg, data)
    frame = AppFrame(name, data, app_uuid or new_uuid())
    leg.set_var("current_application", name)
    leg.set_var("current_application_data", data)
    post = [("Application", name)]
    if data:
        post.append(("Application-Data", data))
    post.append(("Application-UUID", frame.app_uuid or ""))
    frame.started_at = sw.clock.epoch()
    sw.fire(leg, "CHANNEL_EXECUTE", post=post, at=frame.started_at)
    leg.frames.append(frame)
    response: str | None = None
    try:
        response = fn(sw, leg, data, frame)
    except LegGone:
        pass
    finally:
        if frame in leg.frames:
            leg.frames.remove(frame)
    if not frame.completed:
        leg.set_var("last_app", name)
        leg.set_var("last_arg", data)
        lifecycle.complete_frame(sw, leg, frame, response or "_none_")
    return response


def run_message(sw: SimSwitch, leg: Leg, msg: Message) -> None:
    if msg.command == "hangup":
        lifecycle.hangup(sw, leg, msg.arg or "NORMAL_CLEARING")
        return
    if msg.command == "execute":
        for _ in range(max(1, msg.loops)):
            if leg.hungup:
                break
            execute(sw, leg, msg.app, msg.arg, msg.event_uuid)
        if msg.headers and not leg.hungup:
            sw.fire(leg, "PRIVATE_COMMAND", before_base=msg.headers, variables=False)


def process_messages(sw: SimSwitch, leg: Leg) -> None:
    while leg.messages and not leg.hungup:
        run_message(sw, leg, leg.messages.popleft())


def fire_one_dtmf(sw: SimSwitch, leg: Leg) -> str | None:
    if not leg.dtmf:
        return None
    digit = leg.dtmf.popleft()
    sw.fire(
        leg,
        "DTMF",
        post=[("DTMF-Digit", digit), ("DTMF-Duration", "2000"), ("DTMF-Source", "APP")],
    )
    return digit


def hold_loop(sw: SimSwitch, leg: Leg, announce_park: bool = False) -> None:
    """Wait while parked or bridged: dequeue one digit per 20 ms frame and run messages.

    `announce_park`: fire CHANNEL_PARK with the first message (the async socket app does).
    """
    while True:
        why = leg.wait(None, dtmf=True, messages=True)
        if why == "hangup":
            raise LegGone()
        if why == "unpark":
            leg.unpark_requested = False
            return
        if why == "break":
            leg.break_requested = False
        elif why == "dtmf":
            leg.sleep(0.02)
            fire_one_dtmf(sw, leg)
        elif why == "message":
            leg.sleep(0.02)
            if announce_park:
                announce_park = False
                sw.fire(leg, "CHANNEL_PARK")
                leg.sleep(0.02)
            process_messages(sw, leg)


def _run(sw: SimSwitch, leg: Leg, apps: list[tuple[str, str]]) -> None:
    queue = list(apps)
    try:
        while not leg.hungup:
            while queue and not leg.hungup:
                name, data = queue.pop(0)
                process_messages(sw, leg)
                if leg.hungup:
                    break
                execute(sw, leg, name, data, None)
                if leg.pending:
                    break
            if leg.hungup:
                break
            if leg.pending:
                kind, *args = leg.pending.pop(0)
                leg.unpark_requested = False
                if kind == "transfer":
                    queue = sw.dialplan_apps(leg, *args)
                    if queue is None:
                        lifecycle.hangup(sw, leg, "NO_ROUTE_DESTINATION")
                        break
                    continue
                if kind == "bridged":
                    # The bridge can be over before this executor takes it up (the peer hung
                    # up first): after_bridge has already decided what follows, and its
                    # wake-up was spent leaving the interrupted park. Hold only if still
                    # bridged, or parked by park_after_bridge; else go on with the rest of the
                    # dialplan or a queued transfer, as after a bridge that ended later.
                    if leg.peer is not None or leg.bare_parked:
                        hold_loop(sw, leg)
                    continue
            process_messages(sw, leg)
            if leg.hungup or leg.pending:
                continue
            if leg.peer is not None:
                hold_loop(sw, leg)
                continue
            # out of dialplan
            lifecycle.hangup(sw, leg, leg.variables.get("__end_cause", "NORMAL_CLEARING"))
    except LegGone:
        pass
    except Exception:  # a sim bug must not kill the server; the leg dies instead
        log.exception("sim: executor of %s failed", leg.uuid)
        if not leg.hungup:
            lifecycle.hangup(sw, leg, "NORMAL_TEMPORARY_FAILURE")


def start(sw: SimSwitch, leg: Leg, apps: list[tuple[str, str]]) -> None:
    leg.executor = gevent.spawn(_run, sw, leg, apps)
