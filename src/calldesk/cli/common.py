"""Helpers shared by CLI commands: the configuration, the store, and the options several
commands take. Every failure here becomes one `key: reason` line and a non-zero exit."""

from __future__ import annotations

import logging
import sqlite3
import time
from typing import TYPE_CHECKING, Any

import click

from calldesk.config import Config, load_config
from calldesk.errors import ConfigError
from calldesk.store import Store

if TYPE_CHECKING:
    from calldesk.acd.config import AcdConfig

STORE_OPTION = click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False),
    help="Database file (default: store.path).",
)
ACTOR_OPTION = click.option("--actor", default="cli", show_default=True, help="Who is asking.")


def get_config(ctx: click.Context, overrides: dict[str, Any] | None = None, **kw: Any) -> Config:
    path = (ctx.find_root().obj or {}).get("config_path")
    try:
        return load_config(path, overrides=overrides, **kw)
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def open_store_file(path: str, *, migrate: bool = True) -> Store:
    """Open (and by default migrate) the SQLite store at `path`, refusing a file that is not one."""
    try:
        return Store.open(path, migrate=migrate)
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path}: not a calldesk SQLite store ({exc})") from None
    except OSError as exc:
        raise click.ClickException(f"{path}: cannot open: {exc.strerror or exc}") from None


def store_path_of(ctx: click.Context, store_path: str | None) -> str | None:
    """The command's own --store, else the one given to an enclosing group
    (`calldesk agents --store S pops alice`)."""
    parent = ctx.parent
    while store_path is None and parent is not None:
        store_path = parent.params.get("store_path")
        parent = parent.parent
    return store_path


def open_store(ctx: click.Context, path: str | None) -> tuple[Store, AcdConfig | None]:
    """The store (from --store, a group's --store, or store.path) and the ACD configuration."""
    from calldesk.dispatch.controls import acd_config

    config = get_config(ctx)
    try:
        cfg = acd_config(config.data)
    except ConfigError as exc:
        raise click.ClickException(f"configuration refused: {exc}") from exc
    path = store_path_of(ctx, path) or str(config.path("store.path"))
    return open_store_file(path), cfg


def store_now(store: Store) -> float:
    """'Now' for live views: the wall clock, or the newest journal time when the store was written
    by a faster clock (a demo's simulated switch), so no time in state comes out negative."""
    newest = store.db.execute("SELECT max(at) FROM journal").fetchone()[0]
    return max(time.time(), float(newest or 0.0))


def control(ctx: click.Context, path: str | None, actor: str, command: str, args: dict) -> dict:
    """Send one command to the running controller through the store's inbox."""
    from calldesk.control import ControlClient, ControlError

    store, _ = open_store(ctx, path)
    try:
        return ControlClient(store).call(actor, command, args)
    except ControlError as exc:
        raise click.ClickException(str(exc)) from exc


def fmt_pct(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.0f}%"


def fmt_duration(s: float | None) -> str:
    if s is None:
        return "-"
    s = max(0, int(round(s)))
    return (
        f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
    )
