"""A simulated leg: one FreeSWITCH channel (state, variables, caller profile, media flags)."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gevent
from gevent.event import Event as GEvent

from .wire import url_encode

if TYPE_CHECKING:
    from .switch import SimSwitch

STATE_NUMBERS = {
    "CS_NEW": 0,
    "CS_INIT": 1,
    "CS_ROUTING": 2,
    "CS_SOFT_EXECUTE": 3,
    "CS_EXECUTE": 4,
    "CS_EXCHANGE_MEDIA": 5,
    "CS_PARK": 6,
    "CS_CONSUME_MEDIA": 7,
    "CS_HIBERNATE": 8,
    "CS_RESET": 9,
    "CS_HANGUP": 10,
    "CS_REPORTING": 11,
    "CS_DESTROY": 12,
}


class LegGone(Exception):
    """Raised inside an app when its leg hangs up."""


@dataclass
class AppFrame:
    """One running application on a leg; completes (fires EXECUTE_COMPLETE) once."""

    app: str
    data: str
    app_uuid: str | None
    parked: bool = False
    completed: bool = False
    on_hangup: list[Any] = field(default_factory=list)  # callables run when the leg dies
    started_at: float = 0.0  # epoch of its CHANNEL_EXECUTE
    complete_at: float | None = None  # date EXECUTE_COMPLETE so (an app that fails at once)


@dataclass
class Message:
    """A queued `sendmsg` (or broadcast) for the leg's executor."""

    command: str  # execute | hangup | unpark
    app: str = ""
    arg: str = ""
    event_uuid: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    loops: int = 1


class TrackedDict(dict):
    """A dict that counts its changes in `ver` (a leg's header run is cached on it)."""

    __slots__ = ("ver",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.ver = 0

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.ver += 1

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self.ver += 1

    def pop(self, *args: Any) -> Any:
        self.ver += 1
        return super().pop(*args)

    def popitem(self) -> Any:
        self.ver += 1
        return super().popitem()

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kw: Any) -> None:
        for k, v in dict(*args, **kw).items():
            self[k] = v

    def clear(self) -> None:
        super().clear()
        self.ver += 1


def _var_line(name: str, value: str) -> str:
    return f"variable_{name}: {url_encode(value)}\n"


