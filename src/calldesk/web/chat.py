"""The public web chat endpoint (`bp`, under /chat), separate from the agents' API.

No agent credentials work here and none are needed: a visitor holds a signed token that reaches
only their own conversation. Origins are checked against `digital.chat.allowed_origins` (the
widget's frame may be embedded only there: `frame-ancestors`), new visitors are rate-limited per
client address and messages per visitor, text is size-limited and HTML-escaped.

The app provides the gateway: `app.extensions["calldesk.chat"] = ChatGateway(...)`.

- `GET /chat/widget.js` — the one script tag; it opens the widget in an iframe (`/chat/frame`).
- `POST /chat/session {token?}` → `{token, visitor}` (the same visitor for a valid token).
- `GET /chat/messages?after=SEQ`, `POST /chat/messages {text, client_id, name?, email?}`,
  `POST /chat/receipts {id, status}`, `POST /chat/attachments?name=&client_id=` (the file as
  the body) — Bearer visitor token. `GET /chat/limits` (attachment size and types, and what
  `prechat` asks: a conversation's first message carries `name`/`email` as configured).
- `POST /chat/invitation {url, seconds}` → `{invite, text}` or `{invite: false, again_s}`
  (rate-limited per client address; no token needed).
- `GET /chat/socket?token=…&after=SEQ&interaction=ID` — WebSocket (SEQ is within ID). Frames in: `{type: message, text,
  client_id}`, `{type: typing}`, `{type: receipt, id, status}`; out: `{type: message, message}`,
  `{type: ack, client_id, message}`, `{type: receipt, id, status}`, `{type: typing, author}`,
  `{type: error, error, detail, field, client_id}`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import gevent
import gevent.event
from flask import Blueprint, Response, current_app, jsonify, request, send_file
from simple_websocket import ConnectionClosed, Server

from calldesk.digital.chat.gateway import ChatGateway, ChatRefused

log = logging.getLogger("calldesk.digital.chat")

bp = Blueprint("chat", __name__, url_prefix="/chat")
WIDGET = Path(__file__).parent / "widget"
KEEPALIVE_S = 20.0


class _GreenThread:
    """simple-websocket's reader runs in a greenlet of the serving hub, not an OS thread
    (as in `calldesk.web.events`, kept here so the public blueprint stands alone)."""

    def __init__(self, target: Any) -> None:
        self.target, self.name = target, "chat-ws"

    def start(self) -> None:
        gevent.spawn(self.target)


SOCK_OPTIONS = {"thread_class": _GreenThread, "event_class": gevent.event.Event}


def _gw() -> ChatGateway:
    return current_app.extensions["calldesk.chat"]


def _own_origin() -> str:
    return request.host_url.rstrip("/")


def _refused(exc: ChatRefused) -> Response:
    resp = jsonify({"error": exc.code, "detail": exc.detail, "field": exc.field})
    resp.status_code = exc.status
    return resp


def _client() -> str:
    return request.remote_addr or "?"


def _token() -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:] if auth.startswith("Bearer ") else ""


@bp.errorhandler(ChatRefused)
def _on_refused(exc: ChatRefused) -> Response:
    return _refused(exc)


@bp.before_request
def _check_origin() -> Response | None:
    gw = _gw()
    if request.method != "GET" or request.path.endswith("/socket"):
        if not gw.origin_ok(request.headers.get("Origin"), _own_origin()):
            log.warning("chat: origin %s refused", request.headers.get("Origin"))
            return _refused(ChatRefused(403, "forbidden", "origin not allowed"))
    return None


@bp.after_request
def _headers(resp: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") in _gw().settings.allowed_origins:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Vary"] = "Origin"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ChatRefused(400, "invalid", "the body must be a JSON object", "body")
    return data


# -- static widget ---------------------------------------------------------------------------
@bp.get("/widget.js")
def widget_js() -> Response:
    resp = send_file(WIDGET / "widget.js", mimetype="application/javascript", max_age=300)
    resp.headers["Access-Control-Allow-Origin"] = "*"  # a script tag on any allowed site
    return resp


@bp.get("/frame")
def frame() -> Response:
    resp = send_file(WIDGET / "frame.html", mimetype="text/html", max_age=300)
    ancestors = " ".join(("'self'", *_gw().settings.allowed_origins))
    resp.headers["Content-Security-Policy"] = (
        f"default-src 'self'; connect-src 'self' ws: wss:; frame-ancestors {ancestors}"
    )
    return resp


@bp.get("/frame.js")
def frame_js() -> Response:
    return send_file(WIDGET / "frame.js", mimetype="application/javascript", max_age=300)


@bp.get("/frame.css")
def frame_css() -> Response:
    return send_file(WIDGET / "frame.css", mimetype="text/css", max_age=300)


# -- visitor API -----------------------------------------------------------------------------
@bp.post("/session")
def start() -> Response:
    data = request.get_json(silent=True) or {}
    token = data.get("token") if isinstance(data, dict) else None
    return jsonify(_gw().start(_client(), token if isinstance(token, str) else None))


@bp.get("/messages")
def messages() -> Response:
    gw = _gw()
    visitor = gw.visitor(_token())
    after = request.args.get("after", 0, type=int)
    return jsonify(gw.history(visitor, after, request.args.get("interaction")))


@bp.post("/messages")
def post_message() -> Response:
    gw = _gw()
    visitor = gw.visitor(_token())
    data = _body()
    msg = gw.post(
        visitor, data.get("text"), data.get("client_id", ""), data.get("name"), data.get("email")
    )
    resp = jsonify({"message": gw.view(msg)})
    resp.status_code = 201
    return resp


@bp.get("/limits")
def limits() -> Response:
    """What the widget needs before an upload: attachments on or off, their size and types."""
    return jsonify(_gw().limits())


@bp.post("/attachments")
def attachment() -> Response:
    """One file, as the raw body (`Content-Type` its declared type), `?name=&client_id=`."""
    gw = _gw()
    visitor = gw.visitor(_token())
    store = gw.attachments
    if store is None:
        raise ChatRefused(404, "not_found", "attachments are not enabled here")
    size = request.content_length
    if size is None:
        raise ChatRefused(411, "invalid", "send the file with its Content-Length", "file")
    if size > store.max_bytes:
        raise ChatRefused(413, "too_large", f"{size} bytes, more than {store.max_bytes}", "file")
    request.max_content_length = store.max_bytes  # this route only: files are larger than JSON
    declared = (request.mimetype or "application/octet-stream").lower()
    msg = gw.attach(
        visitor,
        request.args.get("name", "file")[:200],
        declared,
        request.get_data(cache=False),
        request.args.get("client_id", ""),
    )
    resp = jsonify({"message": gw.view(msg)})
    resp.status_code = 201
    return resp


@bp.post("/invitation")
def invitation() -> Response:
    """`{url, seconds}` -> `{invite: true, text}` or `{invite: false, again_s}`; nothing more."""
    data = _body()
    return jsonify(_gw().invitation(_client(), data.get("url"), data.get("seconds")))


@bp.post("/receipts")
def receipts() -> Response:
    gw = _gw()
    visitor = gw.visitor(_token())
    data = _body()
    return jsonify({"changed": gw.receipt(visitor, data.get("id"), data.get("status"))})


# -- the socket ------------------------------------------------------------------------------
class _Handled(Response):
    """The socket was taken over: the WSGI server must write nothing more."""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return []


@bp.route("/socket", websocket=True)
def socket() -> Response:
    gw = _gw()
    visitor = gw.visitor(request.args.get("token", ""))
    if gw.hub.count(visitor) >= gw.settings.sockets_per_visitor:
        raise ChatRefused(429, "rate_limited", "too many open sockets for this visitor")
    after = request.args.get("after", 0, type=int)
    ws = Server(request.environ, **SOCK_OPTIONS)
    sock = gw.hub.open(visitor)
    writer = gevent.spawn(_writer, ws, sock)
    try:
        seen = request.args.get("interaction")
        for m in gw.history(visitor, after, seen)["messages"]:  # what the visitor missed, once
            sock.push({"type": "message", "message": m})
        while ws.connected and not sock.dropped:
            raw = ws.receive(timeout=KEEPALIVE_S)
            if raw is not None:
                _frame(gw, visitor, sock, raw)
    except ConnectionClosed:
        pass
    finally:
        gw.hub.close(sock)
        writer.kill(block=False)
        try:
            ws.close()
        except Exception:  # noqa: BLE001 - already gone
            pass
    return _Handled()


def _writer(ws: Server, sock: Any) -> None:
    try:
        while ws.connected:
            ws.send(json.dumps(sock.queue.get()))
    except ConnectionClosed:
        pass


def _frame(gw: ChatGateway, visitor: str, sock: Any, raw: str | bytes) -> None:
    try:
        frame = json.loads(raw)
        if not isinstance(frame, dict):
            raise ValueError
    except ValueError:
        sock.push({"type": "error", "error": "invalid", "detail": "frames are JSON objects"})
        return
    kind = frame.get("type")
    try:
        if kind == "message":
            client_id = frame.get("client_id", "")
            msg = gw.post(
                visitor, frame.get("text"), client_id, frame.get("name"), frame.get("email")
            )
            sock.push({"type": "ack", "client_id": client_id, "message": gw.view(msg)})
        elif kind == "typing":
            gw.typing(visitor)
        elif kind == "receipt":
            gw.receipt(visitor, frame.get("id"), frame.get("status"))
        elif kind != "ping":
            raise ChatRefused(400, "invalid", f"unknown frame type {kind!r}", "type")
    except ChatRefused as exc:
        sock.push(
            {
                "type": "error",
                "error": exc.code,
                "detail": exc.detail,
                "field": exc.field,
                "client_id": frame.get("client_id"),
            }
        )
