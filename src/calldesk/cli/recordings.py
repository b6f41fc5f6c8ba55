"""`calldesk recordings …`: search, show, export, legal hold, retention and repair.

Every command names its user with `--as USER` (a `users:` entry); access is role-checked and
journaled. These work on the store and the recordings folder, so no running controller is needed.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from calldesk.auth import Directory, PermissionDenied
from calldesk.cli.common import get_config
from calldesk.errors import CalldeskError, ConfigError
from calldesk.recording.access import RecordingAccess
from calldesk.recording.index import RecordingIndex, Row
from calldesk.store import Store

as_user = click.option("--as", "user", required=True, help="Who is asking (a users: id).")


def _access(ctx: click.Context) -> RecordingAccess:
    config = get_config(ctx)
    try:
        directory = Directory.from_config(config["users"], config["teams"])
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    store = Store.open(config.path("store.path"))
    ctx.call_on_close(store.close)
    return RecordingAccess(
        RecordingIndex(store.db), directory, store.journal, config.path("recordings.dir")
    )


def _date(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
    except ValueError as exc:
        raise click.BadParameter(f"not a date (YYYY-MM-DD[THH:MM]): {text!r}") from exc


def _line(r: Row) -> str:
    when = datetime.fromtimestamp(r.started_at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
    dur = f"{r.duration:.1f}s" if r.duration is not None else "-"
    hold = " HOLD" if r.legal_hold else ""
    return f"{r.id}  {when}  {r.interaction}  agent={r.agent or '-'}  queue={r.queue or '-'}  {dur}  {r.status}{hold}"


def _fail(exc: Exception) -> click.ClickException:
    prefix = "refused" if isinstance(exc, PermissionDenied) else "error"
    return click.ClickException(f"{prefix}: {exc}")


@click.group()
def recordings() -> None:
    """Recorded calls: search, show, export (role-checked, every access journaled)."""


@recordings.command("list")
@as_user
@click.option("--interaction")
@click.option("--agent")
@click.option("--queue")
@click.option("--since", help="Start date, UTC (YYYY-MM-DD).")
@click.option("--until", help="End date, UTC, exclusive.")
@click.option("--limit", default=200, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(
    ctx: click.Context,
    user: str,
    interaction: str | None,
    agent: str | None,
    queue: str | None,
    since: str | None,
    until: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """Recordings this user may see, oldest first."""
    try:
        rows = _access(ctx).list(
            user,
            time.time(),
            interaction=interaction,
            agent=agent,
            queue=queue,
            since=_date(since),
            until=_date(until),
            limit=limit,
        )
    except CalldeskError as exc:
        raise _fail(exc) from exc
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], indent=2))
    else:
        for r in rows:
            click.echo(_line(r))
        click.echo(f"{len(rows)} recording(s)")


@recordings.command("show")
@as_user
@click.argument("rec_id")
@click.pass_context
def show(ctx: click.Context, user: str, rec_id: str) -> None:
    """Everything the index knows about one recording."""
    try:
        row = _access(ctx).show(user, rec_id, time.time())
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(json.dumps(row.as_dict(), indent=2))


@recordings.command("export")
@as_user
@click.argument("rec_id")
@click.option(
    "--to", "dest", required=True, type=click.Path(path_type=Path), help="File or folder."
)
@click.pass_context
def export(ctx: click.Context, user: str, rec_id: str, dest: Path) -> None:
    """Copy the WAV out after checking its sha256."""
    try:
        target = _access(ctx).export(user, rec_id, dest, time.time())
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(f"exported {rec_id} to {target}")


@recordings.command("hold")
@as_user
@click.argument("rec_id")
@click.option("--release", is_flag=True, help="Lift the legal hold.")
@click.pass_context
def hold(ctx: click.Context, user: str, rec_id: str, release: bool) -> None:
    """Put a legal hold on a recording (admins): retention will not purge it."""
    try:
        _access(ctx).set_legal_hold(user, rec_id, not release, time.time())
    except CalldeskError as exc:
        raise _fail(exc) from exc
    click.echo(f"{rec_id}: legal hold {'released' if release else 'set'}")


@recordings.command("purge")
@as_user
@click.pass_context
def purge(ctx: click.Context, user: str) -> None:
    """Run retention now (admins): purge what is past its policy's days (else the voice medium's
    `customers.retention.voice.recordings_days`), except legal holds."""
    from calldesk.customers.settings import Settings
    from calldesk.recording.retention import purge_due

    acc = _access(ctx)
    u = acc.directory.users.get(user)
    if u is None or u.role != "admin":
        raise click.ClickException(f"refused: {user} may not purge recordings: admins only")
    voice = Settings.from_config(get_config(ctx)["customers"]).retention.get("voice", {})
    default = int(voice.get("recordings_days", 0)) or None
    report = purge_due(acc.index, acc.journal, acc.base_dir, time.time(), default)
    click.echo(f"purged {len(report.purged)}, kept under legal hold {len(report.held)}")


@recordings.command("repair")
@as_user
@click.option(
    "--offline",
    is_flag=True,
    help="Confirm nothing is recording now (a file being written looks broken too).",
)
@click.pass_context
def repair(ctx: click.Context, user: str, offline: bool) -> None:
    """Repair broken WAV headers and settle unfinished rows (admins; the controller does it at start)."""
    from calldesk.recording.integrity import startup_repair

    if not offline:
        raise click.ClickException("refused: pass --offline to confirm nothing is recording now")
    acc = _access(ctx)
    u = acc.directory.users.get(user)
    if u is None or u.role != "admin":
        raise click.ClickException(f"refused: {user} may not repair recordings: admins only")
    report = startup_repair(acc.index, acc.journal, acc.base_dir, time.time())
    click.echo(
        f"repaired {len(report.repaired)}, verified {len(report.completed)}, "
        f"missing {len(report.missing)}, unreadable {len(report.unreadable)}"
    )
