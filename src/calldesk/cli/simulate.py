"""`calldesk simulate`: capacity planning in virtual time, beside Erlang C and Erlang A.

`--outbound` runs the dialer's pacing core instead (see `calldesk.cli.simulate_outbound`)."""

from __future__ import annotations

import json
import time
from typing import Any

import click

from calldesk.cli.simulate_outbound import outbound_options, run_outbound
from calldesk.errors import ConfigError
from calldesk.sim.virtual.engine import SimResult
from calldesk.sim.virtual.engine import simulate as run_simulation
from calldesk.sim.virtual.erlang import Prediction, erlang_a, erlang_c
from calldesk.sim.virtual.model import Scenario, single_queue
from calldesk.sim.virtual.scenario import load_scenario

FIGURES = ("service_level", "abandon_rate", "asa_s", "occupancy")


def _predictions(sc: Scenario, queue: str | None, staff: int) -> tuple[Prediction, Prediction]:
    streams = [t for t in sc.traffic if queue is None or t.queue == queue]
    cph = sum(t.calls_per_hour for t in streams)
    if not streams or cph <= 0:
        zero = Prediction(1.0, 0.0, 0.0, 0.0, 0.0)
        return zero, zero
    aht = sum(t.calls_per_hour * t.aht_s for t in streams) / cph
    pats = [t.patience_s for t in streams]
    patience = (
        0.0 if None in pats else sum(t.calls_per_hour * (t.patience_s or 0) for t in streams) / cph
    )
    return (
        erlang_a(staff, cph, aht, patience, sc.sl_seconds),
        erlang_c(staff, cph, aht, sc.sl_seconds),
    )


def report(result: SimResult) -> dict[str, Any]:
    """The JSON object: totals, Erlang predictions with the same names, and per-queue figures."""
    sc = result.scenario
    out: dict[str, Any] = result.total.figures(result.staff(), result.horizon_s)
    a, c = _predictions(sc, None, result.staff())
    out["erlang_a"], out["erlang_c"] = a.as_dict(), c.as_dict()
    out["inputs"] = {
        "agents": result.staff(),
        "hours": sc.hours,
        "sl_seconds": sc.sl_seconds,
        "seed": sc.seed,
        "traffic": [vars(t) for t in sc.traffic],
    }
    if len(sc.queues) > 1:
        out["erlang_note"] = MULTI_NOTE
        out["queues"] = {}
        busy = 0.0
        for q in sc.queues:
            staff, units = result.staff(q.name), result.units(q.name)
            res = result.queues[q.name]
            busy += res.handle_s / units
            fig: dict[str, Any] = res.figures(staff, result.horizon_s, units)
            # dedicated-agent approximation: each agent is `units` servers for this medium
            qa, qc = _predictions(sc, q.name, staff * units)
            fig["agents"], fig["erlang_a"], fig["erlang_c"] = staff, qa.as_dict(), qc.as_dict()
            out["queues"][q.name] = fig
        n = result.staff()
        out["occupancy"] = busy / (n * result.horizon_s) if n and result.horizon_s else 0.0
    return out


MULTI_NOTE = (
    "several queues: top-level Erlang figures pool all traffic on all agents; per-queue Erlang "
    "figures treat the queue's member agents as dedicated (chat agents as several servers)"
)


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:6.1f} %"


def _sec(v: float | None) -> str:
    return "unbounded" if v is None else f"{v:6.1f} s"


def _table(fig: dict[str, Any]) -> list[str]:
    a, c = fig["erlang_a"], fig["erlang_c"]
    rows = [f"{'':16}{'simulated':>12}{'Erlang A':>12}{'Erlang C':>12}"]
    for label, key, fmt in (
        ("service level", "service_level", _pct),
        ("ASA", "asa_s", _sec),
        ("abandon rate", "abandon_rate", _pct),
        ("occupancy", "occupancy", _pct),
    ):
        rows.append(f"{label:16}{fmt(fig[key]):>12}{fmt(a[key]):>12}{fmt(c[key]):>12}")
    rows.append(f"{'longest wait':16}{_sec(fig['longest_wait_s']):>12}")
    rows.append(
        f"{'calls':16}{fig['offered']:>12} offered, {fig['answered']} answered, "
        f"{fig['abandoned']} abandoned"
    )
    return rows


