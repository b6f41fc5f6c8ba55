"""Voice operations against a real FreeSWITCH (CALLDESK_ESL_URL): hold and unhold, blind
transfer, attended transfer (consult then complete, or cancel) and a 3-way conference, asserted
on the switch's own events and replies. Loopback legs only (`parked_loopback`): no dialplan.
The ACD side is a fixed `CallPort` (one interaction, agent a1), so what is tested is what
calldesk asks of the switch and what the switch does."""

from __future__ import annotations

from typing import Any

import gevent
import pytest
from tests.live.conftest import ANSWERS, parked_loopback

from calldesk.auth import Directory
from calldesk.callcontrol import CallControl
from calldesk.store import Store
from calldesk.telephony.legs import LegRef

pytestmark = pytest.mark.live_freeswitch

IID = "live-cc-1"
DIRECTORY = Directory.from_config([{"id": "a1", "role": "agent"}], [])


def wait_for(predicate, timeout: float = 10.0, what: str = "condition") -> Any:  # type: ignore[no-untyped-def]
    with gevent.Timeout(timeout, AssertionError(f"{what} not met in time")):
        while not (value := predicate()):
            gevent.sleep(0.02)
    return value


class OneCall:
    """A `CallPort` for one interaction: its two legs, agent a1; agent b1's phone answers."""

    requeue_supported = False

    def __init__(self, customer: str, agent: str, switch: str) -> None:
        self.legs = (LegRef(customer, switch), LegRef(agent, switch))
        self.posted: list[Any] = []

    def legs_of(self, iid: str) -> tuple[Any, Any]:
        return self.legs if iid == IID else (None, None)

    def agent_of(self, iid: str) -> str | None:
        return "a1" if iid == IID else None

    def contact_of(self, agent: str) -> str | None:
        return ANSWERS if agent == "b1" else None

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        self.posted.extend(items)
        return []

    def requeue(self, iid: str, queue: str) -> list[str]:
        return ["not here"]


@pytest.fixture
def call(live_board, tmp_path):  # type: ignore[no-untyped-def]
    conn = next(iter(live_board.switches.values()))
    events: list[Any] = []
    live_board.tracker.subscribe(lambda leg, ev: events.append(ev))
    customer, agent = parked_loopback(conn), parked_loopback(conn)
    conn.api("uuid_bridge", customer, agent)
    wait_for(lambda: (x := live_board.tracker.legs.get(customer)) is not None
             and x.bridged_to == agent, what="bridge")  # fmt: skip
    store = Store.open(tmp_path / "db.sqlite")
    port = OneCall(customer, agent, conn.name)
    cc = CallControl(port, live_board, DIRECTORY, store.journal).attach()
    made: list[str] = []
    yield conn, customer, agent, cc, events, made
    for leg in [customer, agent, *made]:
        conn.hangup(leg)
    store.close()


def seen(events: list[Any], name: str, uuid: str, **headers: str) -> Any:
    for e in events:
        if (
            e.name == name
            and e.uuid == uuid
            and all(e.get(k.replace("_", "-")) == v for k, v in headers.items())
        ):
            return e
    return None


def test_hold_and_unhold(live_board, call) -> None:  # type: ignore[no-untyped-def]
    conn, customer, agent, cc, events, _ = call
    cc.hold(DIRECTORY.user("a1"), IID)
    wait_for(lambda: seen(events, "CHANNEL_HOLD", agent), what="CHANNEL_HOLD on the agent leg")
    wait_for(lambda: seen(events, "CHANNEL_EXECUTE", customer, Application="playback"),
             what="hold music on the customer")  # fmt: skip
    music = seen(events, "CHANNEL_EXECUTE", customer, Application="playback")
    assert music.get("Application-Data", "").startswith("local_stream://")
    assert not seen(events, "CHANNEL_HOLD", customer)  # only the held leg reports the hold
    cc.unhold(DIRECTORY.user("a1"), IID)
    wait_for(lambda: seen(events, "CHANNEL_UNHOLD", agent), what="CHANNEL_UNHOLD")
    wait_for(lambda: seen(events, "CHANNEL_EXECUTE_COMPLETE", customer, Application="playback"),
             what="hold music stopped")  # fmt: skip
    assert conn.api("uuid_hold", "off", agent, check=False).startswith("-ERR")  # not held now


