"""Position announcements on the wire: break the MOH, wait for its completion, announce, MOH
again; one sequence per leg; nothing restarts MOH on a leg that was bridged or hung up."""

from __future__ import annotations

from typing import Any

import gevent
from tests.integration.dispatch.helpers import wait_for

from calldesk.acd import AgentConfig, QueueConfig
from calldesk.acd import events as acd_events
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.telephony.legs import LegRef

MOH = ("playback", "local_stream://moh")


def agent(aid: str, contact: str) -> AgentConfig:
    return AgentConfig(aid, contact, queues=("sales",))


def trail(sim: SimSwitch, uuid: str) -> list[tuple[str, ...]]:
    """What the switch did on `uuid`, in order: api breaks/bridges, app starts and ends."""
    out: list[tuple[str, ...]] = []
    for ev in list(sim.history):
        if ev.name == "API" and (ev.get("API-Command-Argument") or "").startswith(uuid):
            cmd, arg = ev.get("API-Command") or "", ev.get("API-Command-Argument") or ""
            if cmd in ("uuid_break", "uuid_bridge", "uuid_transfer"):
                out.append((cmd, *arg.split()[1:]))
        elif ev.uuid == uuid and ev.name in ("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE"):
            app, data = ev.get("Application") or "", ev.get("Application-Data") or ""
            if app not in ("set", "export", "answer", "park", "uuid_bridge"):
                out.append(("start" if ev.name == "CHANNEL_EXECUTE" else "end", app, data))
    return out


def moh_starts(t: list[tuple[str, ...]]) -> int:
    return t.count(("start", *MOH))


def test_announcement_breaks_moh_waits_then_says_and_plays_moh_again(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")], [QueueConfig("sales", announce_every_s=3)])
    caller = desk.call()
    say = ("say", "en number pronounced 1")
    wait_for(lambda: moh_starts(trail(sim, caller)) >= 2, what="MOH again after the position")
    t = trail(sim, caller)
    first = t.index(("start", *say))
    assert t[first - 3 : first + 3] == [
        ("start", *MOH),
        ("uuid_break", "all"),  # the running MOH playback ends on it...
        ("end", *MOH),  # ...and only after its completion is the position said
        ("start", *say),
        ("end", *say),
        ("start", *MOH),  # then MOH again
    ]
    assert ("start", "endless_playback", "local_stream://moh") not in t
    assert desk.board.tracker.legs[caller].alive


def test_one_sequence_per_leg_a_second_one_due_meanwhile_is_skipped(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")], [QueueConfig("sales")])
    caller = desk.call()
    wait_for(lambda: moh_starts(trail(sim, caller)) == 1, what="MOH")
    ref = LegRef(caller, "sim1", 0.0)
    first = desk.voice.media.announce(ref, 1, 60)
    assert first is not None
    assert desk.voice.media.announce(ref, 1, 60) is None  # the first still runs
    first.join(timeout=5)
    wait_for(lambda: moh_starts(trail(sim, caller)) == 2, what="MOH again")
    t = trail(sim, caller)
    assert [e for e in t if e[0] == "uuid_break"] == [("uuid_break", "all")]
    assert [e for e in t if e[1] == "say"] == [("start", "say", "en number pronounced 1"),
                                                ("end", "say", "en number pronounced 1")]  # fmt: skip
    assert moh_starts(t) == 2 and t[-1] == ("start", *MOH)


def test_bridge_during_an_announcement_never_restarts_moh(sim, desk_factory) -> None:
    """The agent answers while the position is being said: the bridge's `uuid_break all` ends
    the announcement, and the sequence, released, starts no MOH on the bridged call."""
    sim.add_phone("user/1001", PhoneBehavior.answer(after=0.5))
    desk = desk_factory([agent("alice", "user/1001")], [QueueConfig("sales", wrap_up_s=1)])
    desk.svc.login("alice", ready=False)
    caller = desk.call()
    wait_for(lambda: moh_starts(trail(sim, caller)) == 1, what="MOH")
    # a long announcement (the sim says 0.4 s a character): still running when the agent answers
    desk.voice.media.announce(LegRef(caller, "sim1", 0.0), 1234567890, 60)
    wait_for(lambda: ("start", "say", "en number pronounced 1234567890") in trail(sim, caller),
             what="announcement running")  # fmt: skip
    desk.svc.ready("alice")
    wait_for(lambda: "interaction.bridged" in desk.kinds(caller), what="bridged")
    gevent.sleep(0.5)  # ample time for a wrongly restarted MOH to show up
    t = trail(sim, caller)
    bridged = [e[0] for e in t].index("uuid_bridge")
    # the break ends the say (its playback breaks, as FreeSWITCH's does), so its end may land
    # between the break and the bridge
    before = [e for e in t[:bridged] if e != ("end", "say", "en number pronounced 1234567890")]
    assert before[-1] == ("uuid_break", "all")
    assert ("end", "say", "en number pronounced 1234567890") in t
    assert moh_starts(t) == 1  # the MOH the sequence broke; none after
    assert not [e for e in t[bridged:] if e[0] == "start"]
    assert desk.voice.media.legs[caller].released


def test_hangup_during_an_announcement_ends_the_sequence(sim, desk_factory) -> None:
    desk = desk_factory([agent("alice", "user/1001")], [QueueConfig("sales")])
    caller = desk.call()
    wait_for(lambda: moh_starts(trail(sim, caller)) == 1, what="MOH")
    seq: Any = desk.voice.media.announce(LegRef(caller, "sim1", 0.0), 1234567890, 60)
    wait_for(lambda: ("start", "say", "en number pronounced 1234567890") in trail(sim, caller),
             what="announcement running")  # fmt: skip
    sim.hangup(caller)
    seq.join(timeout=5)
    assert seq.dead
    wait_for(lambda: "interaction.abandoned" in desk.kinds(caller), what="abandoned")
    assert moh_starts(trail(sim, caller)) == 1
    assert caller not in desk.voice.media.legs


def test_breakout_key_during_an_announcement_leaves_the_leg_alone(sim, desk_factory) -> None:
    """A breakout (callback) while the position is said: the caller is released and hung up;
    the sequence sends nothing more."""
    queue = QueueConfig("sales", breakout={"1": "callback"})
    desk = desk_factory([agent("alice", "user/1001")], [queue])
    caller = desk.call(caller_id="+15550133")
    wait_for(lambda: moh_starts(trail(sim, caller)) == 1, what="MOH")
    seq: Any = desk.voice.media.announce(LegRef(caller, "sim1", 0.0), 1234567890, 60)
    wait_for(lambda: ("start", "say", "en number pronounced 1234567890") in trail(sim, caller),
             what="announcement running")  # fmt: skip
    desk.svc.post(acd_events.Breakout(caller, "1"))  # the key, as legwatch posts its DTMF event
    wait_for(lambda: "callback.requested" in desk.kinds(caller), what="callback requested")
    seq.join(timeout=5)
    assert seq.dead
    wait_for(lambda: caller not in desk.board.tracker.legs, what="caller released")
    t = trail(sim, caller)
    assert t.count(("start", "say", "en number pronounced 1234567890")) == 1
    assert moh_starts(t) == 1  # the sequence, released, started no MOH again
    assert caller not in desk.voice.media.legs