class VarDict(TrackedDict):
    """A leg's variables, each with its `variable_<name>: <url-encoded value>` line kept in
    `lines` in the same order, so an event's variable run is one join of encoded lines."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, str] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.lines[key] = _var_line(key, value)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        del self.lines[key]

    def pop(self, *args: Any) -> Any:
        self.lines.pop(args[0], None)
        return super().pop(*args)

    def popitem(self) -> Any:
        key, value = super().popitem()
        self.lines.pop(key, None)
        return key, value

    def clear(self) -> None:
        super().clear()
        self.lines.clear()

    def set_last(self, key: str, value: str) -> None:
        """Set `key` and move it last (switch_channel_set_variable re-adds the header)."""
        lines = self.lines
        line = None
        if key in lines:
            if dict.pop(self, key) == value:
                line = lines.pop(key)  # the same value again: its line is still right
            else:
                del lines[key]
        dict.__setitem__(self, key, value)
        lines[key] = line or _var_line(key, value)
        self.ver += 1


def new_uuid() -> str:
    """A random (version 4) UUID as text, as uuid.uuid4() gives, without building a UUID."""
    b = bytearray(os.urandom(16))
    b[6] = b[6] & 0x0F | 0x40
    b[8] = b[8] & 0x3F | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Leg:
    """State of one leg. The switch fires its events; apps run on its executor greenlet."""

    def __init__(
        self,
        switch: SimSwitch,
        name: str,
        direction: str,
        caller_number: str,
        caller_name: str,
        destination: str,
        context: str = "public",
        source: str = "mod_sofia",
        uuid: str | None = None,
    ) -> None:
        self.header_cache: dict[Any, Any] = {}
        self.switch = switch
        self.uuid = uuid or new_uuid()
        self.name = name
        self.direction = direction
        self.state = "CS_NEW"
        self.call_state = "DOWN"
        self.answer_state = "ringing"
        self.hit_dialplan = direction == "inbound"
        self.profile: dict[str, str] = TrackedDict(
            {
                "Username": caller_number if direction == "inbound" else "",
                "Dialplan": "XML",
                "Caller-ID-Name": caller_name,
                "Caller-ID-Number": caller_number,
                "Orig-Caller-ID-Name": caller_name,
                "Orig-Caller-ID-Number": caller_number,
                "Network-Addr": "127.0.0.1" if source == "mod_sofia" else "",
                "ANI": caller_number,
                "Destination-Number": destination,
                "Source": source,
                "Context": context,
            },
        )
        now = switch.clock.epoch_us()
        self.times: dict[str, int] = TrackedDict(
            {
                "Profile-Created": now,
                "Created": now,
                "Answered": 0,
                "Progress": 0,
                "Progress-Media": 0,
                "Hangup": 0,
                "Transfer": 0,
                "Resurrect": 0,
                "Bridged": 0,
                "Last-Hold": 0,
                "Hold-Accum": 0,
            },
        )
        self.variables: VarDict = VarDict()
        self.media = False  # read/write codec set (after answer or pre_answer)
        self.hungup = False
        self.cause = ""
        self.destroyed = GEvent()
        self.wake = GEvent()
        self.dtmf: deque[str] = deque()
        self.messages: deque[Message] = deque()
        self.frames: list[AppFrame] = []
        self.executor: gevent.Greenlet | None = None
        self.peer: Leg | None = None  # bridged to
        self.bridge_originator = False
        self.bridge_kind = ""  # "uuid" (uuid_bridge) or "app" (bridge app)
        self.destroy_deferred = False
        self.watchers: list[Leg] = []  # legs to wake when this one hangs up (eavesdrop)
        self.twin: Leg | None = None  # loopback -a/-b partner
        self.break_requested = False
        self.unpark_requested = False
        self.pending: list[Any] = []  # work to run after park ends (bridge, transfer)
        self.recordings: dict[str, Any] = {}
        self.eavesdrop: Any = None  # EavesdropState when this leg runs eavesdrop
        self.tied: list[Any] = []  # connections holding this leg (myevents <uuid>, outbound)
        self.digits_dialed = ""
        self.created_sim = switch.clock.now()
        self.phone: Any = None  # the simulated phone behind this leg, if any
        self.bare_parked = False  # parked by park_after_bridge (no park app frame)
        self.avmd: Any = None  # AvmdState while avmd runs on this leg
        self.session_events: deque[Any] = deque()
        self.event_queue: deque[dict[str, str]] = (
            deque()
        )  # `sendevent` with unique-id: this leg  # queued to the session: fired when dequeued
        # an app that ends the leg its own way on hangup (att_xfer): True = it took over
        self.hangup_hook: Callable[[str], bool] | None = None
        self.read_until: float | None = None  # a blocked media read returns then (no timer)

    # -- state ---------------------------------------------------------------------------
    @property
    def state_number(self) -> int:
        return STATE_NUMBERS.get(self.state, 0)

    @property
    def alive(self) -> bool:
        return not self.hungup

    @property
    def read_stalls(self) -> bool:
        """A sofia leg without an RTP timer: it gets no RTP in the sim, so each media read
        blocks until the 5 s poll (`rtp_timer_name` on the leg, else its profile's setting)."""
        if not self.name.startswith("sofia/"):
            return False
        timer = self.variables.get("rtp_timer_name")
        if timer is None:
            timer = self.switch.site.timer_of(self.name.split("/", 2)[1])
        return timer.strip().lower() in ("", "none")

    def _stalled(self) -> bool:
        """Whatever woke the leg waits for its blocked read to return (READ_STALL after the
        wake-up); True while it still blocks."""
        from .site import READ_STALL

        if not self.read_stalls:
            return False
        now = self.switch.clock.now()
        if self.read_until is None:
            self.read_until = now + READ_STALL
        if now < self.read_until:
            return True
        self.read_until = None
        return False

    def set_var(self, name: str, value: str) -> None:
        self.variables.set_last(name, value)

    def get_var(self, name: str) -> str | None:
        return self.variables.get(name)

    # -- waiting ---------------------------------------------------------------------------
    def poke(self) -> None:
        self.wake.set()

    def wait(
        self,
        sim_seconds: float | None,
        dtmf: bool = True,
        messages: bool = False,
        breakable: bool = True,
        events: bool = False,
        until: Callable[[], bool] | None = None,
    ) -> str:
        """Block until something happens: 'hangup', 'dtmf', 'message', 'event' (a `sendevent`
        queued to this leg, when `events`), 'break', 'unpark', 'timeout', or 'done' once
        `until()` holds (checked whenever the leg is woken)."""
        clock = self.switch.clock
        deadline = None if sim_seconds is None else clock.now() + sim_seconds
        while True:
            if self.hungup:
                self.session_events.clear()
                return "hangup"
            while self.session_events:  # every wait loop dequeues session events, as FS does
                self.session_events.popleft()()
            if self.event_queue and not events and breakable:
                self.event_queue.clear()  # dequeued and ignored by whatever is running
                # (a 20 ms frame sleep inside an app's loop keeps them for that loop)
            if events and self.event_queue:
                return "event"
            woke = (
                (breakable and (self.break_requested or self.unpark_requested))
                or (dtmf and bool(self.dtmf))
                or (messages and bool(self.messages))
            )
            if woke and self._stalled():
                self.wake.clear()
                left = (self.read_until or 0) - clock.now()
                if deadline is not None:
                    left = min(left, deadline - clock.now())
                if left <= 0 and deadline is not None and clock.now() >= deadline:
                    return "timeout"
                self.wake.wait(clock.wall(max(left, 0.0)))
                continue
            if breakable and self.break_requested:
                return "break"
            if breakable and self.unpark_requested:
                return "unpark"
            if dtmf and self.dtmf:
                return "dtmf"
            if messages and self.messages:
                return "message"
            if until is not None and until():
                return "done"
            remaining = None if deadline is None else deadline - clock.now()
            if remaining is not None and remaining <= 0:
                return "timeout"
            self.wake.clear()
            self.wake.wait(None if remaining is None else clock.wall(remaining))

    def sleep(self, sim_seconds: float) -> None:
        """Sleep that ends early only on hangup (raises LegGone)."""
        if self.wait(sim_seconds, dtmf=False, breakable=False) == "hangup":
            raise LegGone()

    def __repr__(self) -> str:
        return f"<Leg {self.uuid} {self.name} {self.state}>"
