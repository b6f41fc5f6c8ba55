"""`calldesk bench digital`: the chat/SMS benchmark (registered on the bench group)."""

from __future__ import annotations

import json

import click


@click.command("digital")
@click.option("--conversations", default=1000, show_default=True, help="Concurrent chats.")
@click.option("--rate", default=200.0, show_default=True, help="Chat messages per second.")
@click.option("--seconds", default=20.0, show_default=True, help="How long the load runs.")
@click.option("--sms-per-s", default=50.0, show_default=True, help="Inbound SMS per second.")
@click.option("--calls-per-s", default=20.0, show_default=True, help="Voice calls per second.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_digital(
    conversations: int,
    rate: float,
    seconds: float,
    sms_per_s: float,
    calls_per_s: float,
    as_json: bool,
) -> None:
    """Message accepted → the agent's WebSocket (p50/p99) through one `serve` on the simulated
    switch, with SMS webhooks and calls arriving meanwhile."""
    from calldesk.bench.digital import run

    result = run(conversations, rate, seconds, sms_per_s, calls_per_s)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:<28} {value}")
