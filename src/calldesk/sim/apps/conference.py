"""mod_conference, as far as a 3-way call needs it (three-way trace): the `conference` app,
`uuid_transfer -both … inline` into it, and `conference [<name>] list|hup all`.

Events are CUSTOM conference::maintenance: conference-create, play-file (conf-alone), add-member,
floor-change, play-file-done, hup-member, del-member, conference-destroy. A member kicked by
`hup` leaves the app (EXECUTE_COMPLETE) and, out of dialplan, is hung up NORMAL_CLEARING."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import gevent

from .. import lifecycle
from ..executor import app
from ..legheaders import leg_headers
from ..legs import AppFrame, Leg, LegGone, new_uuid
from . import hold

if TYPE_CHECKING:
    from ..switch import SimSwitch

ALONE = "/usr/local/freeswitch/share/freeswitch/sounds/en/us/callie/conference/conf-alone.wav"
SUB = "conference::maintenance"


@dataclass
class Member:
    id: int
    leg: Leg
    kicked: bool = False


@dataclass
class Conference:
    name: str
    profile: str
    uuid: str = field(default_factory=new_uuid)
    members: list[Member] = field(default_factory=list)
    next_id: int = 1
    created: float = 0.0


_CONFS: weakref.WeakKeyDictionary[SimSwitch, dict[str, Conference]] = weakref.WeakKeyDictionary()


def rooms(sw: SimSwitch) -> dict[str, Conference]:
    return _CONFS.setdefault(sw, {})


def _fire(
    sw: SimSwitch,
    conf: Conference,
    action: str,
    m: Member | None = None,
    extra: list[tuple[str, str]] | None = None,
    fn: str = "conference_member_add",
) -> None:
    post = [
        ("Conference-Name", conf.name),
        ("Conference-Domain", "127.0.0.1"),
        ("Conference-Size", str(len(conf.members))),
        ("Conference-Ghosts", "0"),
        ("Conference-Profile-Name", conf.profile),
        ("Conference-Unique-ID", conf.uuid),
    ]
    if m is not None:
        post = leg_headers(m.leg, "CUSTOM", False) + post
        post += [
            ("Floor", "false"),
            ("Video", "false"),
            ("Hear", "true"),
            ("See", "true"),
            ("Speak", "true"),
            ("Talking", "false"),
            ("Mute-Detect", "false"),
            ("Hold", "false"),
            ("Member-ID", str(m.id)),
            ("Member-Type", "member"),
            ("Member-Ghost", "false"),
            ("Energy-Level", "100"),
            ("Current-Energy", "0"),
        ]
    post += [("Action", action), *(extra or [])]
    sw.fire_global(
        "CUSTOM",
        post,
        subclass=SUB,
        uuid=m.leg.uuid if m else None,
        calling=("mod_conference.c", fn, 0),
    )


@app("conference")
def conference(sw: SimSwitch, leg: Leg, data: str, frame: AppFrame) -> None:
    name, _, profile = data.partition("@")
    profile = profile.split("+", 1)[0] or "default"
    confs = rooms(sw)
    conf = confs.get(name)
    lifecycle.answer(sw, leg)
    if conf is None:
        conf = confs[name] = Conference(name, profile, created=sw.clock.now())
        _fire(sw, conf, "conference-create", fn="conference_new")
    m = Member(conf.next_id, leg)
    conf.next_id += 1
    conf.members.append(m)
    leg.set_var("conference_name", name)
    leg.set_var("conference_member_id", str(m.id))
    if len(conf.members) == 1:
        _fire(
            sw,
            conf,
            "play-file",
            extra=[("File", ALONE), ("Async", "false")],
            fn="conference_file_play",
        )
    _fire(sw, conf, "add-member", m)
    if len(conf.members) == 2:
        gevent.spawn(_floor, sw, conf, m)
    if len(conf.members) >= 2:
        gevent.spawn(_enter_sound_done, sw, conf)
    try:
        while not m.kicked:
            if leg.wait(None, dtmf=False, breakable=False, until=lambda: m.kicked) == "hangup":
                raise LegGone()
    finally:
        _leave(sw, conf, m)


def _floor(sw: SimSwitch, conf: Conference, m: Member) -> None:
    sw.clock.sleep(0.02)
    if m in conf.members:
        _fire(
            sw,
            conf,
            "floor-change",
            m,
            [("Old-ID", "none"), ("New-ID", str(m.id))],
            fn="conference_member_set_floor_holder",
        )


def _enter_sound_done(sw: SimSwitch, conf: Conference) -> None:
    sw.clock.sleep(0.6)
    _fire(
        sw,
        conf,
        "play-file-done",
        extra=[("File", "tone_stream://%(200,0,500,600,700)")],
        fn="conference_file_close",
    )


def _leave(sw: SimSwitch, conf: Conference, m: Member) -> None:
    if m not in conf.members:
        return
    conf.members.remove(m)
    _fire(sw, conf, "del-member", m, fn="conference_member_del")
    if len(conf.members) == 1:
        _fire(
            sw,
            conf,
            "play-file",
            extra=[("File", ALONE), ("Async", "false")],
            fn="conference_file_play",
        )
    if not conf.members:
        rooms(sw).pop(conf.name, None)
        _fire(sw, conf, "conference-destroy", fn="conference_destroy")


def transfer(sw: SimSwitch, leg: Leg, dest: str, dialplan: str, flags: list[str]) -> str:
    """`uuid_transfer <uuid> [-bleg|-both] <dest> [inline|XML] [<context>]`."""
    context = "inline" if dialplan == "inline" else leg.profile["Context"]
    peer = leg.peer
    if peer is not None and "-both" in flags:
        moved = [peer, leg]
    elif peer is not None and "-bleg" in flags:
        moved = [peer]
    else:
        moved = [leg]
    gevent.spawn(_move, sw, moved, dest, context)
    return "+OK\n"


def _move(sw: SimSwitch, moved: list[Leg], dest: str, context: str) -> None:
    """Each leg leaves the bridge for `dest`: the bridge ends without a hangup (both go)."""
    from ..bridge_end import after_bridge
    from .xfer import reroute

    sw.clock.sleep(0.02)
    for x in moved:
        hold.forget(x)
        p = x.peer
        if p is not None and x.bridge_originator:
            sw.fire(x, "CHANNEL_UNBRIDGE")
            x.peer = p.peer = None
            reroute(sw, x, dest, context)
            continue
        if p is not None and p not in moved:  # -bleg: the originator stays behind
            sw.fire(p, "CHANNEL_UNBRIDGE")
            x.peer = p.peer = None
            after_bridge(sw, p, "NORMAL_CLEARING")
        lifecycle.set_state(sw, x, "CS_ROUTING")
        lifecycle.set_state(sw, x, "CS_EXECUTE")
        _pend(x, dest, context)
        for _ in range(200):  # the moved peer runs its new dialplan before the next one moves
            if x.hungup or not x.pending:
                break
            gevent.sleep(0.001)
        sw.clock.sleep(0.001)


def _pend(leg: Leg, dest: str, context: str) -> None:
    leg.pending.append(("transfer", dest, context))
    leg.unpark_requested = True
    leg.wake.set()


def api(sw: SimSwitch, arg: str) -> str:
    """`conference list`, `conference <name> list|hup all|hup <id>`."""
    words = arg.split()
    confs = rooms(sw)
    if not words:
        return "-ERR usage\n"
    if words[0] == "list":
        out = ""
        for c in confs.values():
            out += (
                f"+OK Conference {c.name} ({len(c.members)} member"
                f"{'s' if len(c.members) != 1 else ''} rate: 8000 flags: "
                "running|answered|enforce_min|dynamic|exit_sound|enter_sound|json_status)\n"
            )
            out += _list(c)
        return out
    conf = confs.get(words[0])
    if conf is None:
        return f"-ERR Conference {words[0]} not found\n"
    sub = words[1] if len(words) > 1 else ""
    if sub == "list":
        return _list(conf)
    if sub == "hup" and len(words) > 2:
        chosen = [m for m in reversed(conf.members) if words[2] in ("all", str(m.id))]
        if not chosen:
            return "-ERR Non-Existant ID " + words[2] + "\n"
        for m in chosen:
            _fire(sw, conf, "hup-member", m, fn="conference_api_sub_hup")
        gevent.spawn(_kick, sw, chosen)
        return "".join(f"+OK hup {m.id}\n" for m in chosen)
    return f"-ERR Unsupported command {sub}\n"


def _kick(sw: SimSwitch, members: list[Member]) -> None:
    sw.clock.sleep(0.02)
    for m in members:
        m.kicked = True
        m.leg.set_var("__end_cause", "NORMAL_CLEARING")
        m.leg.poke()


def _list(conf: Conference) -> str:
    return "".join(
        f"{m.id};{m.leg.name};{m.leg.uuid};{m.leg.profile['Caller-ID-Name']};"
        f"{m.leg.profile['Caller-ID-Number']};hear|speak;0;0;100\n"
        for m in reversed(conf.members)
    )
