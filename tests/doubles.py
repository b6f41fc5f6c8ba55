"""A scripted fake switch over real TCP, for failure cases the simulated switch should not fake:
silence mid-command, garbage frames, dropped connections. Replies use the traces' exact texts."""

from __future__ import annotations

import json
from collections.abc import Callable

import gevent
from gevent.server import StreamServer

Responder = Callable[["FakeConnection", str], bool]


def reply(text: str, **extra: str) -> bytes:
    lines = ["Content-Type: command/reply", f"Reply-Text: {text}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    return ("\n".join(lines) + "\n\n").encode()


def api_response(body: str) -> bytes:
    data = body.encode()
    return f"Content-Type: api/response\nContent-Length: {len(data)}\n\n".encode() + data


def event_plain(headers: list[tuple[str, str]], body: str = "") -> bytes:
    from urllib.parse import quote

    block = "".join(f"{k}: {quote(v, safe='/')}\n" for k, v in headers)
    if body:
        block += f"Content-Length: {len(body.encode())}\n\n{body}"
    else:
        block += "\n"
    data = block.encode()
    return f"Content-Length: {len(data)}\nContent-Type: text/event-plain\n\n".encode() + data


class FakeConnection:
    def __init__(self, server: FakeSwitch, sock) -> None:
        self.server = server
        self.sock = sock
        self.commands: list[str] = []

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)


class FakeSwitch:
    """Inbound-mode fake. `channels` feeds `show channels as json`; `silent` swallows commands;
    `responders` may answer a command first (return True when handled)."""

    def __init__(self, password: str = "test-pw") -> None:
        self.password = password
        self.channels: list[dict] = []
        self.silent: set[str] = set()
        self.responders: list[Responder] = []
        self.connections: list[FakeConnection] = []
        self.received: list[str] = []
        self._server = StreamServer(("127.0.0.1", 0), self._handle)

    @property
    def port(self) -> int:
        return self._server.server_port

    def start(self) -> FakeSwitch:
        self._server.start()
        return self

    def stop(self) -> None:
        for conn in self.connections:
            try:
                conn.sock.close()
            except OSError:
                pass
        self._server.stop(timeout=1)

    def drop_all(self) -> None:
        for conn in list(self.connections):
            conn.sock.close()
        self.connections.clear()

    def broadcast(self, data: bytes) -> None:
        for conn in self.connections:
            conn.send(data)

    def _handle(self, sock, _addr) -> None:
        conn = FakeConnection(self, sock)
        self.connections.append(conn)
        try:
            sock.sendall(b"Content-Type: auth/request\n\n")
            buf = b""
            while True:
                data = sock.recv(65536)
                if not data:
                    return
                buf += data
                while b"\n\n" in buf:
                    raw, buf = buf.split(b"\n\n", 1)
                    self._answer(conn, raw.decode())
        except OSError:
            return

    def _answer(self, conn: FakeConnection, command: str) -> None:
        conn.commands.append(command)
        self.received.append(command)
        word = command.split(" ", 1)[0].split("\n", 1)[0]
        if any(command.startswith(s) for s in self.silent):
            return
        for responder in self.responders:
            if responder(conn, command):
                return
        if word == "auth":
            ok = command == f"auth {self.password}"
            conn.send(reply("+OK accepted" if ok else "-ERR invalid"))
        elif word == "event":
            conn.send(reply("+OK event listener enabled plain"))
        elif command.startswith("api show channels as json"):
            rows = self.channels
            body = (
                json.dumps({"row_count": len(rows), "rows": rows}) if rows else '{"row_count": 0}'
            )
            conn.send(api_response(body + "\n"))
        elif word == "api":
            conn.send(api_response("-ERR " + command[4:].split(" ")[0] + " Command not found!\n"))
        elif word == "bgapi":
            job = command.split("Job-UUID: ", 1)[1].strip()
            conn.send(reply(f"+OK Job-UUID: {job}", **{"Job-UUID": job}))
        elif word == "sendmsg":
            conn.send(reply("+OK"))
        elif word == "exit":
            conn.send(reply("+OK bye"))
            body = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
            conn.send(
                b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n%s"
                % (len(body), body)
            )
            gevent.spawn_later(0.01, conn.sock.close)
        else:
            conn.send(reply("-ERR command not found"))
