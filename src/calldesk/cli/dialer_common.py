"""Shared by the outbound CLI commands: open the store, load the campaigns, parse durations."""

from __future__ import annotations

import os
from pathlib import Path

import click

from calldesk.cli.common import get_config
from calldesk.dialer.config import Campaign, parse_campaigns
from calldesk.dialer.store import DialerStore
from calldesk.errors import ConfigError
from calldesk.store import Store


def open_dialer_store(ctx: click.Context, path: str | None) -> DialerStore:
    if path is None:
        path = str(get_config(ctx).path("store.path"))
    try:
        return DialerStore(Store.open(path))
    except Exception as e:  # a file that is not SQLite, a folder that cannot be made
        raise click.ClickException(f"store {path}: {e}") from None


def load_campaigns(ctx: click.Context) -> tuple[Campaign, ...]:
    from calldesk.ivr.library import FlowLibrary
    from calldesk.trunks.config import parse_trunks

    config = get_config(ctx)
    try:
        trunks = parse_trunks(config["trunks"], env=os.environ, source=config.source)
        library = FlowLibrary(Path(config.path("flows.dir")))
        library.poll()
        return parse_campaigns(
            config["campaigns"],
            trunk_dids={t.name: {d.number for d in t.dids} for t in trunks},
            known_flows=set(library.names()),
            source=config.source,
        )
    except ConfigError as e:
        raise click.ClickException(f"configuration refused: {e}") from None
