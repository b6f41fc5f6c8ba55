"""`calldesk demo`: simulated switch + controller + simulated callers and agents."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from calldesk.cli.common import get_config
from calldesk.errors import CalldeskError


@click.command()
@click.option("--calls", type=int, help="Callers to simulate (default: demo.calls).")
@click.option("--agents", type=int, help="Agents logged in (default: demo.agents).")
@click.option(
    "--time-scale", type=float, help="Simulated seconds per real second (default: demo.time_scale)."
)
@click.option("--seed", default=1, show_default=True)
@click.option(
    "--json", "as_json", is_flag=True, help="Run unattended; print one JSON object at the end."
)
@click.option(
    "--keep", type=click.Path(file_okay=False), help="Keep the store and recordings in this folder."
)
@click.option(
    "--media",
    default="voice",
    show_default=True,
    help="Media to simulate, comma-separated: voice,chat,sms,email (see calldesk.demo.digital).",
)
@click.option("--per-medium", default=20, show_default=True, help="Customers per digital medium.")
@click.pass_context
def demo(
    ctx: click.Context,
    calls: int | None,
    agents: int | None,
    time_scale: float | None,
    seed: int,
    as_json: bool,
    keep: str | None,
    media: str,
    per_medium: int,
) -> None:
    """Run the whole inbound path on the embedded simulated switch and show it live."""
    from calldesk.demo.run import run_demo
    from calldesk.demo.view import render

    config = get_config(ctx)
    d = config["demo"]
    calls = d["calls"] if calls is None else calls
    agents = d["agents"] if agents is None else agents
    time_scale = d["time_scale"] if time_scale is None else time_scale
    for name, value in (("--calls", calls), ("--agents", agents)):
        if value < 1:
            raise click.ClickException(f"{name}: must be at least 1, not {value}")
    if not time_scale > 0:
        raise click.ClickException(f"--time-scale: must be > 0, not {time_scale}")
    logging.basicConfig(level="WARNING" if not as_json else "ERROR")
    tty = sys.stdout.isatty() and not as_json
    shown = [0.0]

    def tick(run) -> None:
        if as_json:
            return
        now = run.sim.clock.now()
        if tty:
            click.echo("\x1b[H\x1b[2J" + render(run))
        elif now - shown[0] >= 30 or shown[0] == 0.0:
            click.echo(render(run) + "\n")
            shown[0] = now or 0.001

    from calldesk.demo.digital import DIGITAL, DigitalDemo

    wanted = tuple(m.strip() for m in media.split(",") if m.strip())
    unknown = [m for m in wanted if m not in ("voice", *DIGITAL)]
    if unknown or "voice" not in wanted:
        raise click.UsageError(f"--media: voice plus any of chat, sms, email (got {media!r})")
    digital = tuple(m for m in wanted if m in DIGITAL)
    addons: tuple = (DigitalDemo(digital, per_medium, seed),) if digital else ()
    if not as_json:  # the pages, with a login made for this run, to watch the calls flow
        from calldesk.demo.web import WebDemo

        addons = (WebDemo(lambda line: click.echo(line, err=True)), *addons)
    try:
        result = run_demo(
            config,
            calls=calls,
            agents=agents,
            time_scale=time_scale,
            seed=seed,
            tick=tick,
            workdir=Path(keep) if keep else None,
            addons=addons,
        )
    except CalldeskError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    _report(result, as_json)


def _report(result: dict, as_json: bool) -> None:
    from calldesk.demo.run import failed

    problems = failed(result)
    pace = result.get("pace") or {}
    if as_json:
        click.echo(json.dumps(result))
    else:
        _summary(result)
    if pace.get("fell_behind"):
        click.echo(
            f"note: the machine fell behind the time scale (event loop stalled up to "
            f"{pace['loop_stall_max_ms']} ms, {pace['simulated_s_lost_to_stalls']} simulated s "
            f"in all; callers placed up to {pace['caller_arrival_late_max_s']} s late): "
            "try a lower --time-scale",
            err=True,
        )
    if problems:
        raise click.ClickException("; ".join(problems))


def _summary(result: dict) -> None:
    j = result["journal"]
    click.echo("\nsummary (callers' view | journal)")
    for key in ("offered", "answered", "abandoned", "overflowed", "lost", "service_level", "asa_s"):
        click.echo(f"  {key:<16} {result[key]!s:>10} | {j[key]!s:>10}")
    click.echo(f"  ended in IVR     {result['ended_in_ivr']:>10}")
    click.echo(f"  agents available at end: {result['agents_available_at_end']}/{result['agents']}")
    for medium, f in result.get("media", {}).items():
        click.echo(
            f"  {medium:<6} offered {f['offered']:>4}  answered {f['answered']:>4}  "
            f"abandoned {f['abandoned']:>4}  lost {f['lost']}"
        )
