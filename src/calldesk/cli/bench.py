"""`calldesk bench …`: benchmarks that print numbers measured side by side in one run."""

from __future__ import annotations

import json

import click


@click.group()
def bench() -> None:
    """Benchmarks (numbers, not tests)."""


@bench.command("esl")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--seconds", default=3.0, show_default=True, help="Measuring time per side.")
def bench_esl(as_json: bool, seconds: float) -> None:
    """ESL parse throughput on the recorded traces, ours vs greenswitch's ESLEvent."""
    from calldesk.bench.esl_parse import run

    result = run(seconds=seconds)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(
        f"traces: {result['traces']} ({result['bytes_per_round']} bytes, {result['events_per_round']} events)"
    )
    click.echo(f"calldesk FrameReader : {result['events_per_s']:>10,} events/s")
    click.echo(f"greenswitch ESLEvent : {result['greenswitch_events_per_s']:>10,} events/s")
    click.echo(f"ratio                : {result['ratio']}x (target >= 3x)")
    if result["traces_greenswitch_cannot_parse"]:
        click.echo(
            f"greenswitch crashed on {result['traces_greenswitch_cannot_parse']} trace(s) (JSON events); left out of both sides"
        )


@bench.command("intake")
@click.option(
    "--rate", default=5000.0, show_default=True, help="Events per second the switch fires."
)
@click.option("--seconds", default=10.0, show_default=True)
@click.option("--legs", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_intake(rate: float, seconds: float, legs: int, as_json: bool) -> None:
    """Controller event intake over TCP from the simulated switch (in its own process)."""
    from calldesk.bench.intake import run

    result = run(rate=rate, seconds=seconds, legs=legs)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:>24}: {value}")
    click.echo("target: 5,000 events/s with handler lag p99 < 100 ms")


@bench.command("acd")
@click.option("--rate", default=100.0, show_default=True, help="Calls per second placed.")
@click.option("--seconds", default=60.0, show_default=True)
@click.option("--agents", default=300, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_acd(rate: float, seconds: float, agents: int, as_json: bool) -> None:
    """ACD end to end over TCP: enqueue -> offer -> originate -> bridge (sim in its own process)."""
    from calldesk.dispatch.bench import run

    result = run(rate=rate, seconds=seconds, agents=agents)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:>36}: {value}")
    click.echo("target: 100 calls/s for 60 s, enqueue -> originate p99 < 50 ms")


bench.add_command(__import__("calldesk.cli.bench_api", fromlist=["bench_api"]).bench_api)
