"""The ESL commands a client may send (auth, api, bgapi, event, filter, sendmsg, ...)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import gevent

from . import lifecycle, wire
from .api import run_api
from .events import base_headers
from .legheaders import leg_headers
from .legs import Leg, Message, new_uuid

if TYPE_CHECKING:
    from .switch import SimSwitch

log = logging.getLogger(__name__)

# `myevents` subscribes to these for the tied leg (mod_event_socket.c).
MYEVENTS = frozenset(
    "CHANNEL_ANSWER CHANNEL_APPLICATION CHANNEL_BRIDGE CHANNEL_CREATE CHANNEL_DATA "
    "CHANNEL_DESTROY CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP "
    "CHANNEL_HANGUP_COMPLETE CHANNEL_ORIGINATE CHANNEL_UUID CHANNEL_OUTGOING CHANNEL_PARK "
    "CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_STATE CHANNEL_UNBRIDGE CHANNEL_UNPARK "
    "DETECTED_SPEECH DTMF TALK NOTALK".split()
)


LOG_LEVELS = {
    "console": 0,
    "alert": 1,
    "crit": 2,
    "err": 3,
    "error": 3,
    "warning": 4,
    "notice": 5,
    "info": 6,
    "debug": 7,
}


class Commands:
    """Command handlers, mixed into Connection: `_cmd_<name>(arg, headers, raw_headers)`."""

    sw: SimSwitch
    leg: Leg | None
    outbound: bool
    authed: bool
    fmt: str
    all_events: bool
    events: set[str]
    customs: set[str]
    filters: list[tuple[str, str]]
    myevents: bool
    linger: int | None
    log_level: int | None
    _lock: Any

    if TYPE_CHECKING:  # provided by Connection

        def _reply(self, text: str, extra: list[tuple[str, str]] | None = None) -> None: ...
        def _send(self, data: bytes) -> bool: ...
        def _disconnect(self) -> None: ...

    # -- commands --------------------------------------------------------------------------------
    def _handle(self, raw: str) -> None:
        lines = [ln for ln in raw.split("\n")]
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return
        first = lines[0].strip()
        headers: list[tuple[str, str]] = []
        for ln in lines[1:]:
            name, sep, value = ln.partition(":")
            if sep:
                headers.append((name.strip(), value.strip()))
        cmd, _, arg = first.partition(" ")
        cmd = cmd.lower()
        with self._lock:
            try:
                self._dispatch(cmd, arg.strip(), headers)
            except Exception:  # malformed input must never kill the server
                log.exception("sim: command %r failed", first[:200])
                self._reply("-ERR command failed")

    def _dispatch(self, cmd: str, arg: str, headers: list[tuple[str, str]]) -> None:
        if not self.authed:
            if cmd != "auth":
                self._reply("-ERR command not found")
            elif arg == self.sw.password:
                self.authed = True
                self.sw.subscriptions_changed()
                self._reply("+OK accepted")
            else:
                self._reply("-ERR invalid")
                self._disconnect()
            return
        handler = getattr(self, f"_cmd_{cmd}", None)
        if handler is None:
            self._reply("-ERR command not found")
            return
        handler(arg, dict(headers), headers)

    def _cmd_auth(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK accepted" if arg == self.sw.password else "-ERR invalid")

    def _cmd_api(self, arg: str, h: dict[str, str], raw: list) -> None:
        cmd, _, rest = arg.partition(" ")
        self._send(wire.api_response(run_api(self.sw, cmd, rest)))

    def _cmd_bgapi(self, arg: str, h: dict[str, str], raw: list) -> None:
        job = h.get("Job-UUID") or new_uuid()
        cmd, _, rest = arg.partition(" ")
        self._reply(f"+OK Job-UUID: {job}", [("Job-UUID", job)])
        sw = self.sw

        def run() -> None:
            body = run_api(sw, cmd, rest)
            post = [("Job-UUID", job), ("Job-Command", cmd)]
            if rest.strip():
                post.append(("Job-Command-Arg", rest.strip()))
            sw.fire_global("BACKGROUND_JOB", post, body=body)

        gevent.spawn(run)

    def _cmd_sendevent(self, arg: str, h: dict[str, str], raw: list) -> None:
        """mod_event_socket: with `unique-id` naming a leg, the event is queued to that leg (and
        not fired); otherwise it is fired. Reply `+OK <Event-UUID>`."""
        event_uuid = new_uuid()
        name = (arg.split() or ["CUSTOM"])[0].upper()
        pairs = [(n, v) for n, v in raw if n.lower() not in ("event-name", "event-uuid")]
        pairs.append(("Event-UUID", event_uuid))
        target = next((v for n, v in raw if n.lower() == "unique-id"), None)
        leg = self.sw.get_leg(target) if target else None
        if leg is not None:
            leg.event_queue.append(dict(pairs))
            leg.poke()
        else:
            sub = next((v for n, v in pairs if n.lower() == "event-subclass"), None)
            post = [(n, v) for n, v in pairs if n.lower() != "event-subclass"]
            self.sw.fire_global(name, post, subclass=sub if name == "CUSTOM" else None)
        self._reply(f"+OK {event_uuid}")

    def _cmd_event(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split()
        fmt = "plain"
        if words and words[0].lower() in ("plain", "json", "xml"):
            fmt = words.pop(0).lower()
        if fmt == "xml":
            self._reply("-ERR xml format is not supported by the simulated switch")
            return
        custom, subclasses = False, 0
        for w in words:
            if custom:
                self.customs.add(w)  # every word after CUSTOM is a subclass
                subclasses += 1
            elif w.upper() == "CUSTOM":
                custom = True
            elif w.upper() == "ALL":
                self.all_events = True
            else:
                self.events.add(w.upper())
        if custom and not subclasses:
            self.customs.add("")  # bare CUSTOM: every subclass
        self.fmt = fmt
        self.sw.subscriptions_changed()
        self._reply(f"+OK event listener enabled {fmt}")

    def _cmd_nixevent(self, arg: str, h: dict[str, str], raw: list) -> None:
        custom = False
        for w in arg.split():
            if custom:
                self.customs.discard(w)
            elif w.upper() == "CUSTOM":
                custom = True
            elif w.upper() == "ALL":
                self.all_events = False
                self.events.clear()
                self.customs.clear()
            else:
                self.events.discard(w.upper())
                if self.all_events:
                    self.all_events = False
                    self.events = set(_ALL_NAMES) - {w.upper()}
                    self.customs.add("")
        self.sw.subscriptions_changed()
        self._reply("+OK events nixed")

    def _cmd_noevents(self, arg: str, h: dict[str, str], raw: list) -> None:
        self.all_events = False
        self.events.clear()
        self.customs.clear()
        self.myevents = False
        self.sw.subscriptions_changed()
        self._reply("+OK no longer listening for events")

    def _cmd_filter(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split(" ", 1)
        if words[0].lower() == "delete" and len(words) > 1:
            name, _, value = words[1].partition(" ")
            if name.lower() == "all":
                self.filters.clear()
            else:
                self.filters = [f for f in self.filters if f != (name, value.strip())]
            self._reply(f"+OK filter deleted. [{name}][{value.strip()}]")
            return
        name, _, value = arg.partition(" ")
        if not name or not value.strip():
            self._reply("-ERR invalid syntax")
            return
        self.filters.append((name, value.strip()))
        self._reply(f"+OK filter added. [{name}]=[{value.strip()}]")

    def _cmd_myevents(self, arg: str, h: dict[str, str], raw: list) -> None:
        words = arg.split()
        if self.leg is None:
            leg = self.sw.get_leg(words[0]) if words else None
            if leg is None:
                self._reply("-ERR invalid uuid")
                return
            self.leg = leg
            leg.tied.append(self)
        if words and words[-1].lower() in ("plain", "json"):
            self.fmt = words[-1].lower()
        self.myevents = True
        self.events |= MYEVENTS
        self.sw.subscriptions_changed()
        self._reply("+OK Events Enabled")

    def _cmd_linger(self, arg: str, h: dict[str, str], raw: list) -> None:
        if self.leg is None:
            self._reply("-ERR not controlling a session")
            return
        secs = int(arg) if arg.strip().lstrip("-").isdigit() else -1
        self.linger = secs
        self._reply("+OK will linger" if secs < 0 else f"+OK will linger {secs} seconds")

    def _cmd_nolinger(self, arg: str, h: dict[str, str], raw: list) -> None:
        if self.leg is None:
            self._reply("-ERR not controlling a session")
            return
        self.linger = None
        self._reply("+OK will not linger")

    def _cmd_log(self, arg: str, h: dict[str, str], raw: list) -> None:
        """mod_event_socket.c: `log [level]`, a number or a name (switch_log_str2level);
        fs_cli sends `log <its profile's loglevel>` when it starts."""
        word = arg.strip().split(" ")[0] if arg.strip() else ""
        level = LOG_LEVELS.get(word.lower(), int(word) if word.isdigit() else None)
        if word and (level is None or level > 7):
            self._reply("-ERR invalid log level")
            return
        self.log_level = 7 if level is None else level
        self._reply(f"+OK log level {word} [{self.log_level}]")

    def _cmd_nolog(self, arg: str, h: dict[str, str], raw: list) -> None:
        self.log_level = None
        self._reply("+OK no longer logging")

    def _cmd_exit(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK bye")
        self._disconnect()

    def _cmd_divert_events(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK events diverted" if arg.strip() == "on" else "+OK events not diverted")

    def _cmd_resume(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply("+OK")

    def _cmd_getvar(self, arg: str, h: dict[str, str], raw: list) -> None:
        self._reply(self.leg.variables.get(arg.strip(), "") if self.leg else "")

    def _cmd_connect(self, arg: str, h: dict[str, str], raw: list) -> None:
        leg = self.leg
        if not self.outbound or leg is None:
            self._reply("-ERR command not found")
            return
        pairs = base_headers(self.sw, "CHANNEL_DATA", self.sw.next_seq())
        pairs += leg_headers(leg, "CHANNEL_DATA")
        self._send(wire.connect_reply(pairs))

    def _cmd_sendmsg(self, arg: str, h: dict[str, str], raw: list) -> None:
        uuid = arg.strip()
        leg = self.sw.get_leg(uuid) if uuid else self.leg
        if leg is None or leg.hungup:
            self._reply(f"-ERR invalid session id [{uuid}]")
            return
        lower = {k.lower(): v for k, v in h.items()}
        command = lower.get("call-command", "execute").lower()
        if command == "hangup":
            msg = Message("hangup", arg=lower.get("hangup-cause", "NORMAL_CLEARING"))
        elif command == "execute":
            loops = lower.get("loops", "1")
            msg = Message(
                "execute",
                lower.get("execute-app-name", ""),
                lower.get("execute-app-arg", ""),
                lower.get("event-uuid") or new_uuid(),
                headers=[("Command", f"sendmsg {uuid}".strip())] + list(raw),
                loops=int(loops) if loops.isdigit() else 1,
            )
        elif command == "unpark":
            lifecycle.end_park(self.sw, leg)
            self._reply("+OK")
            return
        else:
            self._reply("-ERR invalid command")
            return
        self.sw.sendmsg(leg, msg)
        self._reply("+OK")


_ALL_NAMES = frozenset(
    "CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER "
    "CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE "
    "CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_PARK "
    "CHANNEL_UNPARK CHANNEL_DATA DTMF PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP "
    "MEDIA_BUG_START MEDIA_BUG_STOP BACKGROUND_JOB PRIVATE_COMMAND API HEARTBEAT".split()
)
