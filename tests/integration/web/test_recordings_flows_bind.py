"""Recordings over HTTP (list scoped, Range download journaled, legal hold for admins), flows
(validate without installing, graph SVG), and the bind rules: loopback by default, TLS or an
explicit allow_plain for anything else, and a real HTTPS server with a Secure cookie."""

from __future__ import annotations

import http.client
import ssl
import subprocess
import wave

import pytest
from tests.integration.web.conftest import PW, in_thread

from calldesk.errors import ConfigError
from calldesk.recording.index import RecordingIndex, Row
from calldesk.web.server import HttpServer, check_bind

BAD_FLOW = "name: x\nversion: '1'\nentry: nowhere\nsteps:\n  a: {hangup: {}}\n"


def _recording(env, rid: str, agent: str, size: int = 8000) -> None:
    path = env.ctl.config.path("recordings.dir") / f"{rid}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x01\x02" * size)
    RecordingIndex(env.ctl.store.db).insert(Row(rid, f"i-{rid}", f"{rid}.wav", 1000.0,
                                                status="complete", agent=agent, queue="sales"))  # fmt: skip


def test_recordings_scoped_ranged_and_journaled(env) -> None:
    _recording(env, "r1", "a1")
    _recording(env, "r2", "a2")
    a1, boss = env.client("a1"), env.bearer("boss")
    assert [r["id"] for r in a1.call("GET", "/api/recordings").json()] == ["r1"]
    assert a1.call("GET", "/api/recordings/r2").status == 403
    r = a1.raw("GET", "/api/recordings/r1/audio", headers={"Range": "bytes=0-99"})
    assert r.status == 206 and len(r.body) == 100 and r.body[:4] == b"RIFF"
    assert r.headers["content-type"] == "audio/wav"
    whole = a1.raw("GET", "/api/recordings/r1/audio")
    assert whole.status == 200 and len(whole.body) == 44 + 16000
    downloads = [e.data for e in env.ctl.store.journal.read(kind="recording.access")
                 if e.data.get("action") == "download"]  # fmt: skip
    assert [(d["range"], d["result"]) for d in downloads] == [("bytes=0-99", "ok"), ("all", "ok")]
    assert a1.call("POST", "/api/recordings/r1/hold").status == 403
    assert boss.call("POST", "/api/recordings/r1/hold").json()["legal_hold"] is True
    assert boss.call("POST", "/api/recordings/r1/release").json()["legal_hold"] is False
    assert boss.call("GET", "/api/recordings/nope").status == 404


def test_flows_validate_without_installing_and_graph(env) -> None:
    sup = env.client("sup1")
    r = sup.raw("POST", "/api/flows/validate", BAD_FLOW.encode(),
                {"Content-Type": "application/yaml"})  # fmt: skip
    out = r.json()
    assert r.status == 200 and out["valid"] is False and out["errors"][0]["line"] >= 1
    good = "flow: probe\nentry: bye\nsteps:\n  bye: {kind: hangup}\n"
    r = sup.raw("POST", "/api/flows/validate", good.encode(), {"Content-Type": "application/yaml"})
    assert r.json()["valid"] is True, r.body
    assert sup.call("GET", "/api/flows").json() == []  # validated, not installed
    assert env.client("a1").raw("POST", "/api/flows/validate", good.encode()).status == 403


def test_bind_rules() -> None:
    base = {"host": "127.0.0.1", "port": 0, "tls_cert": "", "tls_key": "", "allow_plain": False}
    assert check_bind(base) is False
    with pytest.raises(ConfigError, match="http.host: 0.0.0.0 is not loopback"):
        check_bind({**base, "host": "0.0.0.0"})
    assert check_bind({**base, "host": "0.0.0.0", "allow_plain": True}) is False
    with pytest.raises(ConfigError, match="http.tls_key"):
        check_bind({**base, "tls_cert": "/nonexistent.pem"})


def test_https_with_a_secure_session_cookie(env, tmp_path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    done = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                           "1", "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                          capture_output=True, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip("openssl could not make a test certificate")
    from calldesk.web.app import create_app

    http_cfg = {"host": "127.0.0.1", "port": 0, "tls_cert": str(cert), "tls_key": str(key),
                "allow_plain": False}  # fmt: skip
    app = create_app(env.ctl.services, env.ctl.store, clock=env.ctl.acd.clock, tls=True)
    server = HttpServer(app, http_cfg).start()
    try:
        def login() -> tuple[int, str]:
            ctx = ssl.create_default_context(cafile=str(cert))
            ctx.check_hostname = False
            conn = http.client.HTTPSConnection("127.0.0.1", server.address[1], context=ctx)
            conn.request("POST", "/api/login", body=f'{{"user": "a1", "password": "{PW}"}}',
                         headers={"Content-Type": "application/json"})  # fmt: skip
            r = conn.getresponse()
            r.read()
            return r.status, r.getheader("Set-Cookie") or ""

        status, cookie = in_thread(login)
        assert status == 200 and "Secure" in cookie and "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
    finally:
        server.stop()
