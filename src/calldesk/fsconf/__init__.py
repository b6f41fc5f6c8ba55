"""FreeSWITCH configuration as code: calldesk.yaml + freeswitch-conf/*.j2 -> a config directory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from calldesk.config import Config
from calldesk.fsconf.check import check_dir, check_files
from calldesk.fsconf.credentials import SipCredentials
from calldesk.fsconf.errors import FsconfError, Problem
from calldesk.fsconf.model import FsModel, build_from_config
from calldesk.fsconf.render import default_templates_dir, render_templates, write_tree

__all__ = ["FsconfError", "Problem", "RenderResult", "check_dir", "check_files", "render_config"]


@dataclass(frozen=True)
class RenderResult:
    out: Path
    files: tuple[Path, ...]
    model: FsModel


def render_config(
    config: Config,
    out: Path,
    *,
    env: Mapping[str, str],
    credentials: SipCredentials,
    templates: Path | None = None,
) -> RenderResult:
    """Render, check, then write. Raises ConfigError (a key in calldesk.yaml) or FsconfError
    (a template or rendered file); nothing is written when either is raised."""
    model = build_from_config(config, env=env, credentials=credentials)
    files = render_templates(templates or default_templates_dir(), model.context())
    problems = check_files(files)
    if problems:
        raise FsconfError(problems)
    return RenderResult(out, tuple(write_tree(files, out)), model)
