"""`calldesk dnc add|import|check`: the internal do-not-call list, global or per campaign."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime

import click

from calldesk.cli.dialer_common import open_dialer_store
from calldesk.dialer.config import parse_duration
from calldesk.dialer.numbers import normalize
from calldesk.dialer.store import GLOBAL
from calldesk.errors import ConfigError

_scope = click.option("--campaign", default=None, help="Only this campaign (default: global).")
_store = click.option("--store", "store_path", type=click.Path(dir_okay=False), default=None)
_region = click.option("--region", default="US", show_default=True)


def _expiry(text: str | None, now: float) -> float | None:
    """`30d`, `12h` (from now) or an ISO date; None = never."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        pass
    try:
        return now + parse_duration(text, "--expires")
    except ConfigError as e:
        raise click.BadParameter(e.reason, param_hint="--expires") from None


@click.group("dnc")
def dnc() -> None:
    """The do-not-call list, checked at dial time."""


@dnc.command("add")
@click.argument("numbers", nargs=-1, required=True)
@click.option("--expires", default=None, help="30d, 12h or an ISO date (default: never).")
@_scope
@_region
@_store
@click.pass_context
def add_cmd(ctx: click.Context, numbers: tuple[str, ...], expires: str | None,
            campaign: str | None, region: str, store_path: str | None) -> None:  # fmt: skip
    """Add NUMBERS (never dialled again from the next dial decision on)."""
    now = time.time()
    try:
        e164 = [normalize(n, region) for n in numbers]
    except ValueError as e:
        raise click.ClickException(f"number: {e}") from None
    n = open_dialer_store(ctx, store_path).dnc_add(
        e164, campaign or GLOBAL, _expiry(expires, now), "cli", now
    )
    click.echo(f"{n} number(s) added to the {campaign or 'global'} do-not-call list")


@dnc.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--expires", default=None, help="30d, 12h or an ISO date (default: never).")
@_scope
@_region
@_store
@click.pass_context
def import_cmd(ctx: click.Context, file: str, expires: str | None, campaign: str | None,
               region: str, store_path: str | None) -> None:  # fmt: skip
    """Import a file of numbers: one a line, a CSV whose first column is the number, or a
    national registry file (e.g. the US registry's `AAA,NNNNNNN` lines)."""
    now = time.time()
    good: list[str] = []
    bad: list[str] = []
    with open(file, "rb") as f:
        for i, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8-sig" if i == 1 else "utf-8").strip()
            except UnicodeDecodeError:
                bad.append(f"{file}:{i}: not valid UTF-8")
                continue
            if not line or line.startswith("#") or (i == 1 and not re.search(r"\d", line)):
                continue
            parts = [p.strip() for p in line.split(",")]
            text = parts[0]
            if (
                len(parts) >= 2
                and re.fullmatch(r"\d{3}", parts[0])
                and re.fullmatch(r"\d{7}", parts[1])
            ):
                text = parts[0] + parts[1]  # registry format: area code, number
            try:
                good.append(normalize(text, region))
            except ValueError as e:
                bad.append(f"{file}:{i}: {e}")
    for b in bad[:50]:
        click.echo(b, err=True)
    n = open_dialer_store(ctx, store_path).dnc_add(
        good, campaign or GLOBAL, _expiry(expires, now), f"import:{file}", now
    )
    click.echo(f"{n} number(s) added to the {campaign or 'global'} do-not-call list, "
               f"{len(bad)} line(s) refused")  # fmt: skip
    if bad:
        ctx.exit(1)


@dnc.command("check")
@click.argument("number")
@_scope
@_region
@_store
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def check_cmd(ctx: click.Context, number: str, campaign: str | None, region: str,
              store_path: str | None, as_json: bool) -> None:  # fmt: skip
    """Is NUMBER blocked now (globally, or for --campaign)? Exit status 3 when it is."""
    try:
        e164 = normalize(number, region)
    except ValueError as e:
        raise click.ClickException(f"number: {e}") from None
    hit = open_dialer_store(ctx, store_path).dnc_hit(e164, campaign or GLOBAL, time.time())
    if as_json:
        click.echo(json.dumps({"number": e164, "blocked": hit is not None, "entry": hit}))
    elif hit is None:
        click.echo(f"{e164}: not on the do-not-call list")
    else:
        scope = "global" if hit["scope"] == GLOBAL else f"campaign {hit['scope']}"
        click.echo(f"{e164}: blocked ({scope} list, source {hit['source']})")
    if hit is not None:
        ctx.exit(3)
