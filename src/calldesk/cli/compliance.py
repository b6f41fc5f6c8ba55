"""`calldesk compliance report --campaign X --days 30 [--csv]`, from the ledger alone."""

from __future__ import annotations

import csv
import json
import sys
import time

import click

from calldesk.cli.dialer_common import open_dialer_store
from calldesk.dialer.compliance import report as build_report
from calldesk.dialer.store import LEDGER_FIELDS


@click.group("compliance")
def compliance() -> None:
    """Outbound compliance, proven from the attempt ledger."""


@compliance.command("report")
@click.option("--campaign", required=True)
@click.option("--days", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--until", "until", type=float, default=None, help="End (epoch seconds) [now].")
@click.option("--csv", "as_csv", is_flag=True, help="Print the violating calls as CSV.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None)
@click.pass_context
def report_cmd(ctx: click.Context, campaign: str, days: int, until: float | None, as_csv: bool,
               as_json: bool, store_path: str | None) -> None:  # fmt: skip
    """Abandon rate as the regulator computes it (abandoned / live answers over the period),
    and every call outside a window, to a do-not-call number, or with a ring under 15 s."""
    end = time.time() if until is None else until
    since = end - days * 86400
    rows = open_dialer_store(ctx, store_path).ledger(campaign, since, end)
    rep = build_report(campaign, rows, since, end)
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(["violation", "id", *LEDGER_FIELDS])
        for kind, items in rep.violations.items():
            for r in items:
                w.writerow([kind, r["id"], *(r.get(f) for f in LEDGER_FIELDS)])
        return
    d = rep.as_dict()
    if as_json:
        click.echo(json.dumps(d))
        return
    click.echo(
        f"campaign {campaign}, last {days} day(s): {rep.attempts} attempts, {rep.live_answers} "
        f"live answers, {rep.abandoned} abandoned: abandon rate {rep.abandon_rate:.2%}"
    )
    for kind, items in rep.violations.items():
        click.echo(f"  {kind.replace('_', ' ')}: {len(items)}")
        for r in items[:20]:
            click.echo(f"    #{r['id']} {r['number']} at {r['local_time']} ({r['outcome']})")
