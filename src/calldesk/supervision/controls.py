"""Supervision and supervisor-ACD commands on the store inbox (`calldesk supervise …`): one
adapter of the service API (`calldesk.service.supervision`, `.interactions`), no logic here.

Commands (args -> result), the actor being the CLI's `--as USER`:
- `supervise.start {agent, mode}` -> the session, once the supervisor's phone answered
  (refused with the reason if it did not); `supervise.mode {session, mode}`;
  `supervise.stop {session}`; `supervise.list {}` -> `{sessions: [...]}` (what the actor may see)
- `agent.force_state {agent, state: ready|not_ready, reason?}`, `agent.force_logout {agent}`
- `interaction.move {interaction, queue}`, `interaction.priority {interaction, priority}`,
  `interaction.pull {interaction, agent}` -> `{subject, action, …}`

A refusal (permission, unknown session, the core ignoring the event) is the command's error.
`supervise.start` holds its greenlet while the supervisor's phone rings (up to `answer_timeout`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from calldesk.control import ControlBus, ControlError

Handler = Callable[[dict[str, Any], str], dict[str, Any]]


def _arg(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if value is None or str(value) == "":
        raise ControlError(f"missing argument {name!r}")
    return str(value)


def register_supervision_controls(bus: ControlBus, services: Any) -> None:
    sup, its = services.supervision, services.interactions

    def user(actor: str) -> Any:
        return services.user(actor)

    commands: dict[str, Handler] = {
        "supervise.start": lambda a, u: sup.start(user(u), _arg(a, "agent"),
                                                  str(a.get("mode") or "monitor")),
        "supervise.mode": lambda a, u: sup.mode(user(u), _arg(a, "session"), _arg(a, "mode")),
        "supervise.stop": lambda a, u: sup.stop(user(u), _arg(a, "session")),
        "supervise.list": lambda a, u: {"sessions": sup.list(user(u))},
        "agent.force_state": lambda a, u: sup.force_state(
            user(u), _arg(a, "agent"), _arg(a, "state"), str(a.get("reason") or "supervisor")
        ),
        "agent.force_logout": lambda a, u: sup.force_logout(user(u), _arg(a, "agent")),
        "interaction.move": lambda a, u: its.move(user(u), _arg(a, "interaction"), _arg(a, "queue")),
        "interaction.priority": lambda a, u: its.priority(
            user(u), _arg(a, "interaction"), _priority(a)
        ),
        "interaction.pull": lambda a, u: its.pull(user(u), _arg(a, "interaction"), _arg(a, "agent")),
    }  # fmt: skip
    for name, handler in commands.items():
        bus.register(name, handler)


def _priority(args: dict[str, Any]) -> int:
    try:
        return int(_arg(args, "priority"))
    except ValueError:
        raise ControlError(
            f"priority must be a whole number, not {args.get('priority')!r}"
        ) from None
