"""Push: `GET /api/events` as a WebSocket (`calldesk.web.wsock`: credentials and topics are
checked before the upgrade, so a refusal is a plain 401/403/404 JSON answer) or, with `Accept:
text/event-stream`, Server-Sent Events. Each message is a journal entry `{seq, kind, subject,
at, data}` on a topic the user may follow (`agent:ID`, `queue:NAME`, `team:ID`,
`interaction:ID`; admins also `all`). `api.*` entries (the API's own journal lines, one per
request) are on no topic: a page that fetches on each pushed event would otherwise push again.

`since=SEQ` resumes exactly: the client is registered for live entries first, then the journal
after SEQ is sent, then the live ones above what was sent, so nothing is lost and nothing comes
twice. A backlog longer than `BACKLOG_MAX` is `{kind: "reload", seq}`. Each entry is encoded
once (its JSON text and its WebSocket frame) however many clients follow it; each client has a
bounded queue filled by the notifier without blocking, and its own greenlet writes what queued
up in one send. On overflow the client gets `{kind: "dropped", detail}` and is closed, so a
slow or dead client never slows the controller.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.queue
from flask import Flask, Response, request

from calldesk.auth import PermissionDenied, User
from calldesk.store.journal import Entry
from calldesk.web.api import ApiError, error_response, map_error
from calldesk.web.models import EventsQuery
from calldesk.web.wsock import PING, HandshakeError, PushSocket, text_frame

log = logging.getLogger(__name__)

QUEUE_MAX = 2000
BACKLOG_MAX = 20000
KEEPALIVE_S = 15.0
SEND_MAX = 200  # messages written in one send
NEVER = ("api.",)  # on no topic (see the module doc)
PRIVATE = ("auth.", "access.", "recording.access")  # admins' `all` topic only


@dataclass(frozen=True)
class Push:
    """One message as sent: its JSON text (SSE) and its WebSocket frame, built once."""

    seq: int
    text: str
    frame: bytes


def encode(e: Entry) -> Push:
    """An entry as pushed; `seq` is null for what is not journaled (`typing`)."""
    text = json.dumps(
        {"seq": e.id or None, "kind": e.kind, "subject": e.subject, "at": e.at, "data": e.data},
        default=str,
    )
    return Push(e.id, text, text_frame(text.encode()))


def control(body: dict[str, Any]) -> Push:
    text = json.dumps(body)
    return Push(0, text, text_frame(text.encode()))


_WAKE = Push(0, "", b"")  # wakes a client's writer (it went away)


@dataclass
class Topic:
    kind: str
    id: str
    members: frozenset[str] = frozenset()  # a team's agents
    queues: frozenset[str] = frozenset()  # a team's queues

    def matches(self, e: Entry) -> bool:
        if e.kind.startswith(NEVER):
            return False
        if e.kind.startswith(PRIVATE):
            return self.kind == "all"
        d = e.data
        if self.kind == "all":
            return True
        if self.kind == "agent":
            return e.subject == self.id or d.get("agent") == self.id
        if self.kind == "queue":
            return (
                d.get("queue") == self.id
                or d.get("source") == self.id
                or (e.kind.startswith("queue.") and e.subject == self.id)
            )
        if self.kind == "interaction":
            return e.subject == self.id or d.get("interaction") == self.id
        return (
            e.subject in self.members
            or d.get("agent") in self.members
            or d.get("queue") in self.queues
        )


@dataclass(eq=False)
class Client:
    user: User
    topics: list[Topic]
    limit: int = QUEUE_MAX
    queue: gevent.queue.Queue = field(init=False)
    dropped: str | None = None

    def __post_init__(self) -> None:
        self.queue = gevent.queue.Queue(self.limit)

    def wants(self, e: Entry) -> bool:
        return self.dropped is None and any(t.matches(e) for t in self.topics)

    def put(self, push: Push) -> None:
        try:
            self.queue.put_nowait(push)
        except gevent.queue.Full:
            self.dropped = f"more than {self.limit} events waiting: this client reads too slowly"

    def gone(self) -> None:
        """The client closed or its connection broke: its writer stops."""
        self.dropped = self.dropped or "closed by the client"
        if not self.queue.full():
            self.queue.put_nowait(_WAKE)


class EventHub:
    def __init__(self, web: Any) -> None:
        self.web = web
        self.queue_max = QUEUE_MAX
        self.clients: set[Client] = set()
        self._by_agent: dict[str, set[Client]] = {}  # clients following only agent topics
        self._wide: set[Client] = set()  # every other client
        notifier = web.store.journal.notifier
        if notifier is not None:
            notifier.subscribe(self.publish)

    def publish(self, e: Entry) -> None:
        """Clients following only agents are looked up by the entry's subject and agent; the
        others (queues, teams, interactions, all) see every entry. Encoded once, if anyone
        wants it."""
        if not self.clients or e.kind.startswith(NEVER):
            return
        targets = set(self._wide)
        for key in (e.subject, e.data.get("agent")):
            if isinstance(key, str):
                targets.update(self._by_agent.get(key, ()))
        push: Push | None = None
        for c in targets:
            if c.wants(e):
                push = push or encode(e)
                c.put(push)

    def push(self, kind: str, subject: str, data: dict[str, Any]) -> None:
        """What is pushed but not journaled (typing): to the clients following its subject
        or agent now; never replayed by `since`."""
        self.publish(Entry(0, self.web.clock(), kind, subject, data))

    def _index(self, client: Client, add: bool) -> None:
        agents = [t.id for t in client.topics if t.kind == "agent"]
        if len(agents) != len(client.topics):
            (self._wide.add if add else self._wide.discard)(client)
            return
        for a in agents:
            group = self._by_agent.setdefault(a, set())
            (group.add if add else group.discard)(client)
            if not group:
                del self._by_agent[a]

    # topics
    def topics(self, user: User, text: str) -> list[Topic]:
        s = self.web.services
        names = [t.strip() for t in text.split(",") if t.strip()] or self._default(user)
        out = []
        for name in names[:50]:
            kind, _, tid = name.partition(":")
            if kind == "all":
                s.access.admin(user, "follow all events", "events")
                out.append(Topic("all", ""))
            elif kind == "agent" and tid:
                s.agents.get(user, tid)  # 404 / 403
                out.append(Topic("agent", tid))
            elif kind == "queue" and tid:
                s.queues.get(user, tid)
                out.append(Topic("queue", tid))
            elif kind == "interaction" and tid:
                s.interactions.get(user, tid)
                out.append(Topic("interaction", tid))
            elif kind == "team" and tid:
                out.append(self._team(user, tid))
            else:
                raise ApiError(400, "invalid", f"topics: unknown topic {name!r}", "topics")
        return out

    def _default(self, user: User) -> list[str]:
        d = self.web.services.access.directory
        if user.role == "admin":
            return ["all"]
        if user.role == "agent":
            return [f"agent:{user.agent}"] if user.agent else []
        return [f"team:{t}" for t in sorted(d.supervised_teams(user))]

    def _team(self, user: User, tid: str) -> Topic:
        access = self.web.services.access
        d = access.directory
        team = d.teams.get(tid)
        if team is None:
            raise ApiError(404, "not_found", f"no team {tid!r}")
        if user.role != "admin" and tid not in d.supervised_teams(user):
            raise access.deny(user, "follow team", tid, f"{user.id} does not supervise team {tid}")
        agents = set(team.agents) | {
            u.agent for u in d.users.values() if u.agent and tid in u.teams
        }
        return Topic("team", tid, frozenset(agents), frozenset(team.queues))

    # a stream
    def open(self, user: User, topics: list[Topic], since: int | None) -> tuple[Client, list]:
        """Register first, then read the backlog: an entry appended in between is in the live
        queue and is skipped there if the backlog already had it."""
        client = Client(user, topics, self.queue_max)
        self.clients.add(client)
        self._index(client, True)
        backlog: list[Any] = []
        if since is not None:
            journal = self.web.store.journal
            db = self.web.store.db
            last = db.execute("SELECT coalesce(max(id), 0) FROM journal").fetchone()[0]
            first = db.execute("SELECT coalesce(min(id), 1) FROM journal").fetchone()[0]
            if since < first - 1 or last - since > BACKLOG_MAX or since > last:
                backlog.append({"kind": "reload", "seq": last})
            else:
                backlog.extend(
                    e for e in journal.read(after_id=since) if any(t.matches(e) for t in topics)
                )
        return client, backlog

    def close(self, client: Client) -> None:
        if client in self.clients:
            self.clients.discard(client)
            self._index(client, False)

    def stream(self, client: Client, backlog: list) -> Iterator[list[Push]]:
        """Batches of messages (an empty batch is a keep-alive), until the client is dropped
        (then the reason, then the end). A batch is what queued up since the last one."""
        sent = 0
        for item in backlog:
            if isinstance(item, dict):
                yield [control(item)]
                return
            sent = item.id
            yield [encode(item)]
        q = client.queue
        while client.dropped is None:
            try:
                first = q.get(timeout=KEEPALIVE_S)
            except gevent.queue.Empty:
                yield []
                continue
            batch = [first]
            while len(batch) < SEND_MAX and not q.empty():
                batch.append(q.get_nowait())
            # journaled entries above what was sent, and what is pushed but not journaled
            out = [p for p in batch if p.seq > sent or (p.seq == 0 and p.text)]
            if out:
                sent = max(sent, max(p.seq for p in out))
                yield out
        yield [control({"kind": "dropped", "seq": sent, "detail": client.dropped})]


def register(app: Flask, web: Any) -> None:
    hub: EventHub = web.hub

    def _open() -> tuple[Client, list]:
        user = web.authenticate()
        try:
            q = EventsQuery.model_validate(request.args.to_dict())
        except Exception as exc:  # noqa: BLE001 - pydantic's error, named below
            from calldesk.web.api import validation_error

            raise validation_error(exc) from None  # type: ignore[arg-type]
        return hub.open(user, hub.topics(user, q.topics), q.since)

    def events() -> Response:
        try:
            client, backlog = _open()
        except (ApiError, PermissionDenied, Exception) as exc:  # noqa: BLE001 - mapped below
            try:
                err = map_error(exc)
            except Exception:
                raise exc from None
            return error_response(err.status, err.error, err.detail, err.field)
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        topics = ",".join(f"{t.kind}:{t.id}" if t.id else t.kind for t in client.topics)
        data = {
            "user": client.user.id,
            "route": "/api/events",
            "topics": topics,
            "transport": "websocket" if websocket else "sse",
        }
        web.audit.add("api.read", "/api/events", data, web.clock())
        return _websocket(hub, client, backlog) if websocket else _sse(hub, client, backlog)

    # werkzeug routes WebSocket handshakes only to rules marked websocket
    app.add_url_rule("/api/events", "events", events, methods=["GET"])
    app.add_url_rule("/api/events", "events_ws", events, methods=["GET"], websocket=True)


def _sse(hub: EventHub, client: Client, backlog: list) -> Response:
    def body() -> Iterator[str]:
        try:
            for batch in hub.stream(client, backlog):
                yield "".join(f"data: {p.text}\n\n" for p in batch) or ": keep-alive\n\n"
        finally:
            hub.close(client)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(body(), mimetype="text/event-stream", headers=headers)


class _Handled(Response):
    """The socket was taken over: gevent's server must write nothing more."""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return []


def _websocket(hub: EventHub, client: Client, backlog: list) -> Response:
    try:
        ws = PushSocket(request.environ, client.gone)
    except (HandshakeError, OSError) as exc:
        hub.close(client)
        return error_response(400, "invalid", f"WebSocket handshake: {exc}")
    try:
        for batch in hub.stream(client, backlog):
            if not ws.connected:
                break
            ws.send(b"".join(p.frame for p in batch) or PING)
    except OSError:  # the client went away, or took nothing for too long
        client.dropped = client.dropped or "the connection broke"
    finally:
        hub.close(client)
        ws.close(1000 if client.dropped in (None, "closed by the client") else 1008)
    return _Handled()
