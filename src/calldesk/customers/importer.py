"""Import customers from a CRM export (CSV). Each line is its own upsert: a bad line is reported
as `file:line: reason` and the others still go in.

Columns: `id` (optional: the CRM's key, kept as the customer id), `name`, the identity columns
`phone`, `email`, `account`, `chat` and `identity_<name>` (several values separated by `;`),
`verified` (the kinds the CRM vouches for, separated by `;` or spaces; default `account`),
and any other column goes to the customer's fields.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calldesk.customers.identity import BUILTIN, FLOW_PREFIX, IdentityError
from calldesk.customers.service import CustomerService
from calldesk.errors import CalldeskError


@dataclass
class ImportResult:
    lines: int = 0
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


def identity_columns(header: list[str]) -> dict[str, str]:
    """column -> identity kind."""
    out = {}
    for col in header:
        c = col.strip().lower()
        if c in BUILTIN:
            out[col] = c
        elif c.startswith(FLOW_PREFIX) and len(c) > len(FLOW_PREFIX):
            out[col] = c[len(FLOW_PREFIX) :]
    return out


def record_of(row: dict[str, Any], kinds: dict[str, str], default_verified: set[str]) -> dict:
    verified_text = (row.get("verified") or "").strip()
    verified = (
        set(re.split(r"[;\s,]+", verified_text.lower())) if verified_text else default_verified
    )
    identities = []
    for col, kind in kinds.items():
        for value in (row.get(col) or "").split(";"):
            if value.strip():
                identities.append({"kind": kind, "value": value, "verified": kind in verified})
    skip = {"id", "name", "verified", *kinds}
    fields = {
        k: v for k, v in row.items() if k not in skip and k is not None and v not in (None, "")
    }
    return {
        "id": (row.get("id") or "").strip() or None,
        "name": (row.get("name") or "").strip() or None,
        "fields": fields,
        "identities": identities,
    }


def count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def import_csv(
    service: CustomerService,
    path: str | Path,
    at: float,
    default_verified: tuple[str, ...] = ("account",),
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    path = Path(path)
    result = ImportResult()
    try:
        f = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CalldeskError(f"{path}: cannot read ({exc.strerror})") from None
    with f:
        reader = csv.DictReader(f)
        if not reader.fieldnames:
            raise CalldeskError(f"{path}:1: empty file (a header line is needed)")
        kinds = identity_columns(list(reader.fieldnames))
        if not kinds and "id" not in reader.fieldnames:
            raise CalldeskError(
                f"{path}:1: no id and no identity column (phone, email, account, chat, identity_*)"
            )
        line = reader.line_num
        for row in reader:
            result.lines += 1
            try:
                if None in row:
                    raise CalldeskError(f"{len(row[None])} value(s) more than the header has")
                record = record_of(row, kinds, set(default_verified))
                _, created = service.upsert(record, at, source=f"import:{path.name}")
                result.created += created
                result.updated += not created
            except (CalldeskError, IdentityError) as exc:
                result.errors.append(f"{path}:{line + 1}: {exc}")
            line = reader.line_num
            if progress:
                progress(1)
    return result
