"""A simulated agent phone whose talk counts from the bridge: it stays on the line while the
controller is slow to put the caller through, and hangs up `hangup_after` once bridged (one that
counts from its answer hangs up unconnected)."""

from __future__ import annotations

import pytest

from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.sim.api import run_api


@pytest.mark.parametrize("talk_from", ["answer", "bridge"])
def test_talk_counts_from_the_bridge_when_asked(talk_from: str) -> None:
    sw = SimSwitch(password="phone-talk-password", time_scale=10.0).start()
    try:
        sw.dialplan.add_did("5551000")
        sw.add_phone("user/2000", PhoneBehavior.answer(after=0.2, hangup_after=1.0,
                                                       talk_from=talk_from))
        caller = sw.inject_call(did="5551000")
        out = run_api(sw, "originate", "user/2000 &park()")
        assert out.startswith("+OK "), out
        agent = out.split()[1]
        sw.clock.sleep(3.0)  # the controller is slow: 3 s answered and not bridged
        agent_leg = sw.get_leg(agent)
        if talk_from == "answer":
            assert agent_leg is None or agent_leg.hungup  # gone before the caller came through
            return
        assert agent_leg is not None and not agent_leg.hungup
        assert run_api(sw, "uuid_bridge", f"{caller} {agent}").startswith("+OK")
        sw.clock.sleep(0.5)
        assert not agent_leg.hungup  # talking
        sw.clock.sleep(1.0)  # on the switch's clock, past the phone's 1 s of talk
        assert agent_leg.hungup  # then a BYE
    finally:
        sw.stop()


def test_talk_from_is_checked() -> None:
    with pytest.raises(ValueError, match="talk_from"):
        PhoneBehavior.answer(talk_from="ring")
