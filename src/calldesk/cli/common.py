"""Helpers shared by CLI commands: load the configuration and report its errors cleanly."""

from __future__ import annotations

import logging
from typing import Any

import click

from calldesk.config import Config, load_config
from calldesk.errors import ConfigError


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
