"""`calldesk webhooks status`: the outbox of each webhook, its failures and the next retry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from calldesk.cli.common import get_config
from calldesk.store import Store
from calldesk.web.webhooks import status as outbox_status


@click.group()
def webhooks() -> None:
    """Webhooks out (configured under `webhooks:`)."""


@webhooks.command("status")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Pending, delivered and failed deliveries per hook, with the last error."""
    config = get_config(ctx)
    store = Store.open(config.path("store.path"))
    ctx.call_on_close(store.close)
    rows = outbox_status(store)
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo("no webhook deliveries yet")
    for r in rows:
        nxt = r["next_attempt_at"]
        when = datetime.fromtimestamp(nxt, tz=UTC).strftime("%H:%M:%S") if nxt else "-"
        click.echo(f"{r['hook']}: pending={r['pending']} delivered={r['delivered']} "
                   f"failed={r['failed']} next={when}")  # fmt: skip
        if r["last_error"]:
            e = r["last_error"]
            click.echo(f"  last error: {e['error']} ({e['kind']} {e['subject']}, "
                       f"{e['attempts']} attempts)")  # fmt: skip
    if any(r["failed"] for r in rows):
        raise SystemExit(1)
