"""Load the recorded FreeSWITCH wire traces in tests/fixtures (format: tests/fixtures/TRACES.md)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass(frozen=True)
class Record:
    t: float
    dir: str  # "send" | "recv" | "close"
    data: bytes


@dataclass(frozen=True)
class Trace:
    name: str
    header: dict
    records: list[Record]

    @property
    def received(self) -> list[bytes]:
        return [r.data for r in self.records if r.dir == "recv"]

    @property
    def sent(self) -> list[bytes]:
        return [r.data for r in self.records if r.dir == "send"]

    @property
    def stream(self) -> bytes:
        return b"".join(self.received)


def load_trace(name: str) -> Trace:
    lines = (FIXTURES / f"{name}.jsonl").read_text().splitlines()
    header = json.loads(lines[0])
    records = []
    for line in lines[1:]:
        rec = json.loads(line)
        records.append(Record(rec["t"], rec["dir"], rec["data"].encode("utf-8", "surrogateescape")))
    return Trace(name, header, records)


TRACE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.jsonl"))
