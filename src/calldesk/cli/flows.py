"""`calldesk flows`: validate, draw and test IVR flows."""

from __future__ import annotations

import json
import logging
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
    failed = 0
    parsed: dict[Path, str] = {}
    for f in files:
        try:
            parsed[f] = read_flow_text(f)
        except FlowFileUnreadable as exc:
            click.echo(str(exc))
            failed += 1
    # Subflow names are checked against every flow in the folders being validated.
    names: set[str] = set()
    for folder in {f.parent for f in files}:
        for other in _flow_files((str(folder),)):
            try:
                names.update(_declared_name(other))
            except FlowFileUnreadable as exc:
                if other not in files:
                    click.echo(f"note: {exc}; its flow name is not known", err=True)
    checks = Checks(checks.known_queues, checks.prompts_dir, frozenset(names))
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


class FlowFileUnreadable(click.ClickException):
    """A flow file that cannot be read as UTF-8 text; the message is `file:line:col: reason`."""


def read_flow_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FlowFileUnreadable(f"{path}:1:1: io: cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise FlowFileUnreadable(
            f"{path}:{line}:{col}: encoding: not UTF-8 (byte 0x{data[exc.start]:02x})"
        ) from None


def _declared_name(path: Path) -> set[str]:
    from calldesk.ivr.errors import FlowInvalid
    from calldesk.ivr.loader import parse_yaml

    try:
        doc = parse_yaml(read_flow_text(path), str(path))
    except FlowInvalid:
        return set()
    name = doc.get("flow") if isinstance(doc, dict) else None
    return {name} if isinstance(name, str) else set()


def _name_if_readable(path: Path) -> set[str]:
    try:
        return _declared_name(path)
    except FlowFileUnreadable as exc:
        click.echo(f"note: {exc}", err=True)
        return set()


def _resolve_flow(ctx: click.Context, flow: str) -> Any:
    """FLOW is a file path or a flow name in the flows folder. Exits with errors if invalid."""
    from calldesk.ivr.validate import Checks as _Checks
    from calldesk.ivr.validate import validate_text as _validate

    path = Path(flow)
    if not path.exists():
        folder = _default_dir(ctx)
        matches = (
            [p for p in _flow_files((str(folder),)) if flow in _name_if_readable(p)]
            if folder.is_dir()
            else []
        )
        if not matches:
            raise click.ClickException(f"no flow file or flow named {flow!r} (looked in {folder})")
        path = matches[0]
    loaded, errors = _validate(read_flow_text(path), str(path), _Checks())
    for e in errors:
        click.echo(f"{e.file}:{e.line}:{e.col}: {e.code}: {e.message}", err=True)
    if loaded is None:
        raise SystemExit(1)
    return loaded


@flows.command("graph")
@click.argument("flow")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["svg", "dot", "mermaid"]),
    default="svg",
    show_default=True,
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
@click.option(
    "--pure", is_flag=True, help="SVG: use the built-in layout even if Graphviz is installed."
)
@click.pass_context
def graph_cmd(ctx: click.Context, flow: str, fmt: str, output: str | None, pure: bool) -> None:
    """Draw FLOW (a file or a flow name) as SVG, Graphviz dot or Mermaid."""
    from calldesk.ivr import graph

    loaded = _resolve_flow(ctx, flow)
    text = {"dot": graph.to_dot, "mermaid": graph.to_mermaid}.get(
        fmt, lambda f: graph.to_svg(f, not pure)
    )(loaded)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@flows.command("test")
