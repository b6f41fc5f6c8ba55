"""`calldesk queues`: live queue figures from the store; pause/resume through the controller."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import click

from calldesk.cli.common import get_config
from calldesk.control import ControlClient, ControlError
from calldesk.dispatch.controls import acd_config, live_views
from calldesk.errors import ConfigError
from calldesk.store import Store


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def _dur(s: float | None) -> str:
    if s is None:
        return "-"
    s = int(round(s))
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )


def open_store(ctx: click.Context, path: str | None):  # noqa: ANN201 (Store, AcdConfig | None)
    config = get_config(ctx)
    try:
        cfg = acd_config(config.data)
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    return Store.open(path or str(config.path("store.path"))), cfg


def control(ctx: click.Context, path: str | None, actor: str, command: str, args: dict) -> dict:
    store, _ = open_store(ctx, path)
    try:
        return ControlClient(store).call(actor, command, args)
    except ControlError as exc:
        raise click.ClickException(str(exc)) from exc


_STORE = click.option("--store", "store_path", type=click.Path(dir_okay=False),
                      help="Database file (default: store.path).")  # fmt: skip
_ACTOR = click.option("--actor", default="cli", show_default=True, help="Who is asking.")


@click.group(invoke_without_command=True)
@_STORE
@click.option("--json", "as_json", is_flag=True, help="One JSON object per queue.")
@click.pass_context
def queues(ctx: click.Context, store_path: str | None, as_json: bool) -> None:
    """Live queue figures: waiting, longest wait, service level, ASA, abandons, agents."""
    if ctx.invoked_subcommand is not None:
        return
    store, cfg = open_store(ctx, store_path)
    views, _ = live_views(store, cfg, time.time())
    if as_json:
        for v in views:
            click.echo(json.dumps(asdict(v), sort_keys=True))
        return
    click.echo(f"{'QUEUE':<12} {'WAITING':>7} {'LONGEST':>8} {'SL 15M':>6} {'SL DAY':>6} "
               f"{'ASA':>6} {'ABANDON':>7}  AGENTS")  # fmt: skip
    for v in views:
        agents = ", ".join(f"{k} {n}" for k, n in sorted(v.agents_by_state.items())) or "-"
        click.echo(
            f"{v.queue:<12} {v.waiting:>7} {_dur(v.longest_wait_s):>8} "
            f"{_pct(v.service_level_15m):>6} {_pct(v.service_level_today):>6} "
            f"{_dur(v.asa_s):>6} {_pct(v.abandon_rate):>7}  {agents}"
        )


@queues.command("pause")
@click.argument("queue")
@_STORE
@_ACTOR
@click.pass_context
def pause(ctx: click.Context, queue: str, store_path: str | None, actor: str) -> None:
    """Stop offering QUEUE's interactions (they keep waiting, in order)."""
    r = control(ctx, store_path, actor, "queue.pause", {"queue": queue})
    click.echo(f"{r['queue']}: {r['state']}")


@queues.command("resume")
@click.argument("queue")
@_STORE
@_ACTOR
@click.pass_context
def resume(ctx: click.Context, queue: str, store_path: str | None, actor: str) -> None:
    """Offer QUEUE's interactions again."""
    r = control(ctx, store_path, actor, "queue.resume", {"queue": queue})
    click.echo(f"{r['queue']}: {r['state']}")
