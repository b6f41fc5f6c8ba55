"""`calldesk bench api`: API and push latency with agents on WebSocket under call load."""

from __future__ import annotations

import json

import click


@click.command("api")
@click.option("--rate", default=50.0, show_default=True, help="Calls per second placed.")
@click.option("--seconds", default=20.0, show_default=True)
@click.option("--agents", default=200, show_default=True, help="Agents on WebSocket.")
@click.option("--rps", default=200.0, show_default=True, help="API requests per second.")
@click.option("--rounds", default=3, show_default=True, help="Rounds; figures are their median.")
@click.option(
    "--new-connections",
    is_flag=True,
    help="A new TCP connection per API request (default: kept-alive connections).",
)
@click.option("--json", "as_json", is_flag=True)
def bench_api(
    rate: float,
    seconds: float,
    agents: int,
    rps: float,
    rounds: int,
    new_connections: bool,
    as_json: bool,
) -> None:
    """One serve on the simulated switch at RATE calls/s, AGENTS WebSockets, RPS requests/s."""
    from calldesk.bench.api import run

    result = run(
        rounds=rounds,
        rate=rate,
        seconds=seconds,
        agents=agents,
        rps=rps,
        keepalive=not new_connections,
    )
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        if key == "rounds":
            continue
        click.echo(f"{key:>24}: {value}")
    click.echo("goals: api_p99_ms < 50, push_p99_ms < 50, lost_events 0")
