"""Command builders: exact bytes, and every frame-breaking value refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk.errors import CommandRefused
from calldesk.esl import commands as c

UUID = "25d536f0-3f7b-4c3e-9d1a-6a1b2c3d4e5f"


def test_auth_and_api_bytes() -> None:
    assert c.auth("s3cr3t!") == b"auth s3cr3t!\n\n"
    assert (
        c.api("uuid_kill", UUID, "NORMAL_CLEARING")
        == f"api uuid_kill {UUID} NORMAL_CLEARING\n\n".encode()
    )
    assert c.api("show", "channels as json") == b"api show channels as json\n\n"


def test_bgapi_with_job_uuid() -> None:
    assert c.bgapi("status", job_uuid=UUID) == f"bgapi status\nJob-UUID: {UUID}\n\n".encode()


def test_sendmsg_execute_matches_the_trace_shape() -> None:
    raw = c.sendmsg_execute(UUID, "playback", "tone_stream://%(2000,0,440)", event_uuid=UUID)
    assert (
        raw
        == (
            f"sendmsg {UUID}\ncall-command: execute\nexecute-app-name: playback\n"
            f"execute-app-arg: tone_stream://%(2000,0,440)\nEvent-UUID: {UUID}\n\n"
        ).encode()
    )
    assert c.sendmsg_execute(None, "answer").startswith(b"sendmsg\ncall-command: execute\n")


def test_event_puts_custom_subclasses_last() -> None:
    raw = c.event(["CHANNEL_ANSWER", "CUSTOM", "DTMF"], custom=["sofia::register"])
    assert raw == b"event plain CHANNEL_ANSWER DTMF CUSTOM sofia::register\n\n"


def test_originate_args() -> None:
    args = c.originate_args(
        "user/1001", {"origination_caller_id_name": "Sales, Smith", "calldesk_role": "agent"}
    )
    assert (
        args == "{origination_caller_id_name=Sales\\, Smith,calldesk_role=agent}user/1001 &park()"
    )


@pytest.mark.parametrize(
    "build",
    [
        lambda v: c.api("uuid_kill", v),
        lambda v: c.api("status", v),
        lambda v: c.bgapi("status", v),
        lambda v: c.sendmsg_execute(UUID, "playback", v),
        lambda v: c.sendmsg_execute(v, "playback"),
        lambda v: c.sendmsg_hangup(UUID, v),
        lambda v: c.filter_add("Unique-ID", v),
        lambda v: c.originate_args("user/1001", {"x": v}),
        lambda v: c.originate_args(v),
        lambda v: c.auth(v),
        lambda v: c.uuid_command("uuid_record", UUID, "start", v),
    ],
)
@pytest.mark.parametrize("evil", ["a\nb", "a\rb", "x\n\nevent plain ALL", "nul\x00"])
def test_newlines_are_refused_everywhere(build, evil: str) -> None:
    with pytest.raises(CommandRefused):
        build(evil)


@pytest.mark.parametrize("bad", ["", "has space", "a}b"])
def test_bad_uuids_refused(bad: str) -> None:
    with pytest.raises(CommandRefused):
        c.uuid_command("uuid_kill", bad)


def test_dial_vars_refuse_braces() -> None:
    with pytest.raises(CommandRefused, match="braces"):
        c.dial_vars({"x": "a}b"})


@pytest.mark.parametrize(("variables", "reason"), [
    ({"a b": 1}, "not a variable name"), ({"9a": 1}, "not a variable name"),
    ({"a\n": 1}, "variable name contains a forbidden"), ({1: "x"}, "not a variable name"),
    ({"a": "x\ny"}, "variable a contains a forbidden"), ({"a": "nul\x00"}, "forbidden"),
    ({"a": "q'"}, "quotes"), ({"a": "[1]"}, "brackets"), ({"a": 'say "hi"'}, "quotes"),
])
def test_dial_vars_refuse_each_bad_name_or_value_with_its_reason(variables, reason) -> None:
    with pytest.raises(CommandRefused, match=reason):
        c.dial_vars(variables)


def test_dial_vars_escape_commas_and_keep_order() -> None:
    assert c.dial_vars({"b": "x,y", "a": 1, "c_d.e-f": True}) == "{b=x\\,y,a=1,c_d.e-f=True}"
    assert c.dial_vars({}) == ""


def test_empty_password_refused() -> None:
    with pytest.raises(CommandRefused, match="empty"):
        c.auth("")


@given(st.text())
def test_no_builder_output_ever_has_an_early_blank_line(value: str) -> None:
    for build in (lambda v: c.api("status", v), lambda v: c.sendmsg_execute(UUID, "playback", v)):
        try:
            raw = build(value)
        except CommandRefused:
            continue
        assert raw.endswith(b"\n\n") and b"\n\n" not in raw[:-2] and b"\r" not in raw
