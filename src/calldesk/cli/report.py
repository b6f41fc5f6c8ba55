"""`calldesk report …`: reports computed from the journal (rebuildable at any time)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click

from calldesk.cli.common import get_config
from calldesk.customers.settings import Settings
from calldesk.errors import ConfigError
from calldesk.reports.interval import parse_by, parse_step
from calldesk.reports.source import interval_report, iso, to_csv
from calldesk.store import Store


def _date(text: str, name: str) -> float:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise click.BadParameter(
            f"not a date (YYYY-MM-DD[THH:MM]): {text!r}", param_hint=name
        ) from None


@click.group()
def report() -> None:
    """Reports from the journal (interval figures per queue, medium and agent)."""


@report.command("interval")
@click.option("--from", "start", required=True, help="Start (UTC), YYYY-MM-DD[THH:MM].")
@click.option("--to", "end", required=True, help="End (UTC, excluded).")
@click.option("--by", "by", default="queue", show_default=True, help="queue,medium,agent")
@click.option("--step", default="15m", show_default=True, help="15m, 30m, 1h or 1d.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@click.pass_context
def interval(
    ctx: click.Context, start: str, end: str, by: str, step: str, as_csv: bool, as_json: bool
) -> None:
    """Offered, answered, abandoned, service level, ASA, AHT, transfers, FCR and CSAT."""
    t0, t1 = _date(start, "--from"), _date(end, "--to")
    if t1 <= t0:
        raise click.BadParameter("must be after --from", param_hint="--to")
    try:
        step_s, dims = parse_step(step), parse_by(by)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    config = get_config(ctx)
    try:
        settings = Settings.from_config(config["customers"])
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    sl = {
        q["name"]: float(q.get("sl_seconds", 20)) for q in config["queues"] if isinstance(q, dict)
    }
    store = Store.open(config.path("store.path"))
    try:
        rows = interval_report(store, t0, t1, step_s, dims, sl, settings.fcr_window_s)
    finally:
        store.close()
    if as_csv:
        click.echo(to_csv(rows, dims), nl=False)
        return
    if as_json:
        click.echo(json.dumps([{**r, "start": iso(r["start"])} for r in rows]))
        return
    head = f"{'start':<20} " + " ".join(f"{d:<10}" for d in dims)
    click.echo(head + "  offered answered abandoned    SL   ASA   AHT  FCR  CSAT")
    for r in rows:
        labels = " ".join(f"{str(r[d]):<10}" for d in dims)
        click.echo(
            f"{iso(r['start']):<20} {labels}  {r['offered']:>7} {r['answered']:>8} "
            f"{r['abandoned']:>9} {_pct(r['service_level'])} {_num(r['asa_s'])} "
            f"{_num(r['aht_s'])} {_pct(r['fcr'])} {_num(r['csat'])}"
        )
    if not rows:
        click.echo("no interactions in this period")


def _pct(v: float | None) -> str:
    return "    -" if v is None else f"{v * 100:4.0f}%"


def _num(v: float | None) -> str:
    return "    -" if v is None else f"{v:5.0f}"


@report.command("rebuild")
@click.pass_context
def rebuild(ctx: click.Context) -> None:
    """Drop the report facts and fold the whole journal again."""
    from calldesk.reports.source import Facts

    config = get_config(ctx)
    try:
        settings = Settings.from_config(config["customers"])
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    store = Store.open(config.path("store.path"))
    try:
        n = Facts(store, settings.fcr_window_s).rebuild()
    finally:
        store.close()
    click.echo(f"report facts rebuilt from {n} journal entries")
