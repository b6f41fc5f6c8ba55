"""`calldesk lists import FILE --list NAME`: contacts from CSV, errors by line, a summary."""

from __future__ import annotations

import json
import sys
import time

import click

from calldesk.cli.dialer_common import open_dialer_store
from calldesk.dialer.lists import ImportRefused, read_contacts

MAX_SHOWN = 50


def _mapping(items: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in items:
        role, sep, col = item.partition("=")
        if not sep or role not in ("number", "name", "timezone") or not col:
            raise click.BadParameter(f"{item!r}: expected number=COL, name=COL or timezone=COL")
        out[role] = col
    return out


@click.group("lists")
def lists() -> None:
    """Contact lists for outbound campaigns."""


@lists.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--list", "list_name", required=True, help="The list to import into.")
@click.option("--map", "maps", multiple=True, help="Header mapping, e.g. number='Mobile Phone'.")
@click.option("--region", default="US", show_default=True,
              help="Country assumed for numbers without a +country code.")  # fmt: skip
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.pass_context
def import_cmd(
    ctx: click.Context, file: str, list_name: str, maps: tuple[str, ...], region: str,
    store_path: str | None, as_json: bool,
) -> None:  # fmt: skip
    """Import FILE (CSV with a header row). Numbers become E.164; a bad row is reported with its
    line and skipped; rows with the same number are merged. Custom columns become fields for the
    agent's screen pop and the flow's variables."""
    mapping = _mapping(maps)
    started = time.perf_counter()
    try:
        with click.progressbar(
            length=max(1, _count_lines(file)), label=f"reading {file}", file=sys.stderr
        ) as bar:  # fmt: skip
            res = read_contacts(file, mapping, region, progress=bar.update)
    except ImportRefused as e:
        raise click.ClickException(f"{e} (nothing imported)") from None
    store = open_dialer_store(ctx, store_path)
    new, merged = store.import_contacts(list_name, res.contacts.values(), time.time())
    summary = {
        "list": list_name, "file": file, "rows": res.rows, "imported": new,
        "merged_with_existing": merged, "duplicates_in_file": res.duplicates,
        "refused": len(res.errors), "elapsed_s": round(time.perf_counter() - started, 3),
        "errors": [{"line": line, "reason": r} for line, r in res.errors],
    }  # fmt: skip
    if as_json:
        click.echo(json.dumps(summary))
    else:
        for line, reason in res.errors[:MAX_SHOWN]:
            click.echo(f"{file}:{line}: {reason}", err=True)
        if len(res.errors) > MAX_SHOWN:
            click.echo(
                f"... and {len(res.errors) - MAX_SHOWN} more refused lines (--json lists all)",
                err=True,
            )
        click.echo(
            f"list {list_name}: {res.rows} rows read, {new} new contacts, {merged} merged into "
            f"existing ones, {res.duplicates} duplicate rows merged, {len(res.errors)} lines "
            f"refused ({summary['elapsed_s']:.1f} s)"
        )
    if res.errors:
        ctx.exit(2 if not res.contacts else 1)


def _count_lines(path: str) -> int:
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    except OSError:
        return 1


@lists.command("show")
@click.argument("list_name")
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None)
@click.pass_context
def show_cmd(ctx: click.Context, list_name: str, store_path: str | None) -> None:
    """Print a list's contacts as JSON lines."""
    for c in open_dialer_store(ctx, store_path).contacts(list_name):
        click.echo(json.dumps(c))
