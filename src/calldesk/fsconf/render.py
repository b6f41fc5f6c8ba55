"""Render `freeswitch-conf/**/*.j2` into a FreeSWITCH configuration directory.

Every template is rendered in memory first (StrictUndefined, XML autoescape); a template error
is reported with the template file, line and reason and nothing is written. The result is then
checked by `calldesk.fsconf.check` before it is written, so an insecure directory never lands.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import jinja2

from calldesk.fsconf.errors import FsconfError, Problem

SUFFIX = ".j2"


def default_templates_dir() -> Path:
    """`freeswitch-conf/` at the repository root (next to `src/`)."""
    return Path(__file__).resolve().parents[3] / "freeswitch-conf"


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,  # every value lands in XML: escape & < > " '
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["re_escape"] = re.escape  # values inside dialplan regular expressions
    return env


def _template_line(exc: BaseException, name: str) -> int | None:
    """The template line of a runtime error, from jinja2's rewritten traceback."""
    tb = exc.__traceback__
    line = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(name):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_templates(templates: Path, context: dict[str, Any]) -> dict[str, str]:
    """{relative output path: text} for every `*.j2` under `templates`."""
    env = _environment(templates)
    names = sorted(
        p.relative_to(templates).as_posix() for p in templates.rglob(f"*{SUFFIX}") if p.is_file()
    )
    if not names:
        raise FsconfError([Problem(str(templates), "(dir)", "no *.j2 templates found")])
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for name in names:
        try:
            out[name[: -len(SUFFIX)]] = env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            where = f"line {exc.lineno}"
            problems.append(Problem(exc.filename or name, where, f"syntax error: {exc.message}"))
        except jinja2.UndefinedError as exc:
            line = _template_line(exc, name)
            where = f"line {line}" if line else "(line unknown)"
            problems.append(Problem(name, where, f"undefined value: {exc.message}"))
        except jinja2.TemplateError as exc:
            problems.append(Problem(name, "(template)", str(exc)))
    if problems:
        raise FsconfError(problems)
    return out


def write_tree(files: dict[str, str], out: Path) -> list[Path]:
    """Write the rendered files (mode 0640: they hold SIP secrets), creating folders."""
    written = []
    for rel, text in sorted(files.items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
        os.chmod(path, 0o640)
        written.append(path)
    return written
