"""`calldesk supervise …`: supervise live calls and steer agents, on the running controller.

Every command goes through the control channel (`calldesk.control`): it posts a command into
the store, acting as `--as USER`, and waits for the controller's answer (see
`calldesk.supervision.controls` for the commands). The controller holds the live sessions, the
ESL connections and the ACD core, and checks the user's permissions.
"""

from __future__ import annotations

import json
from typing import Any

import click

from calldesk.cli.common import get_config
from calldesk.control import ControlClient, ControlError
from calldesk.store import Store
from calldesk.supervision.modes import API_MODES
from calldesk.supervision.settings import Settings

as_user = click.option("--as", "user", required=True, help="Who acts (a users: id).")
MODES = click.Choice([m.value for m in API_MODES])


def _call(
    ctx: click.Context, user: str, command: str, args: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    config = get_config(ctx)
    store = Store.open(config.path("store.path"))
    try:
        return ControlClient(store).call(user, command, args, timeout=timeout)
    except ControlError as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    finally:
        store.close()


def _line(s: dict[str, Any]) -> str:
    return (
        f"{s['id']}  {s['supervisor']} -> {s['agent']}  mode={s['mode']}  {s['status']}  "
        f"interaction={s['interaction']}  leg={s.get('supervisor_leg') or '-'}"
    )


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
    try:
        ring = Settings.from_config(get_config(ctx).data.get("supervision")).answer_timeout
    except Exception:  # noqa: BLE001 - the controller validates it; only the wait needs it
        ring = 30.0
    s = _call(ctx, user, "supervise.start", {"agent": agent, "mode": mode}, timeout=ring + 15)
    click.echo(_line(s))


@supervise.command("mode")
@as_user
@click.argument("session_id")
@click.option("--mode", type=MODES, required=True)
@click.pass_context
def mode_(ctx: click.Context, user: str, session_id: str, mode: str) -> None:
    """Switch a session's mode without touching the phone's keys."""
    click.echo(_line(_call(ctx, user, "supervise.mode", {"session": session_id, "mode": mode})))


@supervise.command("stop")
@as_user
@click.argument("session_id")
@click.pass_context
def stop(ctx: click.Context, user: str, session_id: str) -> None:
    """Leave the call (the call itself goes on)."""
    click.echo(_line(_call(ctx, user, "supervise.stop", {"session": session_id})))


@supervise.command("list")
@as_user
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, user: str, as_json: bool) -> None:
    """Who supervises which call, in which mode (only what you may see)."""
    sessions = _call(ctx, user, "supervise.list", {})["sessions"]
    if as_json:
        click.echo(json.dumps(sessions))
        return
    for s in sessions:
        click.echo(_line(s))
    click.echo(f"{len(sessions)} session(s)")


def _done(r: dict[str, Any]) -> None:
    extra = " ".join(f"{k}={v}" for k, v in r.items() if k not in ("subject", "action"))
    click.echo(f"ok: {r['action']} {r['subject']} {extra}".rstrip())


@supervise.command("agent-state")
@as_user
@click.option("--agent", required=True)
@click.option("--state", type=click.Choice(["ready", "not_ready"]), required=True)
@click.option("--reason", default="supervisor", show_default=True)
@click.pass_context
def agent_state(ctx: click.Context, user: str, agent: str, state: str, reason: str) -> None:
    """Force an agent ready or not ready (with a reason)."""
    _done(_call(ctx, user, "agent.force_state", {"agent": agent, "state": state, "reason": reason}))


@supervise.command("logout")
@as_user
@click.option("--agent", required=True)
@click.pass_context
def logout(ctx: click.Context, user: str, agent: str) -> None:
    """Force an agent's logout."""
    _done(_call(ctx, user, "agent.force_logout", {"agent": agent}))


@supervise.command("move")
@as_user
@click.option("--interaction", required=True)
@click.option("--queue", required=True)
@click.pass_context
def move(ctx: click.Context, user: str, interaction: str, queue: str) -> None:
    """Move a waiting interaction to another queue (it keeps its place by age)."""
    _done(_call(ctx, user, "interaction.move", {"interaction": interaction, "queue": queue}))


@supervise.command("priority")
@as_user
@click.option("--interaction", required=True)
@click.option("--priority", type=int, required=True)
@click.pass_context
def priority(ctx: click.Context, user: str, interaction: str, priority: int) -> None:
    """Change a waiting interaction's priority."""
    args = {"interaction": interaction, "priority": priority}
    _done(_call(ctx, user, "interaction.priority", args))


@supervise.command("pull")
@as_user
@click.option("--interaction", required=True)
@click.option("--agent", required=True)
@click.pass_context
def pull(ctx: click.Context, user: str, interaction: str, agent: str) -> None:
    """Give a waiting interaction to a named agent, next (when they have room)."""
    _done(_call(ctx, user, "interaction.pull", {"interaction": interaction, "agent": agent}))
