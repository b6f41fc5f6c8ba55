"""The flow library: every flow in `ivrflows/`, reloaded when a file changes.

A flow that fails validation is refused (each error logged with file, line and reason) and
the previous version keeps serving. Runs hold the Flow object they started on, and every
version stays reachable by (name, version), so calls in progress finish on their version."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from calldesk.ivr.errors import FlowError, FlowRuntimeError, Mark, SchemaError
from calldesk.ivr.flow import Flow
from calldesk.ivr.validate import Checks, validate_text

log = logging.getLogger(__name__)


class VersionArchive(Protocol):
    """Where old versions come from after a restart (the RunStore has this shape)."""

    def flow_source(self, name: str, version: str) -> tuple[str, str] | None: ...


@dataclass
class _FileState:
    stamp: tuple[int, int]
    flow: str | None  # the flow name this file serves, if it ever loaded


class FlowLibrary:
    def __init__(
        self,
        directory: str | Path,
        checks: Checks | None = None,
        archive: VersionArchive | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.checks = checks or Checks()
        self.archive = archive
        self._current: dict[str, Flow] = {}
        self._versions: dict[tuple[str, str], Flow] = {}
        self._files: dict[Path, _FileState] = {}
        self.last_errors: dict[str, list[FlowError]] = {}

    # --- lookups -----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self._current)

    def get(self, name: str, version: str | None = None) -> Flow:
        """The current version, or an exact one (from memory, else from the archive)."""
        if version is None:
            if name not in self._current:
                raise FlowRuntimeError(f"no flow named {name!r}")
            return self._current[name]
        flow = self._versions.get((name, version))
        if flow is None and self.archive is not None:
            found = self.archive.flow_source(name, version)
            if found is not None:
                flow, errors = validate_text(found[1], found[0])
                if flow is not None:
                    self._versions[(name, version)] = flow
        if flow is None:
            raise FlowRuntimeError(f"flow {name!r} version {version} is not available")
        return flow

    def current(self, name: str) -> Flow | None:
        """The serving version of flow `name`, if loaded."""
        return self._current.get(name)

    def for_number(self, number: str) -> Flow | None:
        return next((f for f in self._current.values() if number in f.bindings.numbers), None)

    def for_entry_point(self, entry_point: str) -> Flow | None:
        return next(
            (f for f in self._current.values() if entry_point in f.bindings.entry_points), None
        )

    # --- reloading ---------------------------------------------------------------------------
    def add(self, flow: Flow) -> None:
        self._current[flow.name] = flow
        self._versions[(flow.name, flow.version)] = flow

    def poll(self) -> list[FlowError]:
        """Reload changed files (by mtime and size). Returns the errors of refused files."""
        refused: list[FlowError] = []
        seen: set[Path] = set()
        paths = sorted([*self.directory.glob("*.yaml"), *self.directory.glob("*.yml")])
        for path in paths:
            seen.add(path)
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            stamp = (st.st_mtime_ns, st.st_size)
            known = self._files.get(path)
            if known is not None and known.stamp == stamp:
                continue
            self._files[path] = _FileState(stamp, known.flow if known else None)
            refused.extend(self._load(path))
        for path in set(self._files) - seen:
            gone = self._files.pop(path)
            if (
                gone.flow
                and self._current.get(gone.flow)
                and self._current[gone.flow].file == str(path)
            ):
                log.info("flow %s: file %s removed; no new calls start on it", gone.flow, path)
                del self._current[gone.flow]
        return refused

    def _load(self, path: Path) -> list[FlowError]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors: list[FlowError] = [SchemaError(Mark(str(path), 1, 1), f"cannot read: {exc}")]
            return self._refuse(path, errors)
        flow, errors = validate_text(text, str(path), self.checks)
        if flow is None:
            return self._refuse(path, errors)
        owner = self._current.get(flow.name)
        if owner is not None and owner.file != str(path):
            err = SchemaError(flow.mark, f"flow {flow.name!r} is already defined in {owner.file}")
            return self._refuse(path, [err])
        if owner is None or owner.version != flow.version:
            log.info("flow %s: version %s loaded from %s", flow.name, flow.version, path)
        self.add(flow)
        self._files[path].flow = flow.name
        self.last_errors.pop(str(path), None)
        return []

    def _refuse(self, path: Path, errors: list[FlowError]) -> list[FlowError]:
        name = self._files[path].flow
        keeps = (
            f"; version {self._current[name].version} keeps serving"
            if name in self._current
            else ""
        )
        for e in errors:
            log.error(
                "flow refused: %s:%d:%d: %s: %s%s", e.file, e.line, e.col, e.code, e.message, keeps
            )
        self.last_errors[str(path)] = errors
        return errors

    def watch(
        self, stopped: Callable[[], bool], interval: float, sleep: Callable[[float], None]
    ) -> None:
        """The watcher loop (IO at the edge): poll every `interval` seconds until `stopped()`.
        Run it in a greenlet: `gevent.spawn(lib.watch, stop_event.is_set, 2.0, gevent.sleep)`."""
        while not stopped():
            try:
                self.poll()
            except Exception:  # a bad poll must not kill the watcher
                log.exception("flow library poll failed")
            sleep(interval)
