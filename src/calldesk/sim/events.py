"""Build FreeSWITCH-looking events: base headers, leg data, variables (trace header order)."""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, Any

from .wire import Block, Pairs, Part, event_frame_parts, plain_lines, url_encode

if TYPE_CHECKING:
    from .legs import Leg
    from .switch import SimSwitch

# Events that carry the leg's variables (switch_channel_event_set_extended_data).
WITH_VARIABLES = frozenset(
    "CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_PARK "
    "CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP "
    "CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_DATA "
    "PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP MEDIA_BUG_START MEDIA_BUG_STOP".split()
)
# Events that describe the bridged peer with Other-Leg-* headers.
WITH_OTHER_LEG = frozenset(
    "CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_UNPARK RECORD_START RECORD_STOP".split()
)

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


def _profile_headers(leg: Leg, prefix: str, full: bool = True) -> Pairs:
    return _profile_ident(leg, prefix, full) + _profile_times(leg, prefix)


def _profile_ident(leg: Leg, prefix: str, full: bool) -> Pairs:
    """The caller profile up to its times (what the profile, name and direction show)."""
    p = leg.profile
    pairs: Pairs = [
        (f"{prefix}-Direction", leg.direction),
        (f"{prefix}-Logical-Direction", leg.direction),
    ]
    if full and p.get("Username"):
        pairs.append((f"{prefix}-Username", p["Username"]))
    pairs += [
        (f"{prefix}-Dialplan", p["Dialplan"]),
        (f"{prefix}-Caller-ID-Name", p["Caller-ID-Name"]),
        (f"{prefix}-Caller-ID-Number", p["Caller-ID-Number"]),
    ]
    if full:
        pairs.append((f"{prefix}-Orig-Caller-ID-Name", p["Orig-Caller-ID-Name"]))
    pairs.append((f"{prefix}-Orig-Caller-ID-Number", p["Orig-Caller-ID-Number"]))
    if not full:
        pairs.append((f"{prefix}-Callee-ID-Number", p["Destination-Number"]))
    if full and p.get("Network-Addr"):
        pairs.append((f"{prefix}-Network-Addr", p["Network-Addr"]))
    pairs += [
        (f"{prefix}-ANI", p["ANI"]),
        (f"{prefix}-Destination-Number", p["Destination-Number"]),
        (f"{prefix}-Unique-ID", leg.uuid),
        (f"{prefix}-Source", p["Source"]),
        (f"{prefix}-Context", p["Context"]),
        (f"{prefix}-Channel-Name", leg.name),
    ]
    if full:
        pairs.append((f"{prefix}-Profile-Index", "1"))
    return pairs


_TIME_KEYS = (
    "Profile-Created",
    "Created",
    "Answered",
    "Progress",
    "Progress-Media",
    "Hangup",
    "Transfer",
    "Resurrect",
    "Bridged",
    "Last-Hold",
    "Hold-Accum",
)


def _time_names(prefix: str) -> list[str]:
    names = [f"{prefix}-Profile-Created-Time"]
    names += [f"{prefix}-Channel-{k}-Time" for k in _TIME_KEYS[1:9]]
    return names + [f"{prefix}-Channel-Last-Hold", f"{prefix}-Channel-Hold-Accum"]


def _time_flags(prefix: str) -> Pairs:
    return [
        (f"{prefix}-Screen-Bit", "true"),
        (f"{prefix}-Privacy-Hide-Name", "false"),
        (f"{prefix}-Privacy-Hide-Number", "false"),
    ]


# prefix -> (the time header names, the plain-text template of the run)
_TIME_TEMPLATES = {
    prefix: (
        _time_names(prefix),
        "".join(f"{n}: {{}}\n" for n in _time_names(prefix)) + plain_lines(_time_flags(prefix)),
    )
    for prefix in ("Caller", "Other-Leg")
}


def _profile_times(leg: Leg, prefix: str) -> Pairs:
    """The caller profile's times and the constant flags after them."""
    t = leg.times
    names = _TIME_TEMPLATES[prefix][0]
    return [(n, str(t[k])) for n, k in zip(names, _TIME_KEYS, strict=True)] + _time_flags(prefix)


def _times_run(leg: Leg, prefix: str) -> Block:
    """`_profile_times` as a run, its text filled in a template (times are integers: digits
    need no URL encoding; anything else is encoded as usual)."""
    t = leg.times
    values = [t[k] for k in _TIME_KEYS]
    text = _TIME_TEMPLATES[prefix][1].format(
        *[str(v) if type(v) is int else url_encode(str(v)) for v in values]
    )
    return Block.lazy(text, lambda: _pairs_of_times(prefix, values))


def _pairs_of_times(prefix: str, values: list[Any]) -> Pairs:
    names = _TIME_TEMPLATES[prefix][0]
    return [(n, str(v)) for n, v in zip(names, values, strict=True)] + _time_flags(prefix)


def _head(leg: Leg) -> Pairs:
    return [
        *_head_state(leg.state, leg.call_state).pairs,
        *_head_ident(leg),
        *_head_tail(leg.answer_state, leg.hungup, leg.cause, leg.media).pairs,
    ]


def _head_ident(leg: Leg) -> Pairs:
    return [
        ("Channel-Name", leg.name),
        ("Unique-ID", leg.uuid),
        ("Call-Direction", leg.direction),
        ("Presence-Call-Direction", leg.direction),
        ("Channel-HIT-Dialplan", "true" if leg.hit_dialplan else "false"),
        ("Channel-Call-UUID", leg.variables.get("call_uuid", leg.uuid)),
    ]


# The head's first and last runs depend only on values every leg shares: one run per value.
_STATE_RUNS: dict[tuple[str, str], Block] = {}
_TAIL_RUNS: dict[tuple[str, bool, str, bool], Block] = {}


