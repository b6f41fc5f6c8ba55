"""`calldesk campaigns check|list`: the `campaigns:` of calldesk.yaml, validated at load."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from calldesk.cli.dialer_common import load_campaigns


@click.group("campaigns")
def campaigns() -> None:
    """Outbound campaigns (the `campaigns:` key of calldesk.yaml)."""


@campaigns.command("check")
@click.pass_context
def check_cmd(ctx: click.Context) -> None:
    """Validate every campaign: caller ID against the trunks' numbers, flows, windows, limits."""
    found = load_campaigns(ctx)
    click.echo(f"{len(found)} campaign(s) valid: {', '.join(c.name for c in found) or '-'}")


@campaigns.command("list")
@click.pass_context
def list_cmd(ctx: click.Context) -> None:
    """Print each campaign as JSON."""
    for c in load_campaigns(ctx):
        d = asdict(c)
        d["windows"] = [w.text() for w in c.windows]
        click.echo(json.dumps(d))
