"""Build FreeSWITCH-looking events: the event itself and the base headers every event carries
(trace header order); the leg's headers and variables are `legheaders`."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING

from .wire import Block, Pairs, Part, event_frame_parts, plain_lines, url_encode

if TYPE_CHECKING:
    from .switch import SimSwitch

# Where FreeSWITCH fires each event (Event-Calling-File/Function/Line-Number).
CALLING = {
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", 2445),
    "CHANNEL_CALLSTATE": ("switch_channel.c", "switch_channel_perform_set_callstate", 329),
    "CHANNEL_CREATE": ("switch_core_state_machine.c", "switch_core_session_run", 626),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", 2949),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", 2972),
    "CHANNEL_PROGRESS_MEDIA": (
        "switch_channel.c",
        "switch_channel_perform_mark_pre_answered",
        3661,
    ),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value", 3560),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", 3893),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", 993),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", 1188),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", 3499),
    "CHANNEL_HANGUP_COMPLETE": (
        "switch_core_state_machine.c",
        "switch_core_session_reporting_state",
        943,
    ),
    "CHANNEL_DESTROY": ("switch_core_session.c", "switch_core_session_perform_destroy", 1737),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "audio_bridge_on_exchange_media", 954),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "audio_bridge_on_exchange_media", 1096),
    "DTMF": ("switch_channel.c", "switch_channel_dequeue_dtmf", 678),
    "PLAYBACK_START": ("switch_ivr_play_say.c", "switch_ivr_play_file", 1668),
    "PLAYBACK_STOP": ("switch_ivr_play_say.c", "switch_ivr_play_file", 2147),
    "RECORD_START": ("switch_ivr_async.c", "record_callback", 1318),
    "RECORD_STOP": ("switch_ivr_async.c", "record_callback", 1486),
    "MEDIA_BUG_START": ("switch_core_media_bug.c", "switch_core_media_bug_add", 1001),
    "MEDIA_BUG_STOP": ("switch_core_media_bug.c", "switch_core_media_bug_destroy", 661),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", 1580),
    "PRIVATE_COMMAND": ("switch_ivr.c", "switch_ivr_parse_next_event", 804),
    "API": ("switch_loadable_module.c", "switch_api_execute", 3140),
    "CODEC": ("switch_core_codec.c", "switch_core_session_set_real_read_codec", 189),
    "CHANNEL_DATA": ("mod_event_socket.c", "parse_command", 2219),
    "CUSTOM": ("mod_sofia.c", "sofia_event_callback", 0),
}


class SimEvent:
    """One event as fired: its name, ordered header pairs, optional body. `parts`: the headers
    as pre-encoded runs; `headers` is then built from them only when read."""

    __slots__ = (
        "name",
        "_headers",
        "body",
        "subclass",
        "uuid",
        "seq",
        "fired_sim",
        "_extra",
        "parts",
        "_plain",
        "_json",
    )

    def __init__(
        self,
        name: str,
        headers: Pairs | None = None,
        body: str | None = None,
        subclass: str | None = None,
        uuid: str | None = None,
        seq: int = 0,
        fired_sim: float = 0.0,
        extra: dict[str, str] | None = None,
        parts: list[Part] | None = None,
    ) -> None:
        self.name = name
        self._headers = headers if headers is not None or parts is not None else []
        self.body = body
        self.subclass = subclass
        self.uuid = uuid
        self.seq = seq
        self.fired_sim = fired_sim
        self._extra = extra
        self.parts = parts
        self._plain: bytes | None = None  # the frames, encoded once (plain, json)
        self._json: bytes | None = None

    @classmethod
    def of_parts(
        cls, name: str, uuid: str | None, seq: int, fired_sim: float, parts: list[Part] | None
    ) -> SimEvent:
        """A leg event as `fire` makes it (no body, no subclass): `__init__`'s keyword and
        default handling skipped, one of these per event. `parts` None: no headers."""
        ev = cls.__new__(cls)
        ev.name, ev.uuid, ev.seq, ev.fired_sim = name, uuid, seq, fired_sim
        ev.parts = parts
        ev._headers = None if parts is not None else []
        ev.body = ev.subclass = ev._extra = ev._plain = ev._json = None
        return ev

    @property
    def extra(self) -> dict[str, str]:
        extra = self._extra
        if extra is None:
            extra = self._extra = {}
        return extra

    @property
    def headers(self) -> Pairs:
        headers = self._headers
        if headers is None:
            parts = self.parts or []
            headers = [h for p in parts for h in (p.pairs if isinstance(p, Block) else p)]
            self._headers = headers
        return headers

    def __repr__(self) -> str:
        return f"SimEvent({self.name!r}, seq={self.seq}, uuid={self.uuid!r})"

    def get(self, name: str, default: str | None = None) -> str | None:
        for n, v in self.headers:
            if n == name:
                return v
        return default

    def first(self, name: str) -> str | None:
        """The first header called `name`, compared without case (switch_event_get_header),
        found without making the pairs of the runs it is not in (filters read it per event)."""
        lname = name.lower()
        if lname == "event-name":
            return self.name
        if self.parts is None:
            return next((v for n, v in self.headers if n.lower() == lname), None)
        for part in self.parts:
            if isinstance(part, Block):
                value = part.first(lname)
                if value is not None:
                    return value
            else:
                for n, v in part:
                    if n.lower() == lname:
                        return v
        return None

    def frame(self, fmt: str) -> bytes:
        """The whole ESL frame in `fmt`, encoded once for every connection that wants it."""
        if fmt == "json":
            data = self._json
            if data is None:
                data = self._json = event_frame_parts(self.parts or [self.headers], self.body, fmt)
            return data
        data = self._plain
        if data is None:
            data = self._plain = event_frame_parts(self.parts or [self.headers], self.body, fmt)
        return data


# epoch second -> (Event-Date-Local, Event-Date-GMT, their two plain lines)
_DATES: dict[int, tuple[str, str, str]] = {}
# (name, subclass, calling site) -> (the Event-Subclass/Event-Name lines, the calling lines)
_FIXED_LINES: dict[tuple[str, str | None, tuple[str, str, int]], tuple[str, str]] = {}
_DEFAULT_CALLING = ("switch_event.c", "switch_event_fire_detailed", 0)
# name -> its fixed lines and calling site, for events fired from their usual site
_FIXED_OF_NAME: dict[str, tuple[tuple[str, str], tuple[str, str, int]]] = {}


def _dates(epoch: float) -> tuple[str, str, str]:
    sec = int(epoch)
    dates = _DATES.get(sec)
    if dates is None:  # strftime once per simulated second
        if len(_DATES) > 64:
            _DATES.clear()
        local = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sec))
        gmt = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(sec))
        text = f"Event-Date-Local: {url_encode(local)}\nEvent-Date-GMT: {url_encode(gmt)}\n"
        dates = _DATES[sec] = (local, gmt, text)
    return dates


def _date_headers(epoch: float) -> Pairs:
    local, gmt, _ = _dates(epoch)
    return [
        ("Event-Date-Local", local),
        ("Event-Date-GMT", gmt),
        ("Event-Date-Timestamp", str(int(epoch * 1_000_000))),
    ]


def base_headers(
    sw: SimSwitch,
    name: str,
    seq: int,
    subclass: str | None = None,
    calling: tuple[str, str, int] | None = None,
    epoch: float | None = None,
) -> Pairs:
    """`epoch`: the instant for the Event-Date-* headers (default: now)."""
    file, func, line = calling or CALLING.get(name, _DEFAULT_CALLING)
    pairs: Pairs = []
    if subclass:
        pairs.append(("Event-Subclass", subclass))
    pairs += [
        ("Event-Name", name),
        ("Core-UUID", sw.core_uuid),
        ("FreeSWITCH-Hostname", sw.hostname),
        ("FreeSWITCH-Switchname", sw.hostname),
        ("FreeSWITCH-IPv4", sw.ipv4),
        ("FreeSWITCH-IPv6", sw.ipv6),
    ]
    pairs += _date_headers(sw.clock.epoch() if epoch is None else epoch)
    pairs += [
        ("Event-Calling-File", file),
        ("Event-Calling-Function", func),
        ("Event-Calling-Line-Number", str(line)),
        ("Event-Sequence", str(seq)),
    ]
    return pairs


def _fixed_lines(name: str, subclass: str | None, site: tuple[str, str, int]) -> tuple[str, str]:
    if len(_FIXED_LINES) > 4096:  # subclasses come from clients (sendevent)
        _FIXED_LINES.clear()
    head = [("Event-Subclass", subclass)] if subclass else []
    calling = [
        ("Event-Calling-File", site[0]),
        ("Event-Calling-Function", site[1]),
        ("Event-Calling-Line-Number", str(site[2])),
    ]
    fixed = (plain_lines([*head, ("Event-Name", name)]), plain_lines(calling))
    _FIXED_LINES[(name, subclass, site)] = fixed
    return fixed


def _switch_lines(sw: SimSwitch) -> tuple[tuple[str, str, str, str], str]:
    """Core-UUID .. FreeSWITCH-IPv6 as plain lines, kept while the switch's identity holds."""
    key = (sw.core_uuid, sw.hostname, sw.ipv4, sw.ipv6)
    hit = sw.header_cache
    if hit is None or hit[0] != key:
        pairs = [
            ("Core-UUID", key[0]),
            ("FreeSWITCH-Hostname", key[1]),
            ("FreeSWITCH-Switchname", key[1]),
            ("FreeSWITCH-IPv4", key[2]),
            ("FreeSWITCH-IPv6", key[3]),
        ]
        hit = sw.header_cache = (key, plain_lines(pairs))
    return hit


