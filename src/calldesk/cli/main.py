"""The `calldesk` command: one click group per subsystem, registered here."""

from __future__ import annotations

import click

from calldesk import __version__


@click.group()
@click.version_option(__version__, prog_name="calldesk")
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="CALLDESK_CONFIG",
    help="Path to calldesk.yaml (default: ./calldesk.yaml if present).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """calldesk: IVR and ACD for FreeSWITCH."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


# Subcommand registration: each module exposes one click command or group.
# Keep this list sorted; add one line per subsystem.
SUBCOMMANDS: list[tuple[str, str]] = [
    ("calldesk.cli.agents", "agents"),
    ("calldesk.cli.bench", "bench"),
    ("calldesk.cli.campaigns", "campaigns"),
    ("calldesk.cli.compliance", "compliance"),
    ("calldesk.cli.customers", "customers"),
    ("calldesk.cli.db", "db"),
    ("calldesk.cli.demo", "demo"),
    ("calldesk.cli.dnc", "dnc"),
    ("calldesk.cli.serve", "serve"),
    ("calldesk.cli.simulate", "simulate"),
    ("calldesk.cli.sim", "sim"),
    ("calldesk.cli.flows", "flows"),
    ("calldesk.cli.lists", "lists"),
    ("calldesk.cli.fsconf", "fsconf"),
    ("calldesk.cli.queues", "queues"),
    ("calldesk.cli.recordings", "recordings"),
    ("calldesk.cli.report", "report"),
    ("calldesk.cli.supervise", "supervise"),
    ("calldesk.cli.users", "users"),
    ("calldesk.cli.webhooks", "webhooks"),
]


def _register() -> None:
    import importlib

    for module_name, attr in SUBCOMMANDS:
        module = importlib.import_module(module_name)
        cli.add_command(getattr(module, attr))


_register()


if __name__ == "__main__":
    cli()
