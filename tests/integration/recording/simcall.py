"""Shared by the recording and supervision integration tests: a simulated switch over real TCP,
a switchboard wired to it, and a bridged customer + agent call built the way the traces show
(caller parked on 5551000, agent originated to park, `uuid_bridge caller agent`)."""

from __future__ import annotations

import gevent

from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.telephony.switchboard import Switchboard

PASSWORD = "test-sim-pw"
TIME_SCALE = 20.0


def start_sim(recordings_dir) -> SimSwitch:
    return SimSwitch(
        password=PASSWORD, time_scale=TIME_SCALE, recordings_dir=recordings_dir
    ).start()


def start_board(sim: SimSwitch) -> Switchboard:
    conn = SwitchConnection(
        SwitchSettings("sim1", "127.0.0.1", sim.port, PASSWORD, command_timeout=3.0)
    )
    board = Switchboard([conn])
    assert board.start(wait=5) == {"sim1": True}
    return board


def wait_for(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    with gevent.Timeout(timeout, AssertionError(f"{what} not met in time")):
        while not predicate():
            gevent.sleep(0.01)


def sim_sleep(sim: SimSwitch, seconds: float) -> None:
    """Let `seconds` of simulated time pass (measured on the sim's clock, not asserted)."""
    start = sim.clock.now()
    while sim.clock.now() - start < seconds:
        gevent.sleep(0.005)


def bridged_call(sim: SimSwitch, board: Switchboard, agent_id: str = "a1", phone: str = "user/1001",
                 interaction: str = "int-1") -> tuple[str, str]:  # fmt: skip
    """(customer leg, agent leg), bridged; the agent leg carries calldesk_agent/_interaction."""
    sim.add_phone(phone, PhoneBehavior.answer(after=0.2))
    customer = sim.inject_call(did="5551000", caller_id="+15550101")
    wait_for(
        lambda: customer in board.tracker.legs and board.tracker.legs[customer].parked, what="park"
    )
    conn = board.switches["sim1"]
    out = conn.bgapi(
        "originate",
        f"{{calldesk_role=agent,calldesk_agent={agent_id},calldesk_interaction={interaction}}}{phone} &park()",
    ).get(timeout=5)
    assert out.startswith("+OK "), out
    agent = out.split()[1].strip()
    conn.api("uuid_bridge", customer, agent)
    wait_for(lambda: board.tracker.legs.get(customer) is not None
             and board.tracker.legs[customer].bridged_to == agent, what="bridge")  # fmt: skip
    return customer, agent
