"""Helpers for the call-control conformance tests: a bridged SIP caller + SIP agent built as in
the 2026-12-03 traces, and the events that follow one command, per leg, on both sides."""

from __future__ import annotations

from tests.protocol.sim_client import RawClient
from tests.protocol.sim_conformance import describe, per_leg
from tests.traces import load_trace

from calldesk.esl.frames import Frame, FrameReader
from calldesk.sim import PhoneBehavior, SimSwitch

SUBSCRIBE = (
    "event plain CHANNEL_HOLD CHANNEL_UNHOLD CALL_UPDATE CHANNEL_CREATE CHANNEL_ANSWER "
    "CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA "
    "CHANNEL_PARK CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_BRIDGE "
    "CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY CHANNEL_STATE "
    "CHANNEL_CALLSTATE PLAYBACK_START PLAYBACK_STOP CUSTOM sofia::reinvite conference::maintenance"
)
# CALL_UPDATE (sofia's display updates) is not simulated; it carries no state calldesk uses.
NOISE = {"HEARTBEAT", "RE_SCHEDULE", "API", "CODEC", "CALL_UPDATE"}


def client(sw: SimSwitch) -> RawClient:
    c = RawClient.connect(sw.port)
    c.wait_for(lambda f: f.content_type == "auth/request")
    assert c.command(f"auth {sw.password}\n\n").reply_text == "+OK accepted"
    assert c.command(SUBSCRIBE + "\n\n").reply_text == "+OK event listener enabled plain"
    return c


def bridged(sw: SimSwitch, c: RawClient, phone: str = "user/agent") -> tuple[str, str]:
    """(caller, agent): SIP caller parked on 5551000, agent originated to park, uuid_bridge."""
    sw.add_phone(phone, PhoneBehavior.answer(after=0.5))
    caller = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)
    r = c.command(
        "api originate {origination_caller_id_number=queue,calldesk_role=agent}"
        "sofia/external/agent@127.0.0.1:5102 &park()\n\n"
    )
    agent = r.text.split()[1]
    c.wait_event("CHANNEL_PARK", Unique_ID=agent)
    assert c.command(f"api uuid_bridge {caller} {agent}\n\n").text == f"+OK {agent}\n"
    c.wait_event("CHANNEL_BRIDGE", Unique_ID=caller)
    sw.clock.sleep(0.3)
    return caller, agent


def legs_after(frames: list[Frame], noise: set[str] = NOISE) -> dict[str, list[tuple[str, ...]]]:
    return per_leg(describe(frames, noise))


def trace_segment(name: str, command: str, until: str | None = None) -> list[Frame]:
    """The frames FreeSWITCH sent after the first send starting with `command`, up to the next
    send starting with `until` (default: the next send of any kind)."""
    out: list[Frame] = []
    reader = FrameReader()
    inside = False
    for rec in load_trace(name).records:
        if rec.dir == "send":
            text = rec.data.decode()
            if inside and (until is None or text.startswith(until)):
                break
            if not inside and text.startswith(command):
                inside = True
            continue
        frames = reader.feed(rec.data)
        if inside:
            out.extend(frames)
    return out
