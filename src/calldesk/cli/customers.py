"""`calldesk customers …`: show, search, import, merge/unmerge, export and erase customers.

Every command names its user with `--as USER` (a `users:` entry); access is role-checked and
every read journaled. They work on the store, so no running controller is needed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from calldesk.auth import Directory, PermissionDenied
from calldesk.cli.common import get_config
from calldesk.customers.access import CustomerAccess
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.follow import Follower
from calldesk.customers.journey import one_line
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings
from calldesk.errors import CalldeskError, ConfigError
from calldesk.store import Store

as_user = click.option("--as", "user", required=True, help="Who is asking (a users: id).")
as_json = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _access(ctx: click.Context) -> CustomerAccess:
    config = get_config(ctx)
    try:
        directory = Directory.from_config(config["users"], config["teams"])
        settings = Settings.from_config(config["customers"])
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    store = Store.open(config.path("store.path"))
    ctx.call_on_close(store.close)
    return CustomerAccess(CustomerService(store, settings), SqliteContexts(store), directory)


def _fail(exc: Exception) -> click.ClickException:
    prefix = "refused" if isinstance(exc, PermissionDenied) else "error"
    return click.ClickException(f"{prefix}: {exc}")


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at)) if at else "-"


@click.group()
def customers() -> None:
    """Customers, their identities and their journey (see README: Customers and identity)."""


@customers.command("show")
@click.argument("term")
@click.option("--limit", default=50, show_default=True, help="Contacts in the timeline.")
@as_user
@as_json
@click.pass_context
def show(ctx: click.Context, term: str, limit: int, user: str, as_json: bool) -> None:
    """One customer by ID, NUMBER or EMAIL: identities, journeys and timeline."""
    try:
        c = _access(ctx).show(user, term, limit)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(c, indent=2, default=str))
        return
    click.echo(f"{c['id']}  {c['name'] or '(no name)'}{'  ERASED' if c['erased_at'] else ''}")
    for k, v in sorted(c["fields"].items()):
        click.echo(f"  {k}: {v}")
    for i in c["identities"]:
        flag = "verified" if i["verified"] else "unverified"
        click.echo(f"  {i['kind']:<8} {i['value']}  ({flag}, from {i['source'] or '-'})")
    for m in c["merges"]:
        state = f"undone {_when(m['undone_at'])}" if m["undone_at"] else "active"
        click.echo(f"  merge {m['id']}: {m['absorbed']} -> {m['survivor']} ({state})")
    click.echo("journeys:")
    for j in c["journeys"]:
        fcr = "FCR" if j["fcr"] else ("resolved" if j["resolved"] else "unresolved")
        click.echo(
            f"  {_when(j['first_at'])} {j['intent'] or '-'}: {j['contacts']} contact(s), "
            f"{'+'.join(j['media']) or '-'}, {j['duration_s']:.0f} s, {fcr}"
        )
    click.echo("timeline:")
    for s in c["timeline"]:
        click.echo(f"  {one_line(s)}  [{s['interaction']}]")
        if s["path"]:
            click.echo(f"      flow {s['flow']}: {' > '.join(s['path'])}")
        if s["notes"] or s["recordings"]:
            click.echo(f"      notes: {s['notes'] or '-'}  recordings: {s['recordings']}")


@customers.command("search")
@click.argument("term")
@click.option("--limit", default=20, show_default=True)
@as_user
@as_json
@click.pass_context
def search(ctx: click.Context, term: str, limit: int, user: str, as_json: bool) -> None:
    """By id, identity (or its prefix: +4420, ann@), kind:value, name or any field."""
    try:
        found = _access(ctx).search(user, term, limit)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps(found, default=str))
        return
    for c in found:
        ids = ", ".join(f"{i['kind']}:{i['value']}" for i in c.get("identities", []))
        click.echo(f"{c['id']}  {c.get('name') or '-'}  {ids}")
    if not found:
        click.echo("no customer found")


@customers.command("import")
@click.argument("csv_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--verified",
    default="account",
    show_default=True,
    help="Identity kinds the CRM vouches for when a line has no `verified` column.",
)
@as_user
@click.pass_context
def import_(ctx: click.Context, csv_path: Path, verified: str, user: str) -> None:
    """Import or update customers from a CRM export (CSV); bad lines are listed, not fatal."""
    from calldesk.customers.importer import count_lines, import_csv

    access = _access(ctx)
    try:
        access._user(user, ("supervisor", "admin"), "import customers")
        total = count_lines(csv_path) if csv_path.is_file() else 0
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            result = import_csv(
                access.service,
                csv_path,
                access.clock(),
                tuple(verified.replace(",", " ").split()),
                progress=bar.update,
            )
    except CalldeskError as exc:
        raise _fail(exc) from exc
    access.journal.append(
        "customer.imported",
        "customers",
        {
            "by": user,
            "file": csv_path.name,
            "lines": result.lines,
            "created": result.created,
            "updated": result.updated,
            "errors": len(result.errors),
        },
        access.clock(),
    )
    for err in result.errors:
        click.echo(err, err=True)
    click.echo(
        f"{result.lines} line(s): {result.created} created, {result.updated} updated, "
        f"{len(result.errors)} refused"
    )
    if result.errors:
        raise SystemExit(1)


@customers.command("merge")
@click.argument("survivor")
@click.argument("absorbed")
@as_user
@click.pass_context
def merge(ctx: click.Context, survivor: str, absorbed: str, user: str) -> None:
    """Merge ABSORBED into SURVIVOR (journaled; undo with `unmerge`)."""
    try:
        mid = _access(ctx).merge(user, survivor, absorbed)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(f"merge {mid}: {absorbed} merged into {survivor}")


@customers.command("unmerge")
@click.argument("merge_id", type=int)
@as_user
@click.pass_context
def unmerge(ctx: click.Context, merge_id: int, user: str) -> None:
    """Undo a merge: the absorbed customer gets back what it moved."""
    try:
        out = _access(ctx).unmerge(user, merge_id)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"merge {merge_id} undone: {out['absorbed']} restored "
        f"({out['identities']} identities, {out['interactions']} interactions)"
    )


@customers.command("export")
@click.argument("customer")
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of stdout.",
)
@as_user
@click.pass_context
def export(ctx: click.Context, customer: str, out_path: Path | None, user: str) -> None:
    """Everything held on a customer (a subject access request), as JSON."""
    try:
        data = _access(ctx).export(user, customer)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    text = json.dumps(data, indent=2, default=str)
    if out_path:
        out_path.write_text(text + "\n")
        click.echo(f"{out_path}: {len(data['interactions'])} interaction(s) exported")
    else:
        click.echo(text)


@customers.command("erase")
@click.argument("customer")
@click.option("--yes", is_flag=True, help="Do it (erasure cannot be undone).")
@as_user
@click.pass_context
def erase(ctx: click.Context, customer: str, yes: bool, user: str) -> None:
    """Remove a customer's PII; keep the anonymous statistics."""
    if not yes:
        raise click.ClickException("erasure cannot be undone: add --yes")
    try:
        out = _access(ctx).erase(user, customer)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"{out['customer']} erased: {out['identities']} identities, "
        f"{out['contexts']} contexts, {out['journal_entries']} journal entries scrubbed "
        f"over {out['interactions']} interaction(s)"
    )


@customers.command("retention")
@as_user
@click.pass_context
def retention(ctx: click.Context, user: str) -> None:
    """Redact the PII of interactions older than `customers.retention.<medium>.pii_days`, and
    erase the messages of conversations older than its `transcripts_days`."""
    try:
        done = _access(ctx).retention(user)
    except CalldeskError as exc:
        raise _fail(exc) from exc
    for medium, n in done.items():
        what = "message(s) erased" if medium.endswith(" transcripts") else "interaction(s) redacted"
        click.echo(f"{medium}: {n} {what}")
    if not done:
        click.echo("no retention configured (customers.retention)")


@customers.command("attach")
@as_user
@click.pass_context
def attach(ctx: click.Context, user: str) -> None:
    """Attach every journaled arrival not attached yet to its customer (rebuildable)."""
    access = _access(ctx)
    try:
        access._user(user, ("supervisor", "admin"), "attach interactions")
        n = Follower(access.service).catch_up()
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(f"{n} interaction(s) attached")
