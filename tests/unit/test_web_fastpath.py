"""The API's lean dispatch (`calldesk.web.fastpath`): the registry's JSON routes are answered
without Flask's request context, by the same rules Flask would pick, with the same wrapper
(authentication, role, body, errors, bookkeeping); everything else still goes to Flask."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import gevent
from flask import Flask
from pydantic import BaseModel, ConfigDict
from werkzeug.test import Client

from calldesk.auth import User
from calldesk.web import fastpath
from calldesk.web.api import Api, ApiError, JsonReply, current
from calldesk.web.fastpath import FastApi


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int


@dataclass
class FakeWeb:
    """What `Api.handle` asks of the web context: who is asking, and the bookkeeping after."""

    validate_responses: bool = False
    done: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)

    def authenticate(self, spec: Any, request: Any) -> User:
        token = request.headers.get("Authorization", "")
        if token != "Bearer good":
            raise ApiError(401, "unauthorized", "no")
        return User("u1", "agent", agent="a1")

    def after(self, spec: Any, user: Any, status: int, s: float, request: Any, params: Any) -> None:
        self.done.append((spec.path, status, dict(params)))


def make() -> tuple[Flask, FakeWeb, dict[str, int]]:
    app = Flask("t")
    app.config["MAX_CONTENT_LENGTH"] = 100
    api, web = Api(), FakeWeb()
    api.web = web

    @api.route("GET", "/api/things/{id}")
    def thing(user: User, id: str) -> dict:
        return {"id": id, "user": user.id, "ua": current().headers.get("User-Agent")}

    @api.route("GET", "/api/things/special")
    def special(user: User) -> dict:
        return {"special": True}

    @api.route("POST", "/api/things/{id}/count", body=Body)
    def count(user: User, id: str, body: Body) -> dict:
        return {"id": id, "n": body.n}

    @api.route("POST", "/api/offers/{offer}/take")
    def take(user: User, offer: str) -> dict:
        return {"offer": offer}

    @api.route("GET", "/api/slow/{id}")
    def slow(user: User, id: str) -> dict:
        gevent.sleep(0.01)  # another request runs meanwhile: each keeps its own request
        return {"id": id, "ua": current().headers.get("User-Agent")}

    @api.route("GET", "/api/files/{id}", content="application/octet-stream")
    def file(user: User, id: str) -> Any:
        from flask import Response, request  # Flask's own request context: only on its path

        return Response(request.path.encode(), mimetype="application/octet-stream")

    app.register_blueprint(api.bp)
    flask_calls = {"n": 0}
    flask_app = app.wsgi_app

    def counted(environ: Any, start_response: Any) -> Any:
        flask_calls["n"] += 1
        return flask_app(environ, start_response)

    app.wsgi_app = counted  # type: ignore[method-assign]
    app.wsgi_app = FastApi(app, api)  # type: ignore[method-assign]
    return app, web, flask_calls


AUTH = {"Authorization": "Bearer good", "User-Agent": "ua-1"}


def test_a_json_route_is_answered_without_flask() -> None:
    app, web, flask_calls = make()
    r = Client(app).get("/api/things/t1", headers=AUTH)
    assert r.status_code == 200 and r.mimetype == "application/json"
    assert r.get_json() == {"id": "t1", "user": "u1", "ua": "ua-1"}
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert flask_calls["n"] == 0
    assert web.done == [("/api/things/{id}", 200, {"id": "t1"})]


def test_the_same_rule_wins_as_under_flask() -> None:
    app, _, _ = make()
    c = Client(app)
    assert c.get("/api/things/special", headers=AUTH).get_json() == {"special": True}
    # an offer id holds a slash: that parameter takes a path
    assert c.post("/api/offers/v-1/o2/take", headers=AUTH).get_json() == {"offer": "v-1/o2"}


def test_errors_are_the_wrappers_own() -> None:
    app, web, flask_calls = make()
    c = Client(app)
    r = c.get("/api/things/t1")
    assert r.status_code == 401 and r.get_json()["error"] == "unauthorized"
    r = c.post("/api/things/t1/count", json={"n": "x"}, headers=AUTH)
    assert r.status_code == 400 and r.get_json()["field"] == "n"
    r = c.post("/api/things/t1/count", json={"n": 1, "m": 2}, headers=AUTH)
    assert r.status_code == 400 and "unknown field" in r.get_json()["detail"]
    r = c.post("/api/things/t1/count", data="{nope", headers=AUTH, content_type="application/json")
    assert r.status_code == 400 and r.get_json()["error"] == "malformed_json"
    r = c.post("/api/things/t1/count", json={"n": 1, "pad": "x" * 200}, headers=AUTH)
    assert r.status_code == 413 and r.get_json()["error"] == "too_large"  # the app's limit
    assert c.post("/api/things/t1/count", json={"n": 3}, headers=AUTH).get_json()["n"] == 3
    r = c.get("/api/things/bad%20id", headers=AUTH)
    assert r.status_code == 400 and r.get_json()["field"] == "id"
    assert flask_calls["n"] == 0
    assert [s for _, s, _ in web.done] == [401, 400, 400, 400, 413, 200, 400]


def test_everything_else_goes_to_flask() -> None:
    app, _, flask_calls = make()
    c = Client(app)
    assert c.get("/api/nope", headers=AUTH).status_code == 404  # unknown path
    assert c.delete("/api/things/t1", headers=AUTH).status_code == 405  # wrong method
    head = c.head("/api/things/t1", headers=AUTH)  # HEAD: Flask's answer, no body
    assert head.status_code == 200 and head.data == b""
    assert c.get("/api/files/f1", headers=AUTH).data == b"/api/files/f1"  # not JSON
    assert c.get("/elsewhere").status_code == 404
    assert flask_calls["n"] == 5


def test_each_greenlet_sees_its_own_request() -> None:
    app, _, _ = make()

    def get(ua: str) -> Any:
        return Client(app).get("/api/slow/s1", headers={**AUTH, "User-Agent": ua}).get_json()

    jobs = [gevent.spawn(get, f"ua-{i}") for i in range(5)]
    gevent.joinall(jobs, raise_error=True)
    assert [j.value["ua"] for j in jobs] == [f"ua-{i}" for i in range(5)]


def test_remembered_paths_are_bounded(monkeypatch) -> None:
    monkeypatch.setattr(fastpath, "MATCHED_MAX", 3)
    app, _, _ = make()
    c = Client(app)
    for i in range(7):
        assert c.get(f"/api/things/t{i}", headers=AUTH).get_json()["id"] == f"t{i}"
    fast = app.wsgi_app
    assert isinstance(fast, FastApi) and 0 < len(fast.matched) <= 3


def test_a_json_reply_as_wsgi() -> None:
    seen: list[Any] = []
    reply = JsonReply(json.dumps({"a": 1}), 202)
    body = reply({"REQUEST_METHOD": "GET"}, lambda status, headers: seen.append((status, headers)))
    headers = [("Content-Type", "application/json"), ("Content-Length", "8")]
    assert seen == [("202 ACCEPTED", headers)]  # werkzeug's status line
    assert b"".join(body) == b'{"a": 1}' and reply.get_json() == {"a": 1}
    assert reply({"REQUEST_METHOD": "HEAD"}, lambda *a: None) == []
