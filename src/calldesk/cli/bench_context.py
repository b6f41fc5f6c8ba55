"""`calldesk bench context`: screen-pop context assembly and the day report on a generated
data set (registered in cli/bench.py)."""

from __future__ import annotations

import json

import click


@click.command("context")
@click.option("--customers", default=1_000_000, show_default=True, help="Customers generated.")
@click.option("--events", default=10_000_000, show_default=True, help="Journal events generated.")
@click.option(
    "--day",
    "day_interactions",
    default=100_000,
    show_default=True,
    help="Interactions on the reported day (part of --events).",
)
@click.option("--lookups", default=2000, show_default=True, help="Screen pops per round.")
@click.option("--rounds", default=3, show_default=True)
@click.option("--dir", "directory", default=None, help="Where the temporary store goes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def context(
    customers: int,
    events: int,
    day_interactions: int,
    lookups: int,
    rounds: int,
    directory: str | None,
    as_json: bool,
) -> None:
    """Identity lookup + screen pop p99 (goal < 5 ms at 1M customers, 10M events) and a day
    report of 100,000 interactions (goal < 2 s). The data set is made here and deleted."""
    from calldesk.bench.context import run

    if min(customers, events, lookups, rounds) <= 0 or day_interactions < 0:
        raise click.BadParameter("--customers, --events, --lookups, --rounds must be > 0")
    say = (lambda m: click.echo(m, err=True)) if as_json else click.echo
    result = run(customers, events, day_interactions, lookups, rounds, directory, say=say)
    if as_json:
        click.echo(json.dumps(result))
        return
    for key, value in result.items():
        click.echo(f"{key:>26}: {value}")
    click.echo("goals: screen_pop_p99_ms < 5, report_day_s < 2")
