"""`calldesk campaigns check|list`: the `campaigns:` of calldesk.yaml, validated at load."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from calldesk.cli.common import ACTOR_OPTION, STORE_OPTION, control
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


@campaigns.command("pause")
@click.argument("name")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def pause_cmd(ctx: click.Context, name: str, store_path: str | None, actor: str) -> None:
    """Stop NAME's new attempts in the running controller (no live call is hung up)."""
    r = control(ctx, store_path, actor, "campaign.pause", {"name": name})
    click.echo(f"{r['campaign']}: {r['state']} ({r['live']} call(s) up)")


@campaigns.command("resume")
@click.argument("name")
@STORE_OPTION
@ACTOR_OPTION
@click.pass_context
def resume_cmd(ctx: click.Context, name: str, store_path: str | None, actor: str) -> None:
    """Let NAME place attempts again."""
    r = control(ctx, store_path, actor, "campaign.resume", {"name": name})
    click.echo(f"{r['campaign']}: {r['state']}")
