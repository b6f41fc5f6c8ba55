"""`calldesk sim`: run the simulated FreeSWITCH on loopback for other tools to connect to."""

from __future__ import annotations

import logging
import os

import click

from calldesk.errors import ConfigError
from calldesk.fsconf.settings import check_password


@click.command("sim")
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address.")
@click.option("--port", default=8021, show_default=True, type=int, help="ESL port (0: any).")
@click.option(
    "--password-env",
    default="CALLDESK_SIM_PASSWORD",
    show_default=True,
    help="Environment variable holding the ESL password (there is no default password).",
)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=float,
    help="Simulated seconds per wall second.",
)
@click.option(
    "--recordings-dir",
    default="recordings",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where uuid_record writes WAV files.",
)
@click.option(
    "--phone",
    "phones",
    multiple=True,
    metavar="TARGET=BEHAVIOR",
    help="A simulated phone, e.g. user/1001=answer (answer|no_answer|busy|"
    "unregistered|fail|machine). Repeatable.",
)
@click.option(
    "--fsconf",
    "fsconf_dir",
    default=None,
    type=click.Path(file_okay=False, exists=True),
    help="A `calldesk fsconf render` directory: the sim takes its SIP profiles' RTP "
    "timers, languages, sessions-per-second and directory users.",
)
@click.option(
    "--agent-hangup-order",
    default=None,
    type=click.Choice(["hangup_first", "unbridge_first", "alternate"]),
    help="Event order when the agent leg of a uuid_bridge hangs up first.",
)
def sim(
    host: str,
    port: int,
    password_env: str,
    time_scale: float,
    recordings_dir: str,
    phones: tuple[str, ...],
    fsconf_dir: str | None = None,
    agent_hangup_order: str | None = None,
) -> None:
    """Run the simulated switch (ESL inbound on HOST:PORT; `api sim_*` control commands)."""
    import gevent

    from calldesk import gctune
    from calldesk.sim import SimSwitch
    from calldesk.sim.control import sim_phone

    password = os.environ.get(password_env, "")
    if not password:
        raise click.UsageError(f"set the ESL password in ${password_env} (no default password)")
    try:
        check_password(password, f"${password_env}")
    except ConfigError as exc:
        raise click.ClickException(f"ESL password refused: {exc}") from None
    if time_scale <= 0:
        raise click.UsageError("--time-scale must be > 0")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from pathlib import Path

    from calldesk.sim.site import SiteConf, load_fsconf

    try:
        site = load_fsconf(Path(fsconf_dir)) if fsconf_dir else SiteConf()
    except (OSError, ValueError) as exc:  # ET.ParseError is a ValueError
        raise click.UsageError(f"--fsconf {fsconf_dir}: {exc}") from None
    if agent_hangup_order:
        site.agent_hangup_order = agent_hangup_order
    sw = SimSwitch(
        password=password,
        host=host,
        port=port,
        time_scale=time_scale,
        recordings_dir=recordings_dir,
        site=site,
        history=0,  # a standalone switch: no one reads its event history
    )
    for spec in phones:
        target, _, behavior = spec.partition("=")
        reply = sim_phone(sw, f"{target} {behavior.replace(':', ' ') or 'answer'}")
        if not reply.startswith("+OK"):
            raise click.UsageError(f"--phone {spec}: {reply.strip()}")
    sw.start()
    gctune.tune()  # this process runs the switch alone (calldesk.gctune)
    click.echo(f"calldesk sim: ESL on {host}:{sw.port}, time scale {time_scale}")
    try:
        while True:
            gevent.sleep(3600)
    except KeyboardInterrupt:
        sw.stop()