def _head_state(state: str, call_state: str) -> Block:
    run = _STATE_RUNS.get((state, call_state))
    if run is None:
        from .legs import STATE_NUMBERS

        number = str(STATE_NUMBERS.get(state, 0))
        pairs = [
            ("Channel-State", state),
            ("Channel-Call-State", call_state),
            ("Channel-State-Number", number),
        ]
        run = _STATE_RUNS[(state, call_state)] = Block.of(pairs)
    return run


def _head_tail(answer_state: str, hungup: bool, cause: str, media: bool) -> Block:
    key = (answer_state, hungup, cause, media)
    run = _TAIL_RUNS.get(key)
    if run is None:
        pairs: Pairs = [("Answer-State", answer_state)]
        if hungup:
            pairs.append(("Hangup-Cause", cause))
        if media:
            for d in ("Read", "Write"):
                pairs += [
                    (f"Channel-{d}-Codec-Name", "PCMU"),
                    (f"Channel-{d}-Codec-Rate", "8000"),
                    (f"Channel-{d}-Codec-Bit-Rate", "64000"),
                ]
        if len(_TAIL_RUNS) > 1024:  # causes are a small set; bound it all the same
            _TAIL_RUNS.clear()
        run = _TAIL_RUNS[key] = Block.of(pairs)
    return run


def leg_headers(leg: Leg, name: str, variables: bool | None = None) -> Pairs:
    """Channel-*, Caller-*, Other-Leg-* and variable_* headers of a leg event."""
    pairs = _head(leg)
    pairs += _profile_headers(leg, "Caller")
    peer = leg.peer
    if peer is not None and name in WITH_OTHER_LEG:
        pairs.append(("Other-Type", "originatee" if leg.bridge_originator else "originator"))
        pairs += _profile_headers(peer, "Other-Leg", full=False)
    if name in WITH_VARIABLES if variables is None else variables:
        pairs += [(f"variable_{k}", v) for k, v in leg.variables.items()]
    return pairs


_ORIGINATEE = Block.of([("Other-Type", "originatee")])
_ORIGINATOR = Block.of([("Other-Type", "originator")])
# cache slots of a leg's profile runs, per prefix: (ident, times, full)
_PROFILE_SLOTS = {
    "Caller": ("c-ident", "c-times", True),
    "Other-Leg": ("o-ident", "o-times", False),
}


def _profile_runs(leg: Leg, prefix: str) -> tuple[Block, Block]:
    """`leg`'s caller profile as `prefix`-* headers: two runs, kept in `leg`'s cache while its
    profile, name and direction (the first) and its times (the second) are unchanged. Other-Leg
    runs are `prefix` "Other-Leg" on the peer, shared by every leg bridged to it."""
    cache = leg.header_cache
    ident_slot, times_slot, full = _PROFILE_SLOTS[prefix]
    key = (leg.profile.ver, leg.name, leg.direction)  # type: ignore[attr-defined]
    ident = cache.get(ident_slot)
    if ident is None or ident[0] != key:
        ident = cache[ident_slot] = (key, Block.of(_profile_ident(leg, prefix, full)))
    ver = leg.times.ver  # type: ignore[attr-defined]
    times = cache.get(times_slot)
    if times is None or times[0] != ver:
        times = cache[times_slot] = (ver, _times_run(leg, prefix))
    return ident[1], times[1]


def leg_runs(leg: Leg, name: str, variables: bool | None = None) -> list[Block]:
    """`leg_headers` as runs, each encoded once and reused while what it shows is unchanged
    (the leg's state, its profile and times, its peer's, its variables).
    `variables`: None = as the event name decides, True/False = with/without variable_*."""
    cache = leg.header_cache
    leg_vars = leg.variables
    # Channel-State .. codecs: the state and answer runs every leg shares, the identity run
    # (name, uuid, direction, call uuid) kept in the leg's cache while it holds.
    state = _STATE_RUNS.get((leg.state, leg.call_state))
    if state is None:
        state = _head_state(leg.state, leg.call_state)
    key = (leg.name, leg.direction, leg.hit_dialplan, leg_vars.get("call_uuid"))
    ident = cache.get("head")
    if ident is None or ident[0] != key:
        ident = cache["head"] = (key, Block.of(_head_ident(leg)))
    tail = _TAIL_RUNS.get((leg.answer_state, leg.hungup, leg.cause, leg.media))
    if tail is None:
        tail = _head_tail(leg.answer_state, leg.hungup, leg.cause, leg.media)
    caller_ident, caller_times = _profile_runs(leg, "Caller")
    runs = [state, ident[1], tail, caller_ident, caller_times]
    peer = leg.peer
    if peer is not None and name in WITH_OTHER_LEG:
        runs.append(_ORIGINATEE if leg.bridge_originator else _ORIGINATOR)
        runs += _profile_runs(peer, "Other-Leg")
    if name in WITH_VARIABLES if variables is None else variables:
        ver = leg_vars.ver
        hit = cache.get("variables")
        if hit is None or hit[0] != ver:
            hit = cache["variables"] = (ver, _variables(leg))
        runs.append(hit[1])
    return runs


def leg_block(leg: Leg, name: str, variables: bool | None = None) -> Block:
    """`leg_runs` as one run."""
    return Block.join(leg_runs(leg, name, variables))


def _variables(leg: Leg) -> Block:
    """The variable_* run: the variables keep each one's encoded line (legs.VarDict), so the
    plain text is one join; the pairs are made from a copy only when read."""
    variables = leg.variables
    names, values = [*variables.keys()], [*variables.values()]
    return Block.lazy(
        "".join(variables.lines.values()),
        lambda: [(f"variable_{k}", v) for k, v in zip(names, values, strict=True)],
    )
