"""Pure, injection-safe ESL command builders. Each returns the exact bytes to write.

Any value that could break the frame is refused with `CommandRefused`: CR, LF and NUL anywhere;
whitespace inside a single token (uuids, app names, header names); characters that would end a
`{var=value}` block in a dial string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from calldesk.errors import CommandRefused

_FORBIDDEN = re.compile(r"[\r\n\x00]")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:@+\-/#*]+$")
_UUID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,127}$")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
_DIAL_BAD = re.compile(r"[{}'\"\[\]\r\n\x00]")  # what a dial-string value may not hold
_HEADER_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_]*$")
_EVENT_FORMATS = ("plain", "json", "xml")


def check_value(value: object, what: str) -> str:
    """A free-text value: anything but CR, LF and NUL."""
    text = str(value)
    bad = _FORBIDDEN.search(text)
    if bad:
        raise CommandRefused(
            f"{what} contains a forbidden character {bad.group()!r}: {text[:60]!r}"
        )
    return text


def check_token(value: object, what: str) -> str:
    text = check_value(value, what)
    if not _TOKEN.match(text):
        raise CommandRefused(f"{what} must be a single token without spaces: {text[:60]!r}")
    return text


def check_uuid(value: object, what: str = "leg uuid") -> str:
    text = check_value(value, what)
    if not _UUID.match(text):
        raise CommandRefused(f"{what} is not a valid uuid: {text[:60]!r}")
    return text


def _frame(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def auth(password: str) -> bytes:
    if not password:
        raise CommandRefused("the ESL password is empty")
    text = check_value(password, "password")
    if any(c.isspace() for c in text):
        raise CommandRefused("the ESL password may not contain whitespace")
    return _frame("auth " + text)


def api(command: str, *args: object) -> bytes:
    """`api <command> <args…>`: the reply is an api/response body."""
    parts = [check_token(command, "api command")] + [check_value(a, "api argument") for a in args]
    return _frame("api " + " ".join(p for p in parts if p != ""))


def bgapi(command: str, *args: object, job_uuid: str | None = None) -> bytes:
    """`bgapi …` with an optional client-chosen `Job-UUID` header."""
    parts = [check_token(command, "bgapi command")] + [
        check_value(a, "bgapi argument") for a in args
    ]
    lines = ["bgapi " + " ".join(p for p in parts if p != "")]
    if job_uuid:
        lines.append("Job-UUID: " + check_uuid(job_uuid, "Job-UUID"))
    return _frame(*lines)


def event(names: Iterable[str], fmt: str = "plain", custom: Iterable[str] = ()) -> bytes:
    """Subscribe. Plain names come first, then `CUSTOM` and its subclasses (all words after
    CUSTOM are taken as subclass names by mod_event_socket)."""
    if fmt not in _EVENT_FORMATS:
        raise CommandRefused(f"event format must be one of {_EVENT_FORMATS}, not {fmt!r}")
    words = [check_token(n, "event name") for n in names]
    subclasses = [check_token(s, "event subclass") for s in custom]
    if subclasses:
        words = [w for w in words if w != "CUSTOM"] + ["CUSTOM", *subclasses]
    if not words:
        raise CommandRefused("no event names to subscribe to")
    return _frame(f"event {fmt} " + " ".join(words))


def filter_add(header: str, value: str) -> bytes:
    if not _HEADER_NAME.match(check_value(header, "filter header")):
        raise CommandRefused(f"filter header is not a header name: {header!r}")
    return _frame(f"filter {header} " + check_value(value, "filter value"))


def simple(word: str, *args: object) -> bytes:
    """Argument-light commands: exit, noevents, nixevent X, myevents [uuid], linger [n], log n…"""
    allowed = {
        "exit",
        "noevents",
        "nixevent",
        "myevents",
        "linger",
        "nolinger",
        "log",
        "nolog",
        "connect",
        "resume",
        "divert_events",
    }
    if word not in allowed:
        raise CommandRefused(f"unknown plain command {word!r}")
    parts = [word] + [check_token(a, f"{word} argument") for a in args]
    return _frame(" ".join(parts))


def sendmsg_execute(
    leg_uuid: str | None,
    app: str,
    arg: str = "",
    *,
    event_uuid: str | None = None,
    event_lock: bool = False,
    loops: int = 1,
) -> bytes:
    """`sendmsg` execute. `event_uuid` returns as `Application-UUID` on EXECUTE/_COMPLETE.
    `leg_uuid=None` targets the controlled leg of an outbound socket."""
    head = "sendmsg" if leg_uuid is None else "sendmsg " + check_uuid(leg_uuid)
    lines = [head, "call-command: execute", "execute-app-name: " + check_token(app, "app name")]
    if arg != "":
        lines.append("execute-app-arg: " + check_value(arg, "app argument"))
    if event_uuid:
        lines.append("Event-UUID: " + check_uuid(event_uuid, "Event-UUID"))
    if event_lock:
        lines.append("event-lock: true")
    if loops != 1:
        if not isinstance(loops, int) or loops < 1:
            raise CommandRefused(f"loops must be a positive integer, not {loops!r}")
        lines.append(f"loops: {loops}")
    return _frame(*lines)


def sendmsg_hangup(leg_uuid: str | None, cause: str = "NORMAL_CLEARING") -> bytes:
    head = "sendmsg" if leg_uuid is None else "sendmsg " + check_uuid(leg_uuid)
    return _frame(
        head, "call-command: hangup", "hangup-cause: " + check_token(cause, "hangup cause")
    )


def dial_vars(variables: Mapping[str, object]) -> str:
    """`{a=1,b=two}` for a dial string. Commas in values are escaped; braces and quotes refused.
    One regex per value, and the messages built only for a refusal: an originate carries a dozen
    variables, and this ran per call."""
    items = []
    for name, value in variables.items():
        text = value if type(value) is str else str(value)
        if (type(name) is not str or _VAR_NAME.fullmatch(name) is None
                or _DIAL_BAD.search(text) is not None):
            _refuse_dial_var(name, text)
        items.append(f"{name}={text.replace(',', chr(92) + ',')}")
    return "{" + ",".join(items) + "}" if items else ""


def _refuse_dial_var(name: object, text: str) -> None:
    if not _VAR_NAME.match(check_value(name, "variable name")):
        raise CommandRefused(f"not a variable name: {name!r}")
    check_value(text, f"variable {name}")
    raise CommandRefused(
        f"variable {name} may not contain braces, brackets or quotes: {text[:60]!r}"
    )


def originate_args(
    endpoint: str,
    variables: Mapping[str, object] | None = None,
    app: str = "park",
    app_arg: str = "",
) -> str:
    """The argument string of `originate`: `{vars}endpoint &app(arg)`."""
    endpoint = check_value(endpoint, "endpoint")
    if not endpoint or any(c in endpoint for c in " {}"):
        raise CommandRefused(f"endpoint must be one token without braces: {endpoint!r}")
    check_token(app, "app name")
    arg = check_value(app_arg, "app argument")
    if ")" in arg:
        raise CommandRefused(f"app argument may not contain ')': {arg!r}")
    return f"{dial_vars(variables or {})}{endpoint} &{app}({arg})"


def uuid_command(name: str, leg_uuid: str, *args: object) -> bytes:
    """`api uuid_xxx <uuid> args…` (uuid_kill, uuid_bridge, uuid_record, uuid_transfer…)."""
    return api(name, check_uuid(leg_uuid), *args)
