"""Quick checks of the API over real HTTP against serve's controller on the simulated switch."""

from __future__ import annotations


def test_login_me_and_no_credentials(env) -> None:
    anon = env.client()
    r = anon.call("GET", "/api/agents")
    assert r.status == 401 and r.json()["error"] == "unauthorized"
    c = env.client("sup1")
    me = c.call("GET", "/api/me").json()
    assert me["id"] == "sup1" and me["role"] == "supervisor" and me["teams"] == ["red"]
    r = c.call("POST", "/api/agents/a1/login", {"ready": True})
    assert r.status == 200, r.body
    assert r.json()["state"] == "available"
