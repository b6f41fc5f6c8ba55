"""`calldesk flows test FLOW --medium chat|sms|email`: print the conversation."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from calldesk.digital.scripted import run_scripted
from calldesk.ivr.errors import FlowInvalid
from calldesk.ivr.text import check_medium


def show_conversation(
    flow: Any, runner: Any, medium: str, script: list[str], caller: str, name: str, now: datetime
) -> None:
    errors = check_medium(flow, medium)
    if errors:
        for e in errors:
            click.echo(str(e), err=True)
        raise SystemExit(1)
    try:
        chat = run_scripted(flow, runner, medium, script, caller, name, now.timestamp)
    except (FlowInvalid, TimeoutError) as exc:
        raise click.ClickException(str(exc)) from None
    for author, text in chat.transcript:
        who = "customer" if author == "customer" else author
        for i, line in enumerate(text.splitlines() or [""]):
            click.echo(f"  {who + ':' if i == 0 else '':<10} {line}")
    out = chat.outcome
    if out is None:
        raise click.ClickException("the flow failed (see the log)")
    for i, step in enumerate(out.path, 1):
        click.echo(f"  {i:>2}. {step}")
    detail = ""
    if out.status == "enqueued" and chat.handoff.requests:
        req = chat.handoff.requests[-1]
        detail = f" to {req.queue} (priority {req.priority}, skills {req.skills or '{}'})"
    click.echo(f"result: {out.status}{detail}")
    shown = {k: v for k, v in out.variables.items() if not k.startswith("_")}
    if shown:
        click.echo("variables: " + json.dumps(shown, default=str))