def test_blind_transfer_to_an_agent(live_board, call) -> None:  # type: ignore[no-untyped-def]
    conn, customer, agent, cc, events, made = call
    cc.transfer(DIRECTORY.user("a1"), IID, {"kind": "agent", "id": "b1"})
    bridge = wait_for(lambda: next((e for e in events if e.name == "CHANNEL_BRIDGE"
                                    and e.uuid == customer
                                    and e.get("Other-Leg-Unique-ID") not in (None, agent)), None),
                      what="customer bridged to b1")  # fmt: skip
    made.append(bridge.get("Other-Leg-Unique-ID"))
    wait_for(lambda: seen(events, "CHANNEL_HANGUP", agent), what="a1's leg left behind ends")
    assert conn.api("uuid_exists", agent) == "false" and conn.api("uuid_exists", customer) == "true"


def test_consult_then_complete(live_board, call) -> None:  # type: ignore[no-untyped-def]
    conn, customer, agent, cc, events, made = call
    other = cc.consult(DIRECTORY.user("a1"), IID, {"kind": "agent", "id": "b1"})["state"]["consult"]
    made.append(other)
    wait_for(lambda: seen(events, "CHANNEL_BRIDGE", agent, Other_Leg_Unique_ID=other),
             what="a1 talks to b1")  # fmt: skip
    wait_for(lambda: seen(events, "CHANNEL_PARK", customer), what="customer parked, waiting")
    wait_for(lambda: seen(events, "CHANNEL_EXECUTE", customer, Application="playback"),
             what="customer hears hold music")  # fmt: skip
    cc.consult_complete(DIRECTORY.user("a1"), IID)
    wait_for(lambda: seen(events, "CHANNEL_BRIDGE", customer, Other_Leg_Unique_ID=other),
             what="customer with b1")  # fmt: skip
    wait_for(lambda: seen(events, "CHANNEL_HANGUP", agent), what="a1's leg ends by itself")
    assert conn.api("uuid_exists", other) == "true"


def test_consult_then_cancel(live_board, call) -> None:  # type: ignore[no-untyped-def]
    conn, customer, agent, cc, events, made = call
    other = cc.consult(DIRECTORY.user("a1"), IID, {"kind": "agent", "id": "b1"})["state"]["consult"]
    made.append(other)
    wait_for(lambda: seen(events, "CHANNEL_BRIDGE", agent, Other_Leg_Unique_ID=other),
             what="consulting")  # fmt: skip
    n = len(events)
    cc.consult_cancel(DIRECTORY.user("a1"), IID)
    wait_for(lambda: seen(events[n:], "CHANNEL_BRIDGE", customer, Other_Leg_Unique_ID=agent),
             what="customer back with a1")  # fmt: skip
    assert conn.api("uuid_exists", other) == "false"
    assert conn.api("uuid_getvar", agent, "park_after_bridge") == "false"


def test_three_way_conference(live_board, call) -> None:  # type: ignore[no-untyped-def]
    conn, customer, agent, cc, events, made = call
    if conn.api("module_exists", "mod_conference", check=False).strip() != "true":
        pytest.skip("mod_conference is not loaded on this switch")
    other = cc.consult(DIRECTORY.user("a1"), IID, {"kind": "agent", "id": "b1"})["state"]["consult"]
    made.append(other)
    wait_for(lambda: seen(events, "CHANNEL_BRIDGE", agent, Other_Leg_Unique_ID=other),
             what="consulting")  # fmt: skip
    cc.conference(DIRECTORY.user("a1"), IID)
    room = f"calldesk-{IID}"

    def members() -> set[str]:
        out = conn.api("conference", room, "list", check=False)
        return {line.split(";")[2] for line in out.splitlines() if line.count(";") >= 3}

    wait_for(lambda: members() == {customer, agent, other}, what="three in the room")
    for leg in (customer, agent, other):
        assert seen(events, "CHANNEL_EXECUTE", leg, Application="conference")
    cc.hangup(DIRECTORY.user("a1"), IID)
    wait_for(lambda: conn.api("conference", room, "list", check=False).startswith("-ERR"),
             what="room gone")  # fmt: skip
