"""`calldesk queues`: live queue figures from the store; pause/resume through the controller."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from calldesk.cli.common import (
    ACTOR_OPTION,
    STORE_OPTION,
    control,
    fmt_duration,
    fmt_pct,
    open_store,
    store_now,
)
from calldesk.dispatch.controls import live_views


@click.group(invoke_without_command=True)
@STORE_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per queue.")
@click.pass_context
def queues(ctx: click.Context, store_path: str | None, as_json: bool) -> None:
    """Live queue figures: waiting, longest wait, service level, ASA, abandons, agents."""
    if ctx.invoked_subcommand is not None:
        return
    store, cfg = open_store(ctx, store_path)
    views, _ = live_views(store, cfg, store_now(store))
    if as_json:
        for v in views:
            click.echo(json.dumps(asdict(v), sort_keys=True))
        return
    click.echo(
        f"{'QUEUE':<12} {'WAITING':>7} {'LONGEST':>8} {'SL 15M':>6} {'SL DAY':>6} "
        f"{'ASA':>6} {'ABANDON':>7}  AGENTS"
    )
    for v in views:
        agents = ", ".join(f"{k} {n}" for k, n in sorted(v.agents_by_state.items())) or "-"
        click.echo(
            f"{v.queue:<12} {v.waiting:>7} {fmt_duration(v.longest_wait_s):>8} "
            f"{fmt_pct(v.service_level_15m):>6} {fmt_pct(v.service_level_today):>6} "
            f"{fmt_duration(v.asa_s):>6} {fmt_pct(v.abandon_rate):>7}  {agents}"
        )


@queues.command("pause")
@click.argument("queue")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def pause(ctx: click.Context, queue: str, store_path: str | None, actor: str) -> None:
    """Stop offering QUEUE's interactions (they keep waiting, in order)."""
    r = control(ctx, store_path, actor, "queue.pause", {"queue": queue})
    click.echo(f"{r['queue']}: {r['state']}")


@queues.command("resume")
@click.argument("queue")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def resume(ctx: click.Context, queue: str, store_path: str | None, actor: str) -> None:
    """Offer QUEUE's interactions again."""
    r = control(ctx, store_path, actor, "queue.resume", {"queue": queue})
    click.echo(f"{r['queue']}: {r['state']}")
