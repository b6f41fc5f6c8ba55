"""Hypothesis against the running server: every route of the OpenAPI document, with bodies
that are random JSON, valid bodies with one field broken or added, malformed text, oversized
payloads and random ids. Never a 500; every error is the JSON error shape naming a field for
invalid input."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.integration.web.routes_walk import BODIES, operations, path_for

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)  # fmt: skip
IDS = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="/?#\x00"), min_size=0,
              max_size=40)  # fmt: skip


def mutated(name: str) -> st.SearchStrategy:
    base = BODIES[name]
    return st.one_of(
        JSON,
        st.builds(lambda k, v: {**base, k: v}, st.sampled_from(sorted(base) or ["x"]), JSON),
        st.builds(lambda k, v: {**base, k: v}, st.text(min_size=1, max_size=10), JSON),
        st.builds(lambda k: {x: y for x, y in base.items() if x != k}, st.sampled_from(sorted(base) or ["x"])),
    )  # fmt: skip


def test_no_input_makes_a_500(env) -> None:
    boss = env.client("boss")
    doc = boss.call("GET", "/api/openapi.json").json()
    ops = [(m, p, op) for m, p, op in operations(doc) if p != "/api/logout"]

    @st.composite
    def requests(draw: st.DrawFn) -> tuple[str, str, bytes | None, dict]:
        method, path, op = draw(st.sampled_from(ops))
        url = path_for(path)
        if "{" in path and draw(st.booleans()):
            from urllib.parse import quote

            url = url.replace(path_for(path).split("/")[3], quote(draw(IDS), safe="") or "x", 1)
        content = op.get("requestBody", {}).get("content", {})
        kind = draw(st.sampled_from(["json", "text", "big", "none"]))
        if "application/json" in content and kind == "json":
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            body = json.dumps(draw(mutated(name))).encode()
        elif kind == "text":
            body = draw(st.binary(max_size=200))
        elif kind == "big":
            body = b"{" + b'"a":1,' * 20000 + b'"b":1}'
        else:
            body = None
        headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain",
                                                        "application/yaml"]))}  # fmt: skip
        if draw(st.booleans()):
            query = draw(st.dictionaries(st.sampled_from(["minutes", "step", "limit", "q", "state",
                                                          "since", "topics", "x"]), IDS, max_size=3))
            from urllib.parse import urlencode

            url += "?" + urlencode(query)
        return method, url, body, headers

    @settings(max_examples=250, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(requests())
    def probe(req: tuple[str, str, bytes | None, dict]) -> None:
        method, url, body, headers = req
        r = boss.raw(method, url, body, headers)
        assert r.status < 500, (method, url, body[:200] if body else None, r.body[:300])
        if r.status >= 400 and r.headers.get("content-type", "").startswith("application/json"):
            err = r.json()
            assert set(err) == {"error", "detail", "field"}, err
            if err["error"] == "invalid":
                assert err["field"], err

    probe()


def test_bad_input_names_the_field(env) -> None:
    a1 = env.client("a1")
    r = a1.raw("POST", "/api/agents/a1/state", b"{not json", {"Content-Type": "application/json"})
    assert (r.status, r.json()["error"], r.json()["field"]) == (400, "malformed_json", "body")
    r = a1.call("POST", "/api/agents/a1/state", {"state": "sleeping"})
    assert r.status == 400 and r.json()["field"] == "state"
    r = a1.call("POST", "/api/agents/a1/state", {"state": "ready", "colour": "red"})
    assert r.status == 400 and r.json()["field"] == "colour" and "unknown field" in r.json()["detail"]
    r = a1.call("POST", "/api/agents/a1/state", {"state": "not_ready", "reason": "nap"})
    assert r.status == 400 and r.json()["field"] == "reason"
    r = a1.call("POST", "/api/agents/a1/wrapup", {"disposition": 7})
    assert r.status == 400 and r.json()["field"] == "disposition"
    r = a1.raw("POST", "/api/agents/a1/login", b"[" * 70000, {"Content-Type": "application/json"})
    assert r.status == 413 and r.json()["error"] == "too_large"
    r = a1.call("GET", "/api/agents/a%20b")
    assert r.status == 400 and r.json()["field"] == "id"
    r = a1.call("GET", "/api/queues/sales/history?minutes=abc")
    assert r.status == 400 and r.json()["field"] == "minutes"
