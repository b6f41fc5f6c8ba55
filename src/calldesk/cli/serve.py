"""`calldesk serve`: run the controller against the switches in calldesk.yaml."""

from __future__ import annotations

import signal

import click
import gevent
import gevent.event

from calldesk import gctune
from calldesk.app import build
from calldesk.cli.common import get_config, setup_logging
from calldesk.errors import CalldeskError
from calldesk.web import check_bind, serve_http


@click.command()
@click.option("--store", "store_path", help="Override store.path.")
@click.option(
    "--status-every", default=30.0, show_default=True, help="Seconds between health lines."
)
@click.option("--once", is_flag=True, help="Connect, print health and exit (a smoke check).")
@click.option(
    "--wait", default=10.0, show_default=True, help="Seconds to wait for the switches to be ready."
)
@click.pass_context
def serve(
    ctx: click.Context, store_path: str | None, status_every: float, once: bool, wait: float
) -> None:
    """Run the controller against the configured switches (needs at least one)."""
    config = get_config(ctx, {"store.path": store_path}, require_switch=True)
    setup_logging(config["log"]["level"])
    try:
        if config["http"]["enabled"]:
            check_bind(config["http"])  # refuse an exposed plain-text bind before connecting
        controller = build(config)  # customer context in SQLite (calldesk.customers.contexts)
    except CalldeskError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    ready = controller.start(wait=wait)
    gctune.tune()  # start-up objects frozen out of the collector (calldesk.gctune)
    if once:
        health = controller.board.health()
        controller.stop()
        down = [name for name, ok in ready.items() if not ok]
        if down:
            why = (health.get(down[0]) or {}).get("last_error") or f"not ready in {wait} s"
            raise click.ClickException(f"switch {down[0]}: not ready: {why}")
        click.echo(health)
        return
    for name, ok in ready.items():
        click.echo(f"switch {name}: {'ready' if ok else 'NOT ready (retrying in the background)'}")
    http = None
    if config["http"]["enabled"]:
        try:
            http = serve_http(controller)
        except (CalldeskError, OSError) as exc:
            controller.stop()
            raise click.ClickException(f"http: {exc}") from exc
        click.echo(f"http: {http.url} (API: {http.url}/api/openapi.json)", err=False)
    stop = gevent.event.Event()
    gevent.signal_handler(signal.SIGTERM, stop.set)
    gevent.signal_handler(signal.SIGINT, stop.set)
    while not stop.wait(timeout=status_every):
        for name, health in controller.board.health().items():
            click.echo(f"{name}: {health}")
    if http is not None:
        http.stop()
    controller.stop()
