"""The sim driven by FreeSWITCH's own `fs_cli`, byte for byte (libs/esl/fs_cli.c and esl.c):

- esl_connect_timeout: reads `auth/request`, writes `auth <password>\\n\\n`, wants `+OK accepted`;
- `fs_cli -x CMD`: `api CMD\\nconsole_execute: true\\n\\n`, prints the api/response body, then
  esl_disconnect closes the socket (no `exit`);
- interactive: `log <profile loglevel>\\n\\n` first (the built-in profile's loglevel is empty, so
  `log \\n\\n`); each typed line becomes `api <line>\\nconsole_execute: true\\n\\n`; `/event ...`,
  `/log N`, `/nolog` are sent as typed, esl_send adding the blank line in a second write;
  `/exit` closes the socket.
"""

from __future__ import annotations

import gevent
import pytest
from tests.protocol.sim_client import RawClient

from calldesk.sim import SimSwitch


@pytest.fixture
def sw(tmp_path):  # type: ignore[no-untyped-def]
    s = SimSwitch(password="ClueCon-fscli-1", time_scale=10.0, recordings_dir=tmp_path).start()
    yield s
    s.stop()


def _connect(sw: SimSwitch) -> RawClient:
    c = RawClient.connect(sw.port)
    c.wait_for(lambda f: f.content_type == "auth/request")
    c.send(f"auth {sw.password}\n\n")
    reply = c.wait_for(lambda f: f.content_type == "command/reply")
    assert reply.reply_text == "+OK accepted"  # esl.c compares exactly this
    return c


def _console(c: RawClient, line: str) -> bytes:
    """One typed line: fs_cli's process_command for a non-slash command."""
    n = len(c.frames)
    c.send(f"api {line}\nconsole_execute: true\n\n")
    return c.wait_for(lambda f: f.content_type == "api/response", start=n).body


def _slash(c: RawClient, cmd: str) -> str:
    """`/event ...`, `/log ...`: esl_send_recv(handle, cmd) -- the command, then the blank line."""
    n = len(c.frames)
    c.send(cmd)
    gevent.sleep(0.01)
    c.send("\n\n")
    return c.wait_for(lambda f: f.content_type == "command/reply", start=n).reply_text


def _gone(sw: SimSwitch, c: RawClient) -> None:
    c.close()  # esl_disconnect: closesocket, no `exit`
    with gevent.Timeout(5, AssertionError("the sim kept the closed fs_cli connection")):
        while sw.connections:
            gevent.sleep(0.005)


def test_fs_cli_dash_x(sw: SimSwitch) -> None:
    c = _connect(sw)
    assert _console(c, "originate user/1099 &park()") == b"-ERR SUBSCRIBER_ABSENT\n"
    _gone(sw, c)
    c = _connect(sw)
    assert _console(c, "uuid_bridge a b") == b"-ERR Invalid uuid\n"
    _gone(sw, c)
    c = _connect(sw)
    assert _console(c, "version").startswith(b"FreeSWITCH Version ")
    _gone(sw, c)


def test_fs_cli_interactive_session(sw: SimSwitch) -> None:
    c = _connect(sw)
    c.send("log \n\n")  # snprintf("log %s\n\n", "") with the built-in profile
    first = c.wait_for(lambda f: f.content_type == "command/reply", start=2)
    assert first.reply_text == "+OK log level  [7]"  # mod_event_socket: level_s is empty
    assert _slash(c, "log debug") == "+OK log level debug [7]"  # `fs_cli -l debug`, or /log debug
    assert _slash(c, "log bogus") == "-ERR invalid log level"
    assert _slash(c, "event plain ALL") == "+OK event listener enabled plain"
    status = _console(c, "status")
    assert status.startswith(b"UP ") and status.endswith(b"\n")
    assert _console(c, "bogus_command") == b"-ERR bogus_command Command not found!\n"
    caller = sw.inject_call("5551000")
    c.wait_event("CHANNEL_PARK", Unique_ID=caller)  # fs_cli prints these as RECV EVENT
    assert _console(c, f"uuid_kill {caller}") == b"+OK\n"
    c.wait_event("CHANNEL_DESTROY", Unique_ID=caller)
    logs = [f for f in c.frames if f.content_type == "log/data"]
    assert all(f.headers.get("Log-Level") for f in logs)  # msg_thread_run reads log-level
    assert _slash(c, "nolog") == "+OK no longer logging"
    _gone(sw, c)  # /exit
