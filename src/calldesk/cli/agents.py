"""`calldesk agents`: live agent states from the store; login/logout/ready/not-ready through
the running controller (the control channel)."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from calldesk.cli.common import (
    ACTOR_OPTION,
    STORE_OPTION,
    control,
    fmt_duration,
    open_store,
    store_now,
)
from calldesk.dispatch.controls import live_views


@click.group(invoke_without_command=True)
@STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per agent.")
@click.pass_context
def agents(ctx: click.Context, store_path: str | None, as_json: bool) -> None:
    """Live agent figures: state and time in it, handled, talk and wrap-up time."""
    if ctx.invoked_subcommand is not None:
        return
    store, cfg = open_store(ctx, store_path)
    _, views = live_views(store, cfg, store_now(store))
    if as_json:
        for v in views:
            click.echo(json.dumps(asdict(v), sort_keys=True))
        return
    click.echo(
        f"{'AGENT':<12} {'STATE':<10} {'REASON':<9} {'IN STATE':>8} {'HANDLED':>7} "
        f"{'TALK':>8} {'WRAP':>8}"
    )
    for v in views:
        since = fmt_duration(v.time_in_state_s) if v.state != "logged_out" or v.handled else "-"
        click.echo(
            f"{v.agent:<12} {v.state:<10} {v.reason or '':<9} {since:>8} {v.handled:>7} "
            f"{fmt_duration(v.talk_s):>8} {fmt_duration(v.wrap_s):>8}"
        )


def _show(r: dict) -> None:
    reason = f" ({r['reason']})" if r.get("reason") else ""
    click.echo(f"{r['agent']}: {r['state']}{reason}")


@agents.command("login")
@click.argument("agent")
@click.option("--ready", is_flag=True, help="Ready at once (default: not ready, reason login).")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def login(ctx: click.Context, agent: str, ready: bool, store_path: str | None, actor: str) -> None:
    """Log AGENT in."""
    _show(control(ctx, store_path, actor, "agent.login", {"agent": agent, "ready": ready}))


@agents.command("logout")
@click.argument("agent")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def logout(ctx: click.Context, agent: str, store_path: str | None, actor: str) -> None:
    """Log AGENT out (an offer in progress goes back to the head of its queue)."""
    _show(control(ctx, store_path, actor, "agent.logout", {"agent": agent}))


@agents.command("ready")
@click.argument("agent")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def ready(ctx: click.Context, agent: str, store_path: str | None, actor: str) -> None:
    """AGENT is ready for work."""
    _show(control(ctx, store_path, actor, "agent.ready", {"agent": agent}))


@agents.command("not-ready")
@click.argument("agent")
@click.option("--reason", default="break", show_default=True, help="break, lunch, training…")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def not_ready(
    ctx: click.Context, agent: str, reason: str, store_path: str | None, actor: str
) -> None:
    """AGENT takes no new work (what they hold now continues)."""
    _show(control(ctx, store_path, actor, "agent.not_ready", {"agent": agent, "reason": reason}))


@agents.command("pops")
@click.argument("agent")
@click.option("--limit", default=5, show_default=True)
@STORE_OPTION
@click.pass_context
def pops(ctx: click.Context, agent: str, limit: int, store_path: str | None) -> None:
    """The agent's latest screen pops: queue, customer, what the IVR collected, the path."""
    from calldesk.engine.persist import EngineStore

    store, _ = open_store(ctx, store_path)
    for pop in EngineStore(store).screen_pops(agent, limit):
        click.echo(json.dumps(pop, sort_keys=True, default=str))
