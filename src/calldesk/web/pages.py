"""The browser pages: the agent desktop `/desk`, the supervisor wallboard `/board` and the
reports `/reports`.

Static HTML, CSS and ES modules from `static/`, no build step. The pages hold no data and no
secrets: they log in through `POST /api/login` and talk only to the documented API and the
event socket, so what the desktop can do, an integration can do. The HTML is public (it is the
login screen too); every API call behind it is authenticated and scoped by the server.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, send_from_directory

STATIC = Path(__file__).with_name("static")

bp = Blueprint("pages", __name__, static_folder=None)

# The pages load only their own modules: no inline script, no third-party origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _page(name: str) -> Response:
    response = send_from_directory(STATIC, name, mimetype="text/html", max_age=0)
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/desk")
def desk() -> Response:
    """The agent desktop."""
    return _page("desk.html")


@bp.get("/board")
def board() -> Response:
    """The supervisor wallboard (`?wall=1` for the full-screen wall mode)."""
    return _page("board.html")


@bp.get("/reports")
def reports() -> Response:
    """Interval reports: volume, service level and abandon, per medium side by side."""
    return _page("reports.html")


@bp.get("/static/<path:path>")
def static(path: str) -> Response:
    """Modules, styles and the vendored UI library; `send_from_directory` refuses `..`."""
    mimetype = "text/javascript" if path.endswith(".js") else None
    response = send_from_directory(STATIC, path, mimetype=mimetype, max_age=300)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def demo_lines(base_url: str, agent: tuple[str, str], supervisor: tuple[str, str]) -> list[str]:
    """The lines `calldesk demo` prints so a newcomer can open the pages and log in.

    `agent` and `supervisor` are `(user, password)` pairs the demo created for this run.
    """
    base = base_url.rstrip("/")
    return [
        f"agent desktop:        {base}/desk   (log in as {agent[0]} / {agent[1]})",
        f"supervisor wallboard: {base}/board  (log in as {supervisor[0]} / {supervisor[1]})",
        f"wall mode for a TV:   {base}/board?wall=1",
    ]


def demo_access(store: Any, base_url: str, agent: str, supervisor: str) -> list[str]:
    """Give the demo's `agent` and `supervisor` users a fresh random password for this run (in
    the store, as `calldesk users set-password` would) and return `demo_lines` for them.

    `calldesk demo` calls this once its HTTP server is up, and prints the lines."""
    from calldesk.web.credentials import Credentials

    creds = Credentials(store, clock=time.time)
    logins = []
    for user in (agent, supervisor):
        password = secrets.token_urlsafe(9)  # 12 characters, above the minimum length
        creds.set_password(user, password)
        logins.append((user, password))
    return demo_lines(base_url, logins[0], logins[1])
