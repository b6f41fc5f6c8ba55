"""`calldesk fsconf render|check`: the FreeSWITCH configuration, rendered from calldesk.yaml."""

from __future__ import annotations

import os
from pathlib import Path

import click

from calldesk.cli.common import get_config
from calldesk.errors import ConfigError
from calldesk.fsconf import FsconfError, check_dir, render_config
from calldesk.fsconf.credentials import SipCredentials
from calldesk.store.database import Store


@click.group()
def fsconf() -> None:
    """Render and check the FreeSWITCH configuration calldesk needs."""


@fsconf.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False),
    default="var/freeswitch",
    show_default=True,
    help="Directory to write (freeswitch -conf DIR).",
)
@click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Template directory (default: freeswitch-conf/ of this checkout).",
)
@click.pass_context
def render(ctx: click.Context, out: str, templates: str | None) -> None:
    """Render calldesk.yaml into a FreeSWITCH 1.10 configuration directory.

    Agents' SIP passwords are generated once and kept in the store (sip_credentials)."""
    config = get_config(ctx)
    store = Store.open(config.path("store.path"))
    try:
        result = render_config(
            config,
            Path(out),
            env=os.environ,
            credentials=SipCredentials(store.db),
            templates=Path(templates) if templates else None,
        )
    except ConfigError as exc:
        raise click.ClickException(f"refused: {exc}") from exc
    except FsconfError as exc:
        for p in exc.problems:
            click.echo(f"refused: {p}", err=True)
        raise click.ClickException(f"{len(exc.problems)} problem(s); nothing written") from exc
    finally:
        store.close()
    m = result.model
    click.echo(
        f"wrote {len(result.files)} files to {out}: {len(m.users)} agent phone(s), "
        f"{len(m.trunks)} trunk(s), {sum(len(t.dids) for t in m.trunks)} DID(s)"
    )
    for agent in m.skipped_agents:
        click.echo(f"note: agent {agent!r} has no user/NNNN contact, so no SIP account", err=True)


@fsconf.command()
@click.argument("directory", type=click.Path(file_okay=False))
def check(directory: str) -> None:
    """Check a configuration directory (XML, includes, security rules) without FreeSWITCH."""
    problems = check_dir(Path(directory))
    for p in problems:
        click.echo(f"{directory}/{p}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {directory}")
    click.echo(f"{directory}: ok")
