"""`calldesk users …`: passwords and API tokens for the HTTP API, kept in the store (argon2id
hashes; tokens as sha256, shown once). Never in calldesk.yaml. Users and roles come from the
configuration's `users:` (and every ACD agent is an agent user of its own id)."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

import click

from calldesk.auth import Directory
from calldesk.cli.common import get_config
from calldesk.dispatch.controls import acd_config
from calldesk.errors import CalldeskError
from calldesk.service.access import with_agent_users
from calldesk.store import Store
from calldesk.web.credentials import Credentials


def _open(ctx: click.Context) -> tuple[Directory, Credentials]:
    config = get_config(ctx)
    try:
        directory = Directory.from_config(config["users"], config["teams"])
        with_agent_users(directory, [(a.id, a.name) for a in acd_config(config.data).agents])
    except CalldeskError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    store = Store.open(config.path("store.path"))
    ctx.call_on_close(store.close)
    return directory, Credentials(store, time.time)


def _known(directory: Directory, user: str) -> None:
    if user not in directory.users:
        raise click.ClickException(f"unknown user {user!r} (not in users: nor an ACD agent)")


def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M") if t else "-"


@click.group()
def users() -> None:
    """Passwords and API tokens of the HTTP API's users."""


@users.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Every user, their role and whether they can log in."""
    directory, creds = _open(ctx)
    for u in sorted(directory.users.values(), key=lambda u: u.id):
        tokens = sum(1 for t in creds.tokens(u.id) if t.revoked_at is None)
        pw = "password" if creds.has_password(u.id) else "no password"
        click.echo(f"{u.id:<16} {u.role:<10} {pw:<12} tokens={tokens}")


@users.command("set-password")
@click.argument("user")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def set_password(ctx: click.Context, user: str, password_stdin: bool) -> None:
    """Set USER's password (asked twice, hidden; at least 10 characters)."""
    directory, creds = _open(ctx)
    _known(directory, user)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        creds.set_password(user, password)
    except CalldeskError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user}: password set")


@users.group("token")
def token() -> None:
    """API tokens for integrations (Authorization: Bearer …)."""


@token.command("create")
@click.argument("user")
@click.option("--label", default="", help="What the token is for.")
@click.pass_context
def token_create(ctx: click.Context, user: str, label: str) -> None:
    """Create a token for USER and print it once (only its hash is kept)."""
    directory, creds = _open(ctx)
    _known(directory, user)
    tid, secret = creds.create_token(user, label)
    click.echo(f"token {tid} for {user} (shown once, keep it safe):")
    click.echo(secret)


@token.command("revoke")
@click.argument("token_id")
@click.pass_context
def token_revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke a token by its id (the part after cdk_)."""
    _, creds = _open(ctx)
    if not creds.revoke_token(token_id):
        raise click.ClickException(f"no active token {token_id!r}")
    click.echo(f"token {token_id}: revoked")


@token.command("list")
@click.argument("user", required=False)
@click.pass_context
def token_list(ctx: click.Context, user: str | None) -> None:
    """Tokens (ids, labels, dates; never the secrets)."""
    _, creds = _open(ctx)
    for t in creds.tokens(user):
        state = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
        click.echo(
            f"{t.id}  {t.user:<12} {t.label or '-':<16} created {_when(t.created_at)}  {state}"
        )
