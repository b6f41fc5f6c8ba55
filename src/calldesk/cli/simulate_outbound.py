"""`calldesk simulate --outbound`: the dialer's pacing core in virtual time, with its yardsticks."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from calldesk.dialer.pacing import MODES
from calldesk.sim.virtual.outbound_model import OutboundScenario
from calldesk.sim.virtual.outbound_report import run

_RATE = click.FloatRange(0, 1)
_POS = click.FloatRange(min=0)
OPTIONS: list[Callable[[Any], Any]] = [
    click.option("--outbound", is_flag=True, help="Simulate an outbound campaign."),
    click.option("--mode", type=click.Choice([m for m in MODES if m != "preview"]),
                 default="predictive", show_default=True, help="Outbound pacing mode."),
    click.option("--days", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Outbound: simulated days of --hours each."),
    click.option("--list-size", type=click.IntRange(min=1), default=10_000_000, show_default=True),
    click.option("--connect-rate", type=_RATE, default=0.30, show_default=True,
                 help="Live-person answers, of attempts."),
    click.option("--machine-rate", type=_RATE, default=0.10, show_default=True),
    click.option("--busy-rate", type=_RATE, default=0.08, show_default=True),
    click.option("--failed-rate", type=_RATE, default=0.04, show_default=True),
    click.option("--ring-timeout", type=click.FloatRange(min=15), default=25.0, show_default=True),
    click.option("--amd/--no-amd", default=False, show_default=True,
                 help="Answering-machine detection on the answers."),
    click.option("--amd-false-positive", type=_RATE, default=0.02, show_default=True),
    click.option("--amd-false-negative", type=_RATE, default=0.10, show_default=True),
    click.option("--talk", type=_POS, default=120.0, show_default=True, help="Mean talk time, s."),
    click.option("--talk-dist", type=click.Choice(["lognormal", "exponential"]),
                 default="lognormal", show_default=True),
    click.option("--wrap", type=_POS, default=10.0, show_default=True, help="Mean wrap-up, s."),
    click.option("--abandon-cap", type=click.FloatRange(0, 1, min_open=True, max_open=True),
                 default=0.03, show_default=True),
    click.option("--ratio", type=click.FloatRange(min=1), default=2.0, show_default=True,
                 help="Power mode: attempts per free agent."),
    click.option("--inbound-per-hour", type=_POS, default=0.0, show_default=True,
                 help="Blending: inbound calls per hour taken first (0 = off)."),
    click.option("--no-yardsticks", is_flag=True,
                 help="Skip the baseline and progressive runs on the same scenario."),
]  # fmt: skip


def outbound_options(f: Callable[..., Any]) -> Callable[..., Any]:
    for opt in reversed(OPTIONS):
        f = opt(f)
    return f


def run_outbound(agents: int, hours: float | None, seed: int | None, as_json: bool,
                 kw: dict[str, Any]) -> None:  # fmt: skip
    try:
        sc = OutboundScenario(
            agents=agents, mode=kw["mode"], hours=8.0 if hours is None else hours,
            days=kw["days"], list_size=kw["list_size"], connect_rate=kw["connect_rate"],
            machine_rate=kw["machine_rate"], busy_rate=kw["busy_rate"],
            failed_rate=kw["failed_rate"], ring_timeout_s=kw["ring_timeout"], amd=kw["amd"],
            amd_false_positive=kw["amd_false_positive"],
            amd_false_negative=kw["amd_false_negative"], talk_s=kw["talk"],
            talk_dist=kw["talk_dist"], wrap_s=kw["wrap"], abandon_cap=kw["abandon_cap"],
            ratio=kw["ratio"], inbound_per_hour=kw["inbound_per_hour"],
            seed=1 if seed is None else seed,
        )  # fmt: skip
    except ValueError as e:
        raise click.ClickException(f"scenario refused: {e}") from None
    out = run(sc, yardsticks=not kw["no_yardsticks"])
    if as_json:
        click.echo(json.dumps(out, sort_keys=True))
        return
    click.echo("\n".join(render(out)))


def render(out: dict[str, Any]) -> list[str]:
    sc = out["inputs"]
    lines = [
        f"outbound {out['mode']}: {sc['agents']} agents, {sc['days']} day(s) of {sc['hours']:g} h, "
        f"connect rate {sc['connect_rate']:.0%}, talk {sc['talk_s']:g} s ({sc['talk_dist']}), "
        f"wrap {sc['wrap_s']:g} s, cap {sc['abandon_cap']:.1%}, AMD {'on' if sc['amd'] else 'off'}",
        f"{'':28}{'occupancy':>10}{'abandon':>10}{'contacts/agent-h':>18}",
        f"{out['mode']:28}{out['occupancy']:>10.1%}{out['abandon_rate']:>10.2%}"
        f"{out['contacts_per_agent_hour']:>18.1f}",
    ]
    for mode in ("baseline", "progressive"):
        if f"{mode}_occupancy" in out and mode != out["mode"]:
            label = "baseline (VICIdial-style)" if mode == "baseline" else mode
            lines.append(
                f"{label:28}{out[mode + '_occupancy']:>10.1%}"
                f"{out[mode + '_abandon_rate']:>10.2%}"
                f"{out[mode + '_contacts_per_agent_hour']:>18.1f}"
            )
    lines += [
        f"{'Erlang-B floor at the cap':28}{out['erlang_b_floor_occupancy']:>10.1%}"
        f"{sc['abandon_cap']:>10.2%}",
        f"wait for an agent after the answer: mean {out['wait_for_agent_s']:.2f} s, "
        f"max {out['wait_for_agent_max_s']:.2f} s; worst day's abandon rate "
        f"{out['max_day_abandon_rate']:.2%}",
        f"{out['attempts']} attempts, {out['answers']} answers, {out['abandoned']} abandoned; "
        f"simulated in {out['elapsed_s']:.2f} s ({out['calls_per_s']:,.0f} attempts/s)",
    ]
    return lines
