"""`calldesk supervise …`: supervise live calls and steer agents.

Design note: there is no control channel into a running controller yet. So `start`, `mode`,
`stop` and `list` act directly on the switches (ESL) and the shared store: sessions live in the
`supervision_sessions` table, FreeSWITCH holds the legs, and each command reloads what it needs
(`SupervisionService.load_active`). The ACD commands (`agent-state`, `logout`, `move`, `priority`,
`pull`) need the controller's live ACD core; they run over the Python API (`SupervisorActions`)
through `ACD_PROVIDER`, which an in-process controller sets, and are refused clearly otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from calldesk.app import switch_settings
from calldesk.auth import Directory
from calldesk.cli.common import get_config
from calldesk.errors import CalldeskError, ConfigError
from calldesk.esl.connection import SwitchConnection
from calldesk.store import Store
from calldesk.supervision.acd_actions import SupervisorActions
from calldesk.supervision.locate import find_agent_call_on_switch
from calldesk.supervision.modes import API_MODES
from calldesk.supervision.service import Session, SupervisionService
from calldesk.supervision.settings import Settings
from calldesk.telephony.switchboard import Switchboard

# Set by a process that holds the live ACD core (e.g. the controller or a demo): () -> core.
ACD_PROVIDER: Callable[[], Any] | None = None

as_user = click.option("--as", "user", required=True, help="Who acts (a users: id).")
MODES = click.Choice([m.value for m in API_MODES])


class _Env:
    def __init__(self, ctx: click.Context, need_switch: bool) -> None:
        config = get_config(ctx, require_switch=need_switch)
        try:
            self.directory = Directory.from_config(config["users"], config["teams"])
            self.settings = Settings.from_config(config["supervision"])
        except ConfigError as exc:
            raise click.ClickException(f"configuration refused: {exc}") from exc
        self.store = Store.open(config.path("store.path"))
        ctx.call_on_close(self.store.close)
        self.board: Switchboard | None = None
        if need_switch:
            self.board = Switchboard([SwitchConnection(s) for s in switch_settings(config)])
            ready = self.board.start(wait=10.0)
            ctx.call_on_close(self.board.stop)
            if not any(ready.values()):
                raise click.ClickException("no switch is reachable")

    def service(self) -> SupervisionService:
        assert self.board is not None
        board = self.board
        svc = SupervisionService(board, self.store, self.directory, self.settings,
                                 locate=lambda agent: find_agent_call_on_switch(board, agent))  # fmt: skip
        svc.load_active()
        return svc


def _line(s: Session) -> str:
    return (f"{s.id}  {s.supervisor} -> {s.agent}  mode={s.mode}  {s.status}  "
            f"interaction={s.interaction}  leg={s.supervisor_leg or '-'}")  # fmt: skip


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except CalldeskError as exc:
        raise click.ClickException(f"refused: {exc}") from exc


@click.group()
def supervise() -> None:
    """Monitor, whisper, barge, take over; force agent states; steer waiting interactions."""


@supervise.command("start")
@as_user
@click.option("--agent", required=True)
@click.option("--mode", type=MODES, default="monitor", show_default=True)
@click.pass_context
def start(ctx: click.Context, user: str, agent: str, mode: str) -> None:
    """Ring your phone and join the agent's live call."""
    svc = _Env(ctx, True).service()
    s = _run(lambda: svc.start(user, agent, mode))
    svc._wait(lambda: s.status != "ringing", svc.settings.answer_timeout + 5)
    if s.status != "active":
        raise click.ClickException(f"not joined: {s.end_reason or s.status}")
    click.echo(_line(s))


@supervise.command("mode")
@as_user
@click.argument("session_id")
@click.option("--mode", type=MODES, required=True)
@click.pass_context
def mode_(ctx: click.Context, user: str, session_id: str, mode: str) -> None:
    """Switch a session's mode without touching the phone's keys."""
    svc = _Env(ctx, True).service()
    click.echo(_line(_run(lambda: svc.change_mode(user, session_id, mode))))


@supervise.command("stop")
@as_user
@click.argument("session_id")
@click.pass_context
def stop(ctx: click.Context, user: str, session_id: str) -> None:
    """Leave the call (the call itself goes on)."""
    svc = _Env(ctx, True).service()
    click.echo(_line(_run(lambda: svc.stop(user, session_id))))


@supervise.command("list")
@as_user
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, user: str, as_json: bool) -> None:
    """Who supervises which call, in which mode (only what you may see)."""
    svc = _Env(ctx, True).service()
    sessions = _run(lambda: svc.visible(user))
    if as_json:
        click.echo(
            json.dumps([{k: v for k, v in s.__dict__.items() if k != "pending"} for s in sessions])
        )
        return
    for s in sessions:
        click.echo(_line(s))
    click.echo(f"{len(sessions)} session(s)")


def _actions(ctx: click.Context) -> SupervisorActions:
    if ACD_PROVIDER is None:
        raise click.ClickException(
            "refused: no live ACD reachable from this process (there is no control channel to a "
            "running controller yet); use calldesk.supervision.acd_actions.SupervisorActions in-process"
        )
    env = _Env(ctx, False)
    return SupervisorActions(ACD_PROVIDER(), env.directory, env.store.journal)


def _done(decisions: list) -> None:
    click.echo(f"ok ({len(decisions)} decision(s))")


@supervise.command("agent-state")
@as_user
@click.option("--agent", required=True)
@click.option("--state", type=click.Choice(["ready", "not_ready"]), required=True)
@click.option("--reason", default="supervisor", show_default=True)
@click.pass_context
def agent_state(ctx: click.Context, user: str, agent: str, state: str, reason: str) -> None:
    """Force an agent ready or not ready (with a reason)."""
    acts = _actions(ctx)
    _done(_run(lambda: acts.set_state(user, agent, state, reason)))


@supervise.command("logout")
@as_user
@click.option("--agent", required=True)
@click.pass_context
def logout(ctx: click.Context, user: str, agent: str) -> None:
    """Force an agent's logout."""
    acts = _actions(ctx)
    _done(_run(lambda: acts.logout(user, agent)))


@supervise.command("move")
@as_user
@click.option("--interaction", required=True)
@click.option("--queue", required=True)
@click.pass_context
def move(ctx: click.Context, user: str, interaction: str, queue: str) -> None:
    """Move a waiting interaction to another queue."""
    acts = _actions(ctx)
    _done(_run(lambda: acts.move(user, interaction, queue)))


@supervise.command("priority")
@as_user
@click.option("--interaction", required=True)
@click.option("--priority", type=int, required=True)
@click.pass_context
def priority(ctx: click.Context, user: str, interaction: str, priority: int) -> None:
    """Change a waiting interaction's priority."""
    acts = _actions(ctx)
    _done(_run(lambda: acts.set_priority(user, interaction, priority)))


@supervise.command("pull")
@as_user
@click.option("--interaction", required=True)
@click.option("--agent", required=True)
@click.pass_context
def pull(ctx: click.Context, user: str, interaction: str, agent: str) -> None:
    """Give a waiting interaction to a named agent."""
    acts = _actions(ctx)
    _done(_run(lambda: acts.pull(user, interaction, agent)))
