"""`calldesk flows`: validate, draw and test IVR flows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from calldesk.ivr.validate import Checks, validate_text

SAMPLE_QUEUES = ("general", "billing", "support", "vip")


def _flow_files(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def _config(ctx: click.Context) -> Any | None:
    """The calldesk config if one loads; flows tooling works without one."""
    from calldesk.errors import ConfigError

    try:
        from calldesk.config import load_config
    except ImportError:  # pragma: no cover - config module ships with calldesk
        return None
    try:
        return load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        click.echo(f"note: config not used ({exc})", err=True)
        return None


def _checks(ctx: click.Context, queues: str | None, prompts: str | None, flows_dir: Path) -> Checks:
    cfg = _config(ctx)
    known: frozenset[str] | None = None
    if queues is not None:
        known = frozenset(q.strip() for q in queues.split(",") if q.strip())
    elif cfg is not None and cfg["queues"]:
        known = frozenset(q["name"] if isinstance(q, dict) else str(q) for q in cfg["queues"])
    else:
        click.echo("note: no queues configured; the unknown-queue rule is skipped", err=True)
    prompts_dir: Path | None = Path(prompts) if prompts else None
    if prompts_dir is None:
        candidates = [flows_dir / "prompts"]
        if cfg is not None:
            candidates.insert(0, cfg.path("flows.prompts_dir"))
        prompts_dir = next((c for c in candidates if c.is_dir()), None)
        if prompts_dir is None:
            click.echo(
                "note: no prompts folder found; the missing-prompt rule is skipped", err=True
            )
    return Checks(known_queues=known, prompts_dir=prompts_dir)


def _default_dir(ctx: click.Context) -> Path:
    cfg = _config(ctx)
    return cfg.path("flows.dir") if cfg is not None else Path("ivrflows")


@click.group("flows")
def flows() -> None:
    """Validate, draw and test IVR flows (YAML files in ivrflows/)."""


@flows.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--queues", help="Comma-separated known queue names (default: from config).")
@click.option(
    "--prompts", type=click.Path(file_okay=False), help="Prompts folder to check files against."
)
@click.pass_context
def validate_cmd(
    ctx: click.Context, paths: tuple[str, ...], queues: str | None, prompts: str | None
) -> None:
    """Check flows: schema, then graph. Errors print as file:line:col: code: message."""
    files = _flow_files(paths or (str(_default_dir(ctx)),))
    if not files:
        raise click.ClickException("no flow files found")
    flows_dir = files[0].parent
    checks = _checks(ctx, queues, prompts, flows_dir)
    parsed = {f: f.read_text(encoding="utf-8") for f in files}
    # Subflow names are checked against every flow in the folders being validated.
    names: set[str] = set()
    for folder in {f.parent for f in files}:
        for other in _flow_files((str(folder),)):
            names.update(_declared_name(other))
    checks = Checks(checks.known_queues, checks.prompts_dir, frozenset(names))
    failed = 0
    for f, text in parsed.items():
        flow, errors = validate_text(text, str(f), checks)
        for e in errors:
            click.echo(f"{e.file}:{e.line}:{e.col}: {e.code}: {e.message}")
        if errors:
            failed += 1
        else:
            click.echo(
                f"ok {f} (flow {flow.name}, version {flow.version}, {len(flow.steps)} steps)",
                err=True,
            )
    if failed:
        raise SystemExit(1)


def _declared_name(path: Path) -> set[str]:
    from calldesk.ivr.errors import FlowInvalid
    from calldesk.ivr.loader import parse_yaml

    try:
        doc = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except FlowInvalid:
        return set()
    name = doc.get("flow") if isinstance(doc, dict) else None
    return {name} if isinstance(name, str) else set()
