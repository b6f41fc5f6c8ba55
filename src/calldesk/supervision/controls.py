"""Supervision and supervisor-ACD commands on the control channel (`calldesk supervise …`).

Commands (args -> result), the actor being the CLI's `--as USER`, checked by `calldesk.auth`:
- `supervise.start {agent, mode}` -> the session, once the supervisor's phone answered
  (refused with the reason if it did not); `supervise.mode {session, mode}`;
  `supervise.stop {session}`; `supervise.list {}` -> `{sessions: [...]}` (what the actor may see)
- `agent.force_state {agent, state: ready|not_ready, reason?}`, `agent.force_logout {agent}`
- `interaction.move {interaction, queue}`, `interaction.priority {interaction, priority}`,
  `interaction.pull {interaction, agent}` -> `{subject, action, …}`

A refusal (permission, unknown session, the core ignoring the event) is the command's error.
`supervise.start` holds the bus while the supervisor's phone rings (up to `answer_timeout`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from calldesk.control import ControlBus, ControlError
from calldesk.supervision.acd_actions import SupervisorActions
from calldesk.supervision.service import ACTIVE, RINGING, Session, SupervisionService

Handler = Callable[[dict[str, Any], str], dict[str, Any]]


def session_view(s: Session) -> dict[str, Any]:
    row = asdict(s)
    row.pop("pending", None)
    return row


def _arg(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if value is None or str(value) == "":
        raise ControlError(f"missing argument {name!r}")
    return str(value)


def register_supervision_controls(
    bus: ControlBus, supervision: SupervisionService, actions: SupervisorActions
) -> None:
    svc = supervision

    def start(args: dict[str, Any], actor: str) -> dict[str, Any]:
        s = svc.start(actor, _arg(args, "agent"), str(args.get("mode") or "monitor"))
        svc._wait(lambda: s.status != RINGING, svc.settings.answer_timeout + 5)
        if s.status != ACTIVE:
            raise ControlError(f"not joined: {s.end_reason or s.status}")
        return session_view(s)

    def mode(args: dict[str, Any], actor: str) -> dict[str, Any]:
        return session_view(svc.change_mode(actor, _arg(args, "session"), _arg(args, "mode")))

    def stop(args: dict[str, Any], actor: str) -> dict[str, Any]:
        return session_view(svc.stop(actor, _arg(args, "session")))

    def listing(args: dict[str, Any], actor: str) -> dict[str, Any]:
        return {"sessions": [session_view(s) for s in svc.visible(actor)]}

    commands: dict[str, Handler] = {
        "supervise.start": start,
        "supervise.mode": mode,
        "supervise.stop": stop,
        "supervise.list": listing,
        "agent.force_state": lambda a, u: actions.set_state(
            u, _arg(a, "agent"), _arg(a, "state"), str(a.get("reason") or "supervisor")
        ),
        "agent.force_logout": lambda a, u: actions.logout(u, _arg(a, "agent")),
        "interaction.move": lambda a, u: actions.move(u, _arg(a, "interaction"), _arg(a, "queue")),
        "interaction.priority": lambda a, u: actions.set_priority(
            u, _arg(a, "interaction"), _priority(a)
        ),
        "interaction.pull": lambda a, u: actions.pull(u, _arg(a, "interaction"), _arg(a, "agent")),
    }
    for name, handler in commands.items():
        bus.register(name, handler)


def _priority(args: dict[str, Any]) -> int:
    try:
        return int(_arg(args, "priority"))
    except ValueError:
        raise ControlError(
            f"priority must be a whole number, not {args.get('priority')!r}"
        ) from None