@click.argument("flow")
@click.option(
    "--input",
    "inputs",
    default="",
    help="Comma-separated inputs, e.g. '1,12345#,,2' ('' = say nothing, 'hangup').",
)
@click.option("--medium", type=click.Choice(["voice", "text"]), default="voice", show_default=True)
@click.option("--caller", default="+15550100", show_default=True, help="Caller ID.")
@click.option("--caller-name", default="Test Caller", show_default=True)
@click.option("--now", "now_text", help="ISO time the flow sees (schedules), default: now.")
@click.option(
    "--context", "context_json", help='Customer context as JSON, e.g. \'{"tier": "gold"}\'.'
)
@click.option(
    "--reply",
    "replies",
    multiple=True,
    metavar="URL_PREFIX=JSON",
    help="Scripted HTTP reply for lookups (others time out).",
)
@click.option("--time-scale", default=50.0, show_default=True, help="Simulated switch speed-up.")
@click.pass_context
def test_cmd(
    ctx: click.Context,
    flow: str,
    inputs: str,
    medium: str,
    caller: str,
    caller_name: str,
    now_text: str | None,
    context_json: str | None,
    replies: tuple[str, ...],
    time_scale: float,
) -> None:
    """Run FLOW with scripted input and print the path taken. Voice runs against the simulated
    switch over real TCP (DTMF typed during each prompt); text runs on the text adapter."""
    from datetime import datetime

    from calldesk.ivr.actions import HttpResult
    from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
    from calldesk.ivr.library import FlowLibrary
    from calldesk.ivr.runner import Runner
    from calldesk.ivr.scripted import parse_inputs

    loaded = _resolve_flow(ctx, flow)
    script = parse_inputs(inputs)
    now = datetime.fromisoformat(now_text) if now_text else datetime.now().astimezone()
    if now.tzinfo is None:
        now = now.astimezone()
    http = ScriptedHttp()
    for r in replies:
        prefix, _, body = r.partition("=")
        http.replies[prefix] = HttpResult(200, json.loads(body) if body else None)
    contexts = MemoryContexts({caller: json.loads(context_json)} if context_json else {})
    library = FlowLibrary(Path(loaded.file).parent)
    library.poll()
    library.add(loaded)
    runner = Runner(library, lambda: now, http, contexts, CollectingHandoff())
    click.echo(
        f"flow {loaded.name} (version {loaded.version}) on {medium}; inputs: {script or 'none'}"
    )
    if medium == "text":
        from calldesk.ivr.text import ScriptedTextPort

        port = ScriptedTextPort([s if s else None for s in script])
        out = runner.start(
            loaded, port, interaction_id="test-1", caller={"id": caller, "name": caller_name}
        )
        for msg in port.sent:
            click.echo(f"  > {msg}")
        log: list[str] = []
    else:
        out, log = _run_voice(loaded, runner, script, caller, caller_name, time_scale)
    _print_outcome(out, log, runner)


def _run_voice(
    flow: Any, runner: Any, script: list[str], caller: str, name: str, time_scale: float
) -> tuple[Any, list[str]]:
    import secrets

    import gevent

    from calldesk.app import wire_ivr
    from calldesk.esl.connection import SwitchConnection, SwitchSettings
    from calldesk.ivr.scripted import ScriptedCaller
    from calldesk.ivr.service import IvrService
    from calldesk.ivr.voice import VoiceSettings
    from calldesk.sim import SimSwitch
    from calldesk.telephony.intake import Intake
    from calldesk.telephony.switchboard import Switchboard

    password = secrets.token_hex(12)
    number = flow.bindings.numbers[0] if flow.bindings.numbers else "5550000"
    sim = SimSwitch(password=password, time_scale=time_scale).start()
    # Name the flow on the leg (as a rendered trunk DID does): the number alone may belong to
    # another flow in the folder, or to none.
    sim.dialplan.add_did(number, {"calldesk_flow": flow.name})
    conn = SwitchConnection(
        SwitchSettings("sim", "127.0.0.1", sim.port, password, command_timeout=5.0)
    )
    callers: list[ScriptedCaller] = []

    def wrap(port: Any) -> Any:
        c = ScriptedCaller(
            port, script, lambda d: sim.send_dtmf(port.leg, d), lambda: sim.hangup(port.leg)
        )
        callers.append(c)
        return c

    library = runner.flows
    library.add(flow)
    prompts = Path(flow.file).parent / "prompts"
    service = IvrService(
        conn, library, runner, None, VoiceSettings(prompts_dir=prompts), wrap_port=wrap
    )
    board, intake = Switchboard([conn]), Intake()
    board.tracker.subscribe(intake.on_leg)
    wire_ivr(board, intake, {conn.name: service})
    try:
        if not conn.start(wait=5):
            raise click.ClickException("could not connect to the simulated switch")
        leg = sim.inject_call(did=number, caller_id=caller, caller_name=name)
        with gevent.Timeout(120, click.ClickException("the flow did not finish in time")):
            while leg not in service.outcomes:
                gevent.sleep(0.02)
        return service.outcomes[leg], (callers[0].log if callers else [])
    finally:
        logging.getLogger("calldesk.esl").setLevel(logging.ERROR)  # the expected close is not news
        conn.stop()
        sim.stop()


def _print_outcome(out: Any, log: list[str], runner: Any) -> None:
    for i, step in enumerate(out.path, 1):
        click.echo(f"  {i:>2}. {step}")
    if log:
        click.echo("caller: " + ", ".join(log))
    detail = ""
    if out.status == "enqueued" and runner.handoff.requests:
        req = runner.handoff.requests[-1]
        detail = f" to {req.queue} (priority {req.priority}, skills {req.skills or '{}'})"
        if req.callback_number:
            detail += f", callback {req.callback_number}"
    elif out.action is not None and out.status in ("transferred", "hangup"):
        detail = f" ({out.action})"
    click.echo(f"result: {out.status}{detail}")
    shown = {k: v for k, v in out.variables.items() if not k.startswith("_")}
    if shown:
        click.echo("variables: " + json.dumps(shown, default=str))