def base_block(
    sw: SimSwitch,
    name: str,
    seq: int,
    subclass: str | None = None,
    calling: tuple[str, str, int] | None = None,
    epoch: float | None = None,
) -> Block:
    """`base_headers` as one run, its plain text put together from lines cached per switch,
    per second (the dates) and per calling site; the pairs are made only if read."""
    at = sw.clock.epoch() if epoch is None else epoch
    if calling is None and subclass is None:  # most events: their own name's site
        of_name = _FIXED_OF_NAME.get(name)
        if of_name is None:
            if len(_FIXED_OF_NAME) > 4096:  # names come from clients too (sendevent)
                _FIXED_OF_NAME.clear()
            site = CALLING.get(name, _DEFAULT_CALLING)
            of_name = _FIXED_OF_NAME[name] = (_fixed_lines(name, None, site), site)
        fixed, site = of_name
    else:
        site = calling or CALLING.get(name, _DEFAULT_CALLING)
        hit_fixed = _FIXED_LINES.get((name, subclass, site))
        fixed = _fixed_lines(name, subclass, site) if hit_fixed is None else hit_fixed
    hit = sw.header_cache
    if (
        hit is None
        or hit[0][0] != sw.core_uuid
        or hit[0][1] != sw.hostname
        or hit[0][2] != sw.ipv4
        or hit[0][3] != sw.ipv6
    ):
        hit = _switch_lines(sw)
    dates = _DATES.get(int(at))
    if dates is None:
        dates = _dates(at)
    plain = (
        f"{fixed[0]}{hit[1]}{dates[2]}"
        f"Event-Date-Timestamp: {int(at * 1_000_000)}\n{fixed[1]}Event-Sequence: {seq}\n"
    )
    return Block.lazy(plain, partial(_base_pairs, name, subclass, hit[0], at, site, seq))


def _base_pairs(
    name: str,
    subclass: str | None,
    ident: tuple[str, str, str, str],
    at: float,
    site: tuple[str, str, int],
    seq: int,
) -> Pairs:
    """The pairs of a base run, made only when read (filters, history, JSON)."""
    pairs: Pairs = [("Event-Subclass", subclass)] if subclass else []
    pairs += [
        ("Event-Name", name),
        ("Core-UUID", ident[0]),
        ("FreeSWITCH-Hostname", ident[1]),
        ("FreeSWITCH-Switchname", ident[1]),
        ("FreeSWITCH-IPv4", ident[2]),
        ("FreeSWITCH-IPv6", ident[3]),
    ]
    pairs += _date_headers(at)
    pairs += [
        ("Event-Calling-File", site[0]),
        ("Event-Calling-Function", site[1]),
        ("Event-Calling-Line-Number", str(site[2])),
        ("Event-Sequence", str(seq)),
    ]
    return pairs
