"""Contact-list import: CSV with a header mapping, numbers to E.164, errors by line.

The whole file is read and checked first; only then are the good rows written, in one
transaction, so an import is either complete (with its summary of refused lines) or absent.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calldesk.dialer.numbers import normalize

DEFAULT_COLUMNS = {"number": ("number", "phone", "phone_number", "msisdn"),
                   "name": ("name", "full_name"), "timezone": ("timezone", "tz", "time_zone")}  # fmt: skip


class ImportRefused(Exception):
    """The file cannot be imported at all (`file:line: reason`)."""


@dataclass
class Contact:
    number: str
    name: str
    timezone: str
    fields: dict[str, str]
    line: int


@dataclass
class ImportResult:
    contacts: dict[str, Contact] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
    duplicates: int = 0


def _decode_lines(data: bytes) -> tuple[str, list[tuple[int, str]]]:
    """Text with undecodable lines blanked (numbering kept), and those lines' errors."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    out, errors = [], []
    for i, raw in enumerate(data.splitlines(keepends=True), start=1):
        try:
            out.append(raw.decode("utf-8-sig" if i == 1 else "utf-8"))
        except UnicodeDecodeError as e:
            errors.append((i, f"not valid UTF-8 (byte {e.start + 1}); line skipped"))
            out.append("\n")
    return "".join(out), errors


def _column(header: list[str], role: str, mapping: Mapping[str, str]) -> str | None:
    if role in mapping:
        return mapping[role]
    lower = {h.strip().lower(): h for h in header}
    return next((lower[c] for c in DEFAULT_COLUMNS[role] if c in lower), None)


def read_contacts(
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    region: str = "US",
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Parse and check a CSV file. `progress(n)` is told of every 1,000 rows read."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise ImportRefused(f"{p}: cannot read: {e.strerror}") from None
    text, errors = _decode_lines(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ImportRefused(f"{p}:1: no header row")
    mapping = dict(mapping or {})
    cols = {role: _column(header, role, mapping) for role in DEFAULT_COLUMNS}
    for role, col in cols.items():
        if col is not None and col not in header:
            raise ImportRefused(
                f"{p}:1: no column {col!r} for {role} (columns: {', '.join(header)})"
            )
    if cols["number"] is None:
        raise ImportRefused(
            f"{p}:1: no number column (columns: {', '.join(header)}; map one with --map number=COL)"
        )
    idx = {role: header.index(c) for role, c in cols.items() if c is not None}
    custom = [(i, h) for i, h in enumerate(header) if i not in idx.values()]
    res = ImportResult(errors=errors)
    zones_ok: dict[str, bool] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            res.rows += 1
            if progress and res.rows % 1000 == 0:
                progress(1000)
            if len(row) != len(header):
                res.errors.append((line, f"{len(row)} fields, the header has {len(header)}"))
                continue
            try:
                number = normalize(row[idx["number"]], region)
            except ValueError as e:
                res.errors.append((line, str(e)))
                continue
            tz = row[idx["timezone"]].strip() if "timezone" in idx else ""
            if tz and tz not in zones_ok:
                try:
                    ZoneInfo(tz)
                    zones_ok[tz] = True
                except (ZoneInfoNotFoundError, ValueError):
                    zones_ok[tz] = False
            if tz and not zones_ok[tz]:
                res.errors.append((line, f"unknown time zone {tz!r}"))
                continue
            name = row[idx["name"]].strip() if "name" in idx else ""
            fields = {h: row[i] for i, h in custom if row[i] != ""}
            old = res.contacts.get(number)
            if old is None:
                res.contacts[number] = Contact(number, name, tz, fields, line)
            else:  # merged: what the first row left empty, a later row fills
                res.duplicates += 1
                old.name = old.name or name
                old.timezone = old.timezone or tz
                old.fields = {**fields, **old.fields}
    except csv.Error as e:
        raise ImportRefused(f"{p}:{reader.line_num}: {e}") from None
    res.errors.sort()
    return res
