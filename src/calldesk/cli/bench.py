"""`calldesk bench …`: benchmarks that print numbers measured side by side in one run."""

from __future__ import annotations

import json
from typing import Any

import click


def _print(result: dict[str, Any], width: int = 30) -> None:
    for key, value in result.items():
        click.echo(f"{key:>{width}}: {value}")


@click.group()
def bench() -> None:
    """Benchmarks (numbers, not tests)."""


@bench.command("esl")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--seconds", default=6.0, show_default=True, help="Measuring time in all.")
@click.option("--rounds", default=7, show_default=True, help="Pairs (calldesk, greenswitch).")
def bench_esl(as_json: bool, seconds: float, rounds: int) -> None:
    """ESL intake on the recorded traces: calldesk's real intake vs greenswitch, same bytes."""
    from calldesk.bench.esl_parse import run

    result = run(seconds=seconds, rounds=rounds)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(
        f"traces: {result['traces']} ({result['bytes_per_round']} bytes, "
        f"{result['events_per_round']} events); {rounds} pairs, CPU time"
    )
    click.echo(f"calldesk intake       : {result['events_per_s']:>10,} events/s (median)")
    click.echo(f"greenswitch + same reads: {result['greenswitch_events_per_s']:>8,} events/s")
    click.echo(
        f"ratio (median of pairs): {result['ratio']}x "
        f"(min {result['ratio_min']}, max {result['ratio_max']})"
    )
    click.echo(f"headers the intake reads: {', '.join(result['headers_read'])}")
    click.echo(
        f"prefix scans: {', '.join(result['prefixes_scanned']) or '-'}; "
        f"full walks on: {', '.join(result['full_walk_events']) or 'none'}"
    )
    if result["traces_greenswitch_cannot_parse"]:
        click.echo(
            f"greenswitch crashed on {result['traces_greenswitch_cannot_parse']} trace(s) "
            "(JSON events); left out of both sides"
        )


@bench.command("intake")
@click.option("--rate", default=5000.0, show_default=True, help="Events per second fired.")
@click.option("--seconds", default=30.0, show_default=True)
@click.option("--legs", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_intake(rate: float, seconds: float, legs: int, as_json: bool) -> None:
    """Controller event intake over TCP from the simulated switch (in its own process); lag
    from the frame's arrival at the controller's socket to its handler."""
    from calldesk.bench.intake import run

    result = run(rate=rate, seconds=seconds, legs=legs)
    if as_json:
        click.echo(json.dumps(result))
        return
    _print(result, 24)


@bench.command("acd")
@click.option("--rate", default=100.0, show_default=True, help="Calls per second placed.")
@click.option("--seconds", default=60.0, show_default=True)
@click.option("--agents", type=int, help="Agents (default: sized from the rate).")
@click.option("--json", "as_json", is_flag=True)
def bench_acd(rate: float, seconds: float, agents: int | None, as_json: bool) -> None:
    """ACD end to end over TCP: enqueue -> offer -> originate -> bridge (sim in its own process)."""
    from calldesk.bench.acd import run

    result = run(rate=rate, seconds=seconds, agents=agents)
    if as_json:
        click.echo(json.dumps(result))
        return
    _print(result, 36)


@bench.command("inbound")
@click.option("--start", default=25.0, show_default=True, help="First rate, calls/s.")
@click.option("--step", default=25.0, show_default=True, help="Rate added per stage.")
@click.option("--max-rate", default=400.0, show_default=True)
@click.option("--stage-seconds", default=30.0, show_default=True,
              help="Seconds each stage places calls (a backlog hides in short ones).")
@click.option("--json", "as_json", is_flag=True)
def bench_inbound(
    start: float, step: float, max_rate: float, stage_seconds: float, as_json: bool
) -> None:
    """Calls/s through IVR -> queue -> agent on the simulated switch, ramping until a call is
    lost or left stuck."""
    from calldesk.bench.inbound import run

    result = run(start=start, step=step, max_rate=max_rate, stage_seconds=stage_seconds)
    if as_json:
        click.echo(json.dumps(result))
        return
    for stage in result["stages"]:
        click.echo(json.dumps(stage))
    _print({k: v for k, v in result.items() if k != "stages"}, 20)


@bench.command("routing")
@click.option("--decisions", default=20000, show_default=True)
@click.option("--seed", default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def bench_routing(decisions: int, seed: int, as_json: bool) -> None:
    """Routing decisions in the pure ACD core (1,000 agents, 50 queues, 5,000 waiting), CPU
    time, GC pauses apart."""
    from calldesk.bench.routing import run

    result = run(decisions, seed)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"set-up: {result['setup']}; {result['clock']}")
    click.echo(f"{'decision':28}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'mean ms':>9}")
    for label, key in (
        ("agent freed -> best", "agent_freed"),
        ("arrival, nobody free", "arrival_nobody_free"),
        ("arrival, ~200 idle", "arrival_200_idle"),
    ):
        f = result[key]
        click.echo(
            f"{label:28}{f['p50_ms']:9.3f}{f['p99_ms']:9.3f}{f['max_ms']:9.3f}{f['mean_ms']:9.3f}"
        )
    g = result["gc_pauses"]
    click.echo(
        f"GC pauses (apart): {g['count']}, total {g['total_ms']} ms, longest {g['max_ms']} ms"
    )


bench.add_command(__import__("calldesk.cli.bench_context", fromlist=["context"]).context)
bench.add_command(__import__("calldesk.cli.bench_api", fromlist=["bench_api"]).bench_api)
