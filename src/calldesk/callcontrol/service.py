"""CallControl: the voice operations on an agent's interaction, carried out over ESL.

Each method checks who acts (`calldesk.auth.User`: an agent on its own interaction, a supervisor
on its teams' agents, an admin on all; else `PermissionDenied`), asks the pure core (`decide.py`)
for the commands, dials a new leg first when the plan needs one (an agent's phone, or a number
through `OutboundDialer` and its allow-list), sends the commands, and journals the operation
(`call.<op>`, or `call.refused` with the reason). It also follows what the agent's phone does
(re-INVITE hold, REFER): see `on_leg`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import gevent

from calldesk.acd import events as ev
from calldesk.auth import Directory, PermissionDenied, User
from calldesk.callcontrol.decide import (
    NEW_LEG,
    CallState,
    Plan,
    Refused,
    Target,
    phone_action,
    plan,
)
from calldesk.callcontrol.ports import CallPort
from calldesk.errors import CalldeskError
from calldesk.esl.commands import check_token, check_uuid, originate_args

log = logging.getLogger(__name__)
DIAL_TIMEOUT_S = 30.0


class CallControl:
    def __init__(
        self,
        port: CallPort,
        board: Any,
        directory: Directory,
        journal: Any,
        dialer: Any = None,
        clock: Callable[[], float] = time.time,
        time_scale: float = 1.0,
        hold_music: str = "local_stream://moh",
    ) -> None:
        self.port, self.board, self.directory, self.journal = port, board, directory, journal
        self.dialer, self.clock, self.time_scale = dialer, clock, time_scale
        self.hold_music = hold_music
        self.calls: dict[str, CallState] = {}  # interaction -> what we know of its call
        self._agent_leg: dict[str, str] = {}  # agent leg uuid -> interaction (phone events)
        # CHANNEL_HOLD/UNHOLD our own uuid_hold will cause, per agent leg: events reach
        # `on_leg` later than the api reply, so they are told from the phone's by counting.
        self._echo: dict[str, list[str]] = {}

    def attach(self) -> CallControl:
        """Follow leg events. Subscribed first, so a REFER releases the agent before the
        dispatcher hears that the agent's leg hung up (which would end the interaction)."""
        listeners = getattr(self.board.tracker, "_listeners", None)
        if isinstance(listeners, list):
            listeners.insert(0, self.on_leg)
        else:
            self.board.tracker.subscribe(self.on_leg)
        return self

    # -- the operations (names are the HTTP routes') -------------------------------------
    def hold(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "hold")

    def unhold(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "unhold")

    def mute(self, actor: User, iid: str, on: bool) -> dict[str, Any]:
        return self._run(actor, iid, "mute", on=on)

    def dtmf(self, actor: User, iid: str, digits: str) -> dict[str, Any]:
        return self._run(actor, iid, "dtmf", digits=digits)

    def hangup(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "hangup")

    def transfer(self, actor: User, iid: str, target: Any) -> dict[str, Any]:
        return self._run(actor, iid, "transfer", target=target)

    def consult(self, actor: User, iid: str, target: Any) -> dict[str, Any]:
        return self._run(actor, iid, "consult", target=target)

    def consult_complete(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "consult_complete")

    def consult_cancel(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "consult_cancel")

    def conference(self, actor: User, iid: str) -> dict[str, Any]:
        return self._run(actor, iid, "conference")

    def state(self, iid: str) -> CallState:
        return self.calls.get(iid, CallState())

    # -- the steps -----------------------------------------------------------------------
    def _check(self, actor: User, iid: str, op: str) -> str | None:
        agent = self.port.agent_of(iid)
        if actor.role == "admin":
            return agent
        if actor.role == "agent":
            if agent is None or agent != actor.agent:
                raise PermissionDenied(f"{actor.id} may not {op} interaction {iid}: not theirs")
            return agent
        allowed = self.directory.agents_of(actor) or set()
        if actor.role != "supervisor" or agent is None or agent not in allowed:
            raise PermissionDenied(
                f"{actor.id} may not {op} interaction {iid}: its agent is not in their teams"
            )
        return agent

    def _run(self, actor: User, iid: str, op: str, **kw: Any) -> dict[str, Any]:
        try:
            agent = self._check(actor, iid, op)
        except PermissionDenied as exc:
            self._note("call.refused", iid, {"op": op, "by": actor.id, "code": "forbidden",
                                              "reason": str(exc)})  # fmt: skip
            raise
        caller, agent_leg = self.port.legs_of(iid)
        st = self.calls.get(iid, CallState())
        try:
            target = Target.parse(kw.pop("target")) if "target" in kw else None
            p = plan(op, caller.uuid if caller else None, agent_leg.uuid if agent_leg else None,
                     st, target=target, room=f"calldesk-{iid}", hold_music=self.hold_music,
                     **kw)  # fmt: skip
            if p.release_agent and p.requeue is None and agent and target is not None:
                self._same_agent(target, agent)
            if p.requeue is not None and not getattr(self.port, "requeue_supported", True):
                raise Refused("not_supported", "the ACD cannot re-enqueue a connected "
                              "interaction yet: transfer to an agent or a number")  # fmt: skip
            new_leg = self._dial(p, iid, caller) if p.needs_leg is not None else ""
        except Refused as exc:
            self._note("call.refused", iid, {"op": op, "by": actor.id, "code": exc.code,
                                              "reason": exc.reason})  # fmt: skip
            raise
        assert caller is not None and agent_leg is not None  # plan() refused otherwise
        self._agent_leg[agent_leg.uuid] = iid
        if p.release_agent and agent:  # before the agent's leg ends: it must not end the call
            self.port.post(ev.AgentReleased(agent, iid), wait=5.0)
        st2 = p.state
        if st2.consult == NEW_LEG:
            st2 = CallState(st2.held, st2.muted, new_leg, st2.consult_target, st2.conference)
        self._keep(iid, st2, p)
        for cmd in p.commands:
            if cmd.api == "uuid_hold":
                self._echo.setdefault(cmd.args[-1], []).append(
                    "unhold" if cmd.args[0] == "off" else "hold"
                )
        try:
            self._send(p, caller.switch, new_leg)
        except Refused as exc:
            self.calls[iid] = st
            self._echo.pop(agent_leg.uuid, None)
            self._note("call.refused", iid, {"op": op, "by": actor.id, "code": exc.code,
                                              "reason": exc.reason})  # fmt: skip
            raise
        if p.requeue is not None:
            why = self.port.requeue(iid, p.requeue)
            if why:
                self._note("call.refused", iid, {"op": op, "by": actor.id, "code": "requeue",
                                                  "reason": "; ".join(why)})  # fmt: skip
        data = {"by": actor.id, "via": "api", "agent": agent, **p.data}
        if new_leg:
            data["leg"] = new_leg
        self._note(f"call.{op}", iid, data)
        return {"interaction": iid, "op": op, "state": _view(st2), **p.data}

    def _same_agent(self, target: Target, agent: str) -> None:
        if target.kind == "agent" and target.id == agent:
            raise Refused("bad_target", "an agent cannot transfer a call to themselves")

    def _keep(self, iid: str, st: CallState, p: Plan) -> None:
        if p.op in ("hangup", "transfer", "consult_complete"):
            self.calls.pop(iid, None)
        else:
            self.calls[iid] = st

    def _dial(self, p: Plan, iid: str, caller: Any) -> str:
        """Dial the plan's new leg into park (an agent's phone, or a number through the
        trunks' allow-list); returns its uuid once answered, or raises Refused."""
        t = p.needs_leg
        assert t is not None
        variables = {"calldesk_xfer_interaction": iid, "calldesk_xfer": p.op}
        if t.kind == "number":
            if self.dialer is None:
                raise Refused("no_trunks", "no outbound trunks are configured")
            try:
                return str(self.dialer.dial(t.id, variables, switch=caller.switch,
                                            subject=iid).uuid)  # fmt: skip
            except CalldeskError as exc:
                raise Refused("dial_failed", str(exc)) from exc
        contact = self.port.contact_of(t.id)
        if not contact:
            raise Refused("bad_target", f"target.id: unknown agent {t.id!r}")
        conn = self.board.switches.get(caller.switch) or self.board.pick()
        args = originate_args(contact, {**variables, "originate_timeout": int(DIAL_TIMEOUT_S)},
                              "park")  # fmt: skip
        try:
            out = conn.bgapi("originate", args).get(timeout=(DIAL_TIMEOUT_S + 5) / self.time_scale)
        except (CalldeskError, gevent.Timeout) as exc:
            raise Refused("dial_failed", f"{t.id}: {exc}") from exc
        words = (out or "").split()
        if len(words) < 2 or words[0] != "+OK":
            raise Refused("dial_failed", f"{t.id}: {(out or '').strip() or 'no answer'}")
        return words[1]

    def _send(self, p: Plan, switch: str, new_leg: str) -> None:
        conn = self.board.switches.get(switch) or self.board.pick()
        for cmd in p.commands:
            args = [new_leg if a == NEW_LEG else a for a in cmd.args]
            safe = [check_uuid(args[0])] + [check_token(a, cmd.api) for a in args[1:]]
            out = conn.api(cmd.api, *safe, check=False)
            if out.startswith("-ERR") and not (cmd.api == "uuid_break" or p.op == "hangup"):
                log.warning("call control %s: %s %s -> %s", p.op, cmd.api, args, out.strip())
                raise Refused("switch_refused", f"{cmd.api}: {out.strip()}")

    def _note(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        self.journal.append(kind, subject, data, self.clock())

    # -- what the agent's phone does -----------------------------------------------------
    def on_leg(self, leg: Any, event: Any) -> None:
        """Runs in the ESL reader: keep calldesk's view of the call in step with the phone."""
        name = event.name
        if name not in ("CHANNEL_HOLD", "CHANNEL_UNHOLD", "CHANNEL_HANGUP"):
            return
        iid = self._agent_leg.get(leg.uuid) or self._find(leg.uuid)
        if iid is None:
            return
        act = phone_action(name, dict(event.headers), leg.uuid)
        if act is None:
            if name == "CHANNEL_HANGUP":
                self._agent_leg.pop(leg.uuid, None)
                self._echo.pop(leg.uuid, None)
            return
        st = self.calls.get(iid, CallState())
        if act.kind in ("hold", "unhold"):
            held = act.kind == "hold"
            echo = self._echo.get(leg.uuid)
            if echo and echo[0] == act.kind:  # our own uuid_hold: already known
                echo.pop(0)
                return
            if st.held != held:
                self.calls[iid] = CallState(held, st.muted, st.consult, st.consult_target,
                                            st.conference)  # fmt: skip
                self._note(f"call.{act.kind}", iid, {"by": "phone", "via": "phone",
                                                     "agent": self.port.agent_of(iid)})  # fmt: skip
            return
        agent = self.port.agent_of(iid)
        self._agent_leg.pop(leg.uuid, None)
        self.calls.pop(iid, None)
        if agent:
            self.port.post(ev.AgentReleased(agent, iid))
        self._note("call.transfer", iid, {"by": "phone", "via": "phone", "agent": agent,
                                          "target": {"kind": "number",
                                                     "id": act.detail.get("destination", "")}})  # fmt: skip

    def _find(self, uuid: str) -> str | None:
        """The interaction whose agent leg `uuid` is (dispatcher maps), if any."""
        svc = getattr(self.port, "svc", None)
        by_leg = getattr(svc, "by_leg", None)
        if not isinstance(by_leg, dict):
            return None
        role, key = by_leg.get(uuid, ("", ""))
        if role != "agent":
            return None
        ring = svc.rings.get(key) if svc is not None else None
        iid = getattr(ring, "interaction", None)
        if iid is not None:
            self._agent_leg[uuid] = iid
        return iid


def _view(st: CallState) -> dict[str, Any]:
    return {"held": st.held, "muted": st.muted, "consult": st.consult,
            "conference": st.conference}  # fmt: skip
