"""Following the call's legs (tracker events, in the ESL reader), so calldesk's view keeps up
with what happened outside its API and an agent is never stuck:

- the agent's phone holds/resumes (re-INVITE: CHANNEL_HOLD/UNHOLD); our own `uuid_hold`'s
  echoes are counted out, as events reach here later than the api reply;
- the agent's phone transfers (REFER: the agent leg's CHANNEL_HANGUP carries `transfer_to`):
  the agent is released (`AgentReleased`) before the dispatcher hears that hangup;
- during a consult, the agent hangs up: the transfer completes (the customer goes to the
  consulted party, as att_xfer does when the transferor hangs up); the consulted party hangs
  up: the customer is bridged back to the agent (att_xfer's cancel).
Anything that talks to the switch is spawned; `port.post` only queues.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gevent

from calldesk.acd import events as ev
from calldesk.callcontrol.decide import CallState, Plan, Refused, phone_action, plan

if TYPE_CHECKING:
    from calldesk.callcontrol.service import CallControl


class Follower:
    def __init__(self, cc: CallControl) -> None:
        self.cc = cc

    def on_leg(self, leg: Any, event: Any) -> None:
        name = event.name
        if name not in ("CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_HANGUP"):
            return
        cc = self.cc
        consult_iid = cc._consult_of.get(leg.uuid)
        if consult_iid is not None and name == "CHANNEL_HANGUP":
            cc._consult_of.pop(leg.uuid, None)
            if cc.calls.get(consult_iid, CallState()).consult == leg.uuid:
                self._consulted_party_left(consult_iid)
            return
        iid = cc._agent_leg.get(leg.uuid) or self._find(leg.uuid)
        if iid is None:
            return
        act = phone_action(name, event.headers, leg.uuid)  # reads one header, not all
        st = cc.calls.get(iid, CallState())
        if act is None:  # the agent leg hung up (no transfer)
            cc._agent_leg.pop(leg.uuid, None)
            cc._echo.pop(leg.uuid, None)
            if st.consult is not None and st.conference is None:
                self._agent_left_consult(iid, st)
            elif st.conference is None:
                cc.calls.pop(iid, None)  # the call is over for calldesk's part
            return
        if act.kind in ("hold", "unhold"):
            held = act.kind == "hold"
            echo = cc._echo.get(leg.uuid)
            if echo and echo[0] == act.kind:  # our own uuid_hold: already known
                echo.pop(0)
                return
            if st.held != held:
                cc.calls[iid] = CallState(
                    held, st.muted, st.consult, st.consult_target, st.conference
                )
                data = {"by": "phone", "via": "phone", "agent": cc.port.agent_of(iid)}
                gevent.spawn(cc._note, f"call.{act.kind}", iid, data)
            return
        agent = self._release(iid, leg.uuid)
        out: dict[str, Any] = {"by": "phone", "via": "phone", "agent": agent}
        if act.detail.get("bridged_to"):
            out["attended"] = True
            out["leg"] = act.detail["bridged_to"]
        else:
            out["target"] = {"kind": "number", "id": act.detail.get("destination", "")}
        gevent.spawn(cc._note, "call.transfer", iid, out)

    def _release(self, iid: str, agent_leg: str) -> str | None:
        cc = self.cc
        agent = cc.port.agent_of(iid)
        cc._agent_leg.pop(agent_leg, None)
        cc.calls.pop(iid, None)
        if agent:
            cc.port.post(ev.AgentReleased(agent, iid))
        return agent

    def _agent_left_consult(self, iid: str, st: CallState) -> None:
        """The agent hung up while consulting: complete the transfer."""
        caller, _ = self.cc.port.legs_of(iid)
        agent = self._release(iid, "")
        if caller is None or st.consult is None:
            return
        # the plan's first command is for the agent's leg, which is gone
        cmds = plan("consult_complete", caller.uuid, "gone", st).commands[1:]
        data = {"by": "phone", "via": "phone", "agent": agent, "leg": st.consult}
        gevent.spawn(self._carry, iid, "consult_complete", cmds, caller.switch, data)

    def _consulted_party_left(self, iid: str) -> None:
        """The consulted party hung up: the agent (parked) goes back to the customer."""
        cc = self.cc
        st = cc.calls.get(iid, CallState())
        caller, agent_leg = cc.port.legs_of(iid)
        if caller is None or agent_leg is None or st.consult is None:
            return
        p = plan("consult_cancel", caller.uuid, agent_leg.uuid, st)
        cc.calls[iid] = p.state
        data = {
            "by": "consulted",
            "via": "switch",
            "agent": cc.port.agent_of(iid),
            "leg": st.consult,
        }
        # not the first command: it kills the consult leg, already gone
        gevent.spawn(self._carry, iid, "consult_cancel", p.commands[1:], caller.switch, data)

    def _carry(self, iid: str, op: str, cmds: Any, switch: str, data: dict[str, Any]) -> None:
        cc = self.cc
        try:
            cc._send(plan_of(op, cmds), switch, "")
        except Refused as exc:
            cc._note(
                "call.refused",
                iid,
                {"op": op, "by": data["by"], "code": exc.code, "reason": exc.reason},
            )
            return
        cc._note(f"call.{op}", iid, data)

    def _find(self, uuid: str) -> str | None:
        """The interaction whose agent leg `uuid` is, if the port can tell."""
        find = getattr(self.cc.port, "interaction_of_agent_leg", None)
        iid = find(uuid) if find is not None else None
        if iid is not None:
            self.cc._agent_leg[uuid] = iid
        return iid


def plan_of(op: str, cmds: Any) -> Plan:
    return Plan(op, tuple(cmds), CallState())
