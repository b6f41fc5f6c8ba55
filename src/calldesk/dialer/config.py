"""The `campaigns:` list of calldesk.yaml. Every refusal is `key: reason` with the key path.

```yaml
campaigns:
  - name: renewals
    mode: predictive            # preview | progressive | power | predictive | notification
    lists: [spring]
    queue: renewals             # the agents who work it (and/or `agents: [alice]`)
    caller_id: "+15551230000"   # must be a number one of the trunks carries (a DID)
    trunk: main                 # optional: pin the campaign to one trunk
    windows: [{days: mon-fri, start: "09:00", end: "20:00"}]   # in the callee's local time
    ring_s: 25                  # at least 15
    abandon_cap: 0.03           # default 0.03, never above it
    max_attempts: 3
    retry: {busy: 10m, no_answer: 2h, machine: 4h, failed: 30m, callback_requested: 0}
    amd: true
    safe_harbour_flow: safe_harbour   # required unless preview or notification
    safe_harbour_from: answer   # answer (default) | greeting_end: when the 2 s start with AMD on
    flow: broadcast             # notification campaigns: the flow the callee hears
    lines: 10                   # notification campaigns: calls at once
    machine_flow: leave_message # AMD machines: the flow run after the beep (else a retry)
    preview_timeout_s: 30       # preview: dial the contact by itself after this (0: never)
    avmd: true                  # with amd: mod_avmd's beep too (freeswitch.avmd loads it)
    default_timezone: America/New_York
```
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from calldesk.errors import ConfigError

CAMPAIGN_MODES = ("preview", "progressive", "power", "predictive", "notification")
RETRY_OUTCOMES = ("busy", "no_answer", "machine", "failed", "callback_requested")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REGULATORY_CAP = 0.03
_KEYS = {
    "name",
    "mode",
    "lists",
    "queue",
    "agents",
    "caller_id",
    "trunk",
    "windows",
    "ring_s",
    "abandon_cap",
    "max_attempts",
    "retry",
    "amd",
    "safe_harbour_flow",
    "flow",
    "ratio",
    "default_timezone",
    "paused",
    "safe_harbour_from",
    "lines",
    "machine_flow",
    "preview_timeout_s",
    "avmd",
}
GRACE_FROM = ("answer", "greeting_end")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Window:
    days: frozenset[int]  # 0 = Monday
    start_min: int
    end_min: int

    def allows(self, weekday: int, minute: int) -> bool:
        return weekday in self.days and self.start_min <= minute < self.end_min

    def text(self) -> str:
        names = ",".join(DAYS[d] for d in sorted(self.days))
        s, e = self.start_min, self.end_min
        return f"{names} {s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"


@dataclass(frozen=True)
class Campaign:
    name: str
    mode: str
    lists: tuple[str, ...]
    caller_id: str
    windows: tuple[Window, ...]
    queue: str = ""
    agents: tuple[str, ...] = ()
    trunk: str = ""
    ring_s: float = 25.0
    abandon_cap: float = REGULATORY_CAP
    max_attempts: int = 3
    retry: Mapping[str, float] = field(default_factory=dict)
    amd: bool = False
    safe_harbour_flow: str = ""
    flow: str = ""
    ratio: float = 2.0
    default_timezone: str = "UTC"
    paused: bool = False
    safe_harbour_from: str = "answer"  # when the 2 s start with AMD on (see README)
    lines: int = 10
    machine_flow: str = ""
    preview_timeout_s: float = 0.0
    avmd: bool = False  # mod_avmd's beep during AMD and the wait (needs mod_avmd loaded)


def parse_duration(v: Any, path: str) -> float:
    if isinstance(v, int | float) and not isinstance(v, bool) and v >= 0:
        return float(v)
    m = _DURATION.match(str(v).strip()) if isinstance(v, str) else None
    if not m:
        raise ConfigError(path, f"expected seconds or a duration like 10m, 2h, got {v!r}")
    return float(m.group(1)) * _UNIT[m.group(2)]


def _days(v: Any, path: str) -> frozenset[int]:
    out: set[int] = set()
    for part in str(v).lower().replace(" ", "").split(","):
        a, _, b = part.partition("-")
        if a not in DAYS or (b and b not in DAYS):
            raise ConfigError(path, f"expected days like mon-fri or sat,sun, got {v!r}")
        i, j = DAYS.index(a), DAYS.index(b or a)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return frozenset(out)


def _minutes(v: Any, path: str) -> int:
    m = _TIME.match(str(v))
    if not m:
        raise ConfigError(path, f'expected a time "HH:MM", got {v!r}')
    return int(m.group(1)) * 60 + int(m.group(2))


def parse_windows(raw: Any, path: str) -> tuple[Window, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(path, "expected a non-empty list of {days, start, end}")
    out = []
    for i, w in enumerate(raw):
        p = f"{path}[{i}]"
        if not isinstance(w, Mapping) or set(w) - {"days", "start", "end"}:
            raise ConfigError(p, "expected a mapping with days, start and end")
        start, end = _minutes(w.get("start"), f"{p}.start"), _minutes(w.get("end"), f"{p}.end")
        if end <= start:
            raise ConfigError(f"{p}.end", "must be after start")
        out.append(Window(_days(w.get("days", "mon-sun"), f"{p}.days"), start, end))
    return tuple(out)


def _campaign(
    c: Any, path: str, dids: Mapping[str, Collection[str]], flows: Collection[str] | None
) -> Campaign:
    if not isinstance(c, Mapping):
        raise ConfigError(path, "expected a mapping")
    for k in c:
        if k not in _KEYS:
            raise ConfigError(f"{path}.{k}", f"unknown key (allowed: {', '.join(sorted(_KEYS))})")
    name = c.get("name")
    if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_.-]{1,64}$", name):
        raise ConfigError(f"{path}.name", "expected a name of letters, digits, _ . -")
    mode = c.get("mode", "progressive")
    if mode not in CAMPAIGN_MODES:
        raise ConfigError(f"{path}.mode", f"expected one of {', '.join(CAMPAIGN_MODES)}")
    lists = c.get("lists")
    if not isinstance(lists, list) or not lists or not all(isinstance(x, str) for x in lists):
        raise ConfigError(f"{path}.lists", "expected a non-empty list of list names")
    cid = str(c.get("caller_id", ""))
    if not _E164.match(cid):
        raise ConfigError(f"{path}.caller_id", f"expected a valid E.164 number, got {cid!r}")
    trunk = str(c.get("trunk", ""))
    if trunk and trunk not in dids:
        raise ConfigError(f"{path}.trunk", f"unknown trunk {trunk!r}")
    allowed = dids[trunk] if trunk else {n for ns in dids.values() for n in ns}
    if cid not in allowed:
        where = f"trunk {trunk!r}" if trunk else "any trunk"
        raise ConfigError(f"{path}.caller_id", f"{cid} is not a number {where} carries (its DIDs)")
    ring = parse_duration(c.get("ring_s", 25), f"{path}.ring_s")
    if ring < 15:
        raise ConfigError(f"{path}.ring_s", f"must be at least 15 s, got {ring:g}")
    cap = c.get("abandon_cap", REGULATORY_CAP)
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not 0 < cap <= REGULATORY_CAP:
        raise ConfigError(f"{path}.abandon_cap", "expected a fraction > 0 and <= 0.03")
    attempts = c.get("max_attempts", 3)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise ConfigError(f"{path}.max_attempts", "expected an integer >= 1")
    retry_raw = c.get("retry", {})
    if not isinstance(retry_raw, Mapping):
        raise ConfigError(f"{path}.retry", "expected a mapping of outcome: delay")
    retry = {}
    for k, v in retry_raw.items():
        if k not in RETRY_OUTCOMES:
            raise ConfigError(f"{path}.retry.{k}", f"expected one of {', '.join(RETRY_OUTCOMES)}")
        retry[k] = parse_duration(v, f"{path}.retry.{k}")
    amd = c.get("amd", False)
    if not isinstance(amd, bool):
        raise ConfigError(f"{path}.amd", "expected true or false")
    safe, flow = str(c.get("safe_harbour_flow", "")), str(c.get("flow", ""))
    if mode not in ("preview", "notification") and not safe:
        raise ConfigError(f"{path}.safe_harbour_flow", f"required for a {mode} campaign")
    if mode == "notification" and not flow:
        raise ConfigError(f"{path}.flow", "required for a notification campaign")
    grace_from = c.get("safe_harbour_from", "answer")
    if grace_from not in GRACE_FROM:
        raise ConfigError(f"{path}.safe_harbour_from", f"expected one of {', '.join(GRACE_FROM)}")
    lines = c.get("lines", 10)
    if isinstance(lines, bool) or not isinstance(lines, int) or not 1 <= lines <= 1000:
        raise ConfigError(f"{path}.lines", "expected an integer from 1 to 1000")
    machine_flow = str(c.get("machine_flow", ""))
    avmd = c.get("avmd", False)
    if not isinstance(avmd, bool):
        raise ConfigError(f"{path}.avmd", "expected true or false")
    preview_timeout = parse_duration(c.get("preview_timeout_s", 0), f"{path}.preview_timeout_s")
    for key, f in (("safe_harbour_flow", safe), ("flow", flow), ("machine_flow", machine_flow)):
        if f and flows is not None and f not in flows:
            raise ConfigError(f"{path}.{key}", f"unknown flow {f!r}")
    agents = c.get("agents", [])
    if not isinstance(agents, list):
        raise ConfigError(f"{path}.agents", "expected a list of agent ids")
    if mode not in ("notification",) and not c.get("queue") and not agents:
        raise ConfigError(f"{path}.queue", "a campaign with agents needs a queue or agents")
    tz = str(c.get("default_timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}.default_timezone", f"unknown time zone {tz!r}") from None
    ratio = c.get("ratio", 2.0)
    if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio < 1:
        raise ConfigError(f"{path}.ratio", "expected a number >= 1")
    return Campaign(
        name=name,
        mode=mode,
        lists=tuple(lists),
        caller_id=cid,
        windows=parse_windows(c.get("windows"), f"{path}.windows"),
        queue=str(c.get("queue", "")),
        agents=tuple(str(a) for a in agents),
        trunk=trunk,
        ring_s=ring,
        abandon_cap=float(cap),
        max_attempts=attempts,
        retry=retry,
        amd=amd,
        safe_harbour_flow=safe,
        flow=flow,
        ratio=float(ratio),
        default_timezone=tz,
        paused=bool(c.get("paused", False)),
        safe_harbour_from=str(grace_from),
        lines=lines,
        machine_flow=machine_flow,
        preview_timeout_s=preview_timeout,
        avmd=avmd,
    )


def parse_campaigns(
    raw: Any,
    *,
    trunk_dids: Mapping[str, Collection[str]],
    known_flows: Collection[str] | None = None,
    source: str | None = None,
) -> tuple[Campaign, ...]:
    """`trunk_dids`: trunk name -> the E.164 numbers it carries (caller IDs it may present)."""
    try:
        if raw is None:
            return ()
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            raise ConfigError("campaigns", "expected a list")
        out = [_campaign(c, f"campaigns[{i}]", trunk_dids, known_flows) for i, c in enumerate(raw)]
        seen: set[str] = set()
        for i, c in enumerate(out):
            if c.name in seen:
                raise ConfigError(f"campaigns[{i}].name", f"duplicate campaign {c.name!r}")
            seen.add(c.name)
    except ConfigError as e:
        raise ConfigError(e.key_path, e.reason, e.source or source) from None
    return tuple(out)
