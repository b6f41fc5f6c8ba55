"""The OpenAPI document is valid 3.1 and matches the server: every documented route, walked
with every role, answers 200/4xx as documented (never 500), its JSON bodies validate against
the document's schemas, roles outside `x-roles` get 403, and no credentials get 401."""

from __future__ import annotations

import jsonschema
from openapi_spec_validator import validate
from tests.integration.web.conftest import ROLE_USER
from tests.integration.web.routes_walk import body_for, operations, path_for, response_schema

SKIP = {("POST", "/api/logout")}  # would end the walking session; tested on its own


def _check(doc: dict, op: dict, r, method: str, path: str) -> None:
    assert r.status < 500, (method, path, r.body)
    assert str(r.status) in op["responses"], (method, path, r.status, r.body)
    schema = response_schema(doc, op, r.status)
    if schema is not None and r.body:
        jsonschema.validate(r.json(), schema)


def test_document_is_valid_openapi_31_and_lists_the_contract(env) -> None:
    doc = env.client().call("GET", "/api/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/login", "/api/me", "/api/agents/{id}/state", "/api/offers/{offer}/accept",
                 "/api/queues/{name}/history", "/api/interactions/{id}", "/api/supervision",
                 "/api/recordings/{id}/audio", "/api/flows/validate", "/api/config/codes",
                 "/api/interactions/{id}/messages", "/api/interactions/{id}/typing",
                 "/api/interactions/{id}/read", "/api/interactions/{id}/close", "/api/canned",
                 "/api/canned/{id}/render", "/api/attachments/{id}",
                 "/api/agents/{id}/preview", "/api/preview/{preview}/dial",
                 "/api/preview/{preview}/skip", "/api/campaigns/{name}/pause",
                 "/api/customers", "/api/customers/{id}", "/api/customers/{id}/identities",
                 "/api/customers/{id}/merge", "/api/reports/interval"):
        assert path in doc["paths"], path


def test_every_route_with_every_role(env) -> None:
    doc = env.client().call("GET", "/api/openapi.json").json()
    clients = {role: env.client(user) for role, user in ROLE_USER.items()}
    anon = env.client()
    walked = 0
    for method, path, op in operations(doc):
        if (method, path) in SKIP:
            continue
        url = path_for(path)
        body, headers = body_for(op)
        if op.get("security") != []:
            r = anon.raw(method, url, body, headers)
            assert r.status == 401, (method, path, r.status)
        for role, client in clients.items():
            r = client.raw(method, url, body, headers)
            allowed = role in op.get("x-roles", [])
            if op.get("security") == []:
                _check(doc, op, r, method, path)
            elif allowed:
                assert r.status not in (401, 403), (role, method, path, r.body)
                _check(doc, op, r, method, path)
                if method == "GET" and "{" not in path:
                    assert r.status == 200, (role, method, path, r.body)
            else:
                assert r.status == 403 and r.json()["error"] == "forbidden", (role, method, path)
            walked += 1
    assert walked > 100
    denied = [e for e in env.ctl.store.journal.read(kind="access.denied")]
    assert denied and all(e.data["user"] in ROLE_USER.values() for e in denied)


def test_scope_agents_act_only_on_themselves_supervisors_on_their_teams(env) -> None:
    a1, sup3, boss = env.client("a1"), env.client("sup3"), env.bearer("boss")
    assert a1.call("POST", "/api/agents/a2/state", {"state": "ready"}).status == 403
    assert a1.call("GET", "/api/agents/a2").status == 403
    assert [a["id"] for a in a1.call("GET", "/api/agents").json()] == ["a1"]
    assert sup3.call("POST", "/api/agents/a1/login", {}).status == 403
    assert sup3.call("POST", "/api/queues/sales/pause").status == 403
    assert sup3.call("GET", "/api/agents").json() == []
    r = boss.call("POST", "/api/queues/sales/pause")
    assert r.status == 200 and r.json()["paused"] is True
    assert a1.call("GET", "/api/queues").json()[0]["name"] == "sales"  # its own queue only
    assert len(a1.call("GET", "/api/queues").json()) == 1


def test_cookie_state_changes_need_the_csrf_token(env) -> None:
    c = env.client("a1")
    c.csrf = ""
    r = c.call("POST", "/api/agents/a1/login", {"ready": True})
    assert r.status == 403 and r.json()["error"] == "csrf"
    assert c.call("GET", "/api/agents/a1").status == 200  # reads need none
