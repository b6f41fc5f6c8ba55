"""The leg's part of a FreeSWITCH-looking event: its Caller-*/Other-Leg-* profile, times, state
and variables, in trace header order (`events` builds the base headers every event carries)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .wire import Block, Pairs, plain_lines, url_encode

if TYPE_CHECKING:
    from .legs import Leg

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
