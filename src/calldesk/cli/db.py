"""`calldesk db …`: the embedded store."""

from __future__ import annotations

import click

from calldesk.cli.common import get_config, open_store_file


@click.group()
def db() -> None:
    """The SQLite store and its journal."""


@db.command("migrate")
@click.option(
    "--path", type=click.Path(dir_okay=False), help="Database file (default: store.path)."
)
@click.pass_context
def migrate(ctx: click.Context, path: str | None) -> None:
    """Create the database or bring it to the latest schema."""
    target = path or str(get_config(ctx).path("store.path"))
    store = open_store_file(target, migrate=False)
    ran = store.migrate()
    click.echo(f"{target}: applied {len(ran)} migration(s){': ' + ', '.join(ran) if ran else ''}")
    click.echo(f"schema at {store.applied()[-1]}")


@db.command("journal")
@click.option("--path", type=click.Path(dir_okay=False, exists=True), help="Database file.")
@click.option("--kind", help="Only entries whose kind starts with this.")
@click.option("--limit", default=50, show_default=True)
@click.pass_context
def journal(ctx: click.Context, path: str | None, kind: str | None, limit: int) -> None:
    """Print the newest journal entries."""
    target = path or str(get_config(ctx).path("store.path"))
    store = open_store_file(target)
    total = store.journal.count()
    shown = 0
    for entry in store.journal.read(kind_prefix=kind, after_id=max(0, total - limit)):
        click.echo(f"{entry.id:>6} {entry.at:.3f} {entry.kind:<28} {entry.subject} {entry.data}")
        shown += 1
    if not shown:
        what = f"no entries of kind {kind}*" if kind and total else "empty"
        click.echo(f"{target}: journal {what} ({total} entries in all)")