@click.command("simulate")
@click.option("--agents", type=click.IntRange(min=0), default=10, show_default=True)
@click.option("--calls-per-hour", type=click.FloatRange(min=0), default=100.0, show_default=True)
@click.option("--aht", type=click.FloatRange(min=0, min_open=True), default=180.0, show_default=True,
              help="Average handle time, seconds.")  # fmt: skip
@click.option("--patience", type=click.FloatRange(min=0), default=120.0, show_default=True,
              help="Mean caller patience, seconds (exponential); 0 = callers never hang up.")  # fmt: skip
@click.option("--hours", type=click.FloatRange(min=0), default=None, help="Simulated hours [8].")
@click.option("--sl-seconds", type=click.FloatRange(min=0), default=None,
              help="Service-level threshold, seconds [20].")  # fmt: skip
@click.option("--seed", type=int, default=None, help="Random seed [1].")
@click.option("--handle", type=click.Choice(["exponential", "lognormal"]), default="exponential",
              show_default=True, help="Handle-time distribution.")  # fmt: skip
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False), default=None,
              help="YAML scenario with several queues, skills and traffic streams.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@outbound_options
def simulate(
    agents: int,
    calls_per_hour: float,
    aht: float,
    patience: float,
    hours: float | None,
    sl_seconds: float | None,
    seed: int | None,
    handle: str,
    scenario: str | None,
    as_json: bool,
    outbound: bool,
    **outbound_kw: Any,
) -> None:
    """Run the ACD core in virtual time (Poisson arrivals, exponential patience).

    With --outbound: the dialer's pacing core on a simulated campaign, beside the Erlang-B
    floor, the VICIdial-style baseline and progressive on the same scenario."""
    if outbound:
        if scenario:
            raise click.ClickException("--scenario: not available with --outbound")
        run_outbound(agents, hours, seed, as_json, outbound_kw)
        return
    if scenario:
        try:
            sc = load_scenario(scenario)
        except ConfigError as e:
            raise click.ClickException(f"scenario refused: {e}") from e
        sc = Scenario(
            sc.queues, sc.agents, sc.traffic,
            hours=sc.hours if hours is None else hours,
            sl_seconds=sc.sl_seconds if sl_seconds is None else sl_seconds,
            seed=sc.seed if seed is None else seed, rules=sc.rules, policy=sc.policy,
        )  # fmt: skip
    else:
        sc = single_queue(
            agents, calls_per_hour, aht, patience or None, 8.0 if hours is None else hours,
            20.0 if sl_seconds is None else sl_seconds, 1 if seed is None else seed, handle,
        )  # fmt: skip
    started = time.perf_counter()
    result = run_simulation(sc)
    elapsed = time.perf_counter() - started
    out = report(result)
    out["elapsed_s"] = elapsed
    out["calls_per_s"] = out["offered"] / elapsed if elapsed > 0 else 0.0
    if as_json:
        click.echo(json.dumps(out, sort_keys=True))
        return
    t0 = sc.traffic[0]
    if scenario:
        click.echo(f"scenario {scenario}: {len(sc.queues)} queues, {len(sc.agents)} agents, "
                   f"{sc.hours:g} h, SL threshold {sc.sl_seconds:g} s, seed {sc.seed}")  # fmt: skip
    else:
        pat = f"{t0.patience_s:g} s" if t0.patience_s else "infinite"
        click.echo(
            f"{len(sc.agents)} agents, {t0.calls_per_hour:g} calls/h, AHT {t0.aht_s:g} s "
            f"({t0.handle}), patience {pat}, {sc.hours:g} h, SL threshold {sc.sl_seconds:g} s, "
            f"seed {sc.seed}"
        )
    click.echo("\n".join(_table(out)))
    if "erlang_note" in out:
        click.echo(f"note: {out['erlang_note']}")
    for name, fig in out.get("queues", {}).items():
        click.echo(f"\nqueue {name} ({fig['agents']} member agents)")
        click.echo("\n".join(_table(fig)))
    click.echo(
        f"\nsimulated {out['offered']} calls in {elapsed:.2f} s ({out['calls_per_s']:,.0f} calls/s)"
    )
