"""`calldesk bench digital`: the chat/SMS benchmark (registered on the bench group)."""

from __future__ import annotations

import json

import click


@click.command("digital")
@click.option("--conversations", default=1000, show_default=True, help="Concurrent chats.")
@click.option("--messages", default=5000, show_default=True, help="Chat messages to time.")
@click.option("--rate", default=500.0, show_default=True, help="Chat messages per second.")
@click.option("--sms-per-s", default=50.0, show_default=True, help="Inbound SMS per second.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bench_digital(
    conversations: int, messages: int, rate: float, sms_per_s: float, as_json: bool
) -> None:
    """Message accepted → agent's push queue (p50/p99), with SMS arriving meanwhile."""
    import logging

    from calldesk.bench.digital import run

    logging.getLogger("calldesk").setLevel(logging.ERROR)
    result = run(conversations, messages, rate, sms_per_s)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:<28} {value}")
