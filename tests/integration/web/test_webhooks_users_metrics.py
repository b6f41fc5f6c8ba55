"""Webhooks over real HTTP (signed, retried, in order per subject, surviving a restart), the
`calldesk users` and `calldesk webhooks` commands, and /metrics."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.notify import Notifier
from calldesk.store import Store
from calldesk.web.webhooks import Webhooks, parse_hooks


class Receiver:
    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[dict, bytes]] = []
        self.fail = fail_first
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if outer.fail > 0:
                    outer.fail -= 1
                    self.send_response(503)
                else:
                    outer.got.append((dict(self.headers), body))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *a: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_signed_retried_in_order_and_crash_safe(tmp_path) -> None:
    rx = Receiver(fail_first=1)
    now = [1000.0]
    store = Store.open(tmp_path / "w.sqlite")
    store.journal.notifier = Notifier()
    raw = [{"name": "crm", "url": rx.url, "events": ["interaction.*"], "secret_env": "S"}]
    hooks = Webhooks(parse_hooks(raw, {"S": "s3cret"}), store, lambda: now[0])
    hooks.catch_up()
    store.journal.notifier.subscribe(hooks.on_entry)
    j = store.journal
    j.append("interaction.arrived", "i1", {"queue": "q"}, 1.0)
    j.append("agent.state", "a1", {"state": "busy"}, 2.0)  # not wanted
    j.append("interaction.ended", "i1", {"queue": "q"}, 3.0)
    j.append("interaction.arrived", "i2", {"queue": "q"}, 4.0)
    assert hooks.run_once() == 2  # i1's first (fails: 503) and i2's; i1's second waits behind
    assert [json.loads(b)["subject"] for _, b in rx.got] == ["i2"]
    assert hooks.run_once() == 0  # backing off
    now[0] += 5
    hooks.run_once()
    hooks.run_once()
    assert [(json.loads(b)["subject"], json.loads(b)["kind"]) for _, b in rx.got] == [
        ("i2", "interaction.arrived"), ("i1", "interaction.arrived"), ("i1", "interaction.ended")]
    headers, body = rx.got[1]
    mac = hmac.new(b"s3cret", headers["X-Calldesk-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Calldesk-Signature"] == "sha256=" + mac.hexdigest()
    # a crash after the journal append but before queueing: the restart queues it
    store.journal.notifier = None
    j.append("interaction.ended", "i2", {"queue": "q"}, 5.0)
    again = Webhooks(parse_hooks(raw, {"S": "s3cret"}), store, lambda: now[0])
    assert again.catch_up() == 1
    again.run_once()
    assert json.loads(rx.got[-1][1])["kind"] == "interaction.ended"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {{path: {tmp_path / 'w.sqlite'}}}\n")
    out = CliRunner().invoke(cli, ["-c", str(cfg), "webhooks", "status"])
    assert out.exit_code == 0 and "crm: pending=0 delivered=4 failed=0" in out.output, out.output
    rx.stop()


def test_users_cli_sets_passwords_and_tokens(tmp_path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"store: {{path: {tmp_path / 'u.sqlite'}}}\n"
                   "agents: [{id: a1, contact: user/1001}]\n"
                   "users: [{id: boss, role: admin}]\n")  # fmt: skip
    run = CliRunner().invoke
    r = run(cli, ["-c", str(cfg), "users", "set-password", "boss", "--password-stdin"],
            input="short\n")  # fmt: skip
    assert r.exit_code != 0 and "at least 10" in r.output
    r = run(cli, ["-c", str(cfg), "users", "set-password", "a1", "--password-stdin"],
            input="long enough pw\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert run(cli, ["-c", str(cfg), "users", "set-password", "ghost", "--password-stdin"],
               input="long enough pw\n").exit_code != 0  # fmt: skip
    r = run(cli, ["-c", str(cfg), "users", "token", "create", "boss", "--label", "crm"])
    secret = r.output.splitlines()[1]
    tid = secret.split("_")[1]
    listed = run(cli, ["-c", str(cfg), "users", "token", "list"]).output
    assert tid in listed and secret not in listed and "active" in listed
    assert "a1" in run(cli, ["-c", str(cfg), "users", "list"]).output
    store = Store.open(tmp_path / "u.sqlite")
    from calldesk.web.credentials import Credentials

    creds = Credentials(store, lambda: 0.0)
    assert creds.check_token(secret) == "boss" and creds.check_password("a1", "long enough pw")
    assert "long enough pw" not in str(store.db.execute("SELECT * FROM user_passwords").fetchall())
    assert run(cli, ["-c", str(cfg), "users", "token", "revoke", tid]).exit_code == 0
    assert creds.check_token(secret) is None


def test_metrics_and_failed_logins(env) -> None:
    c = env.client()
    r = c.raw("GET", "/metrics")
    assert r.status == 200 and r.headers["content-type"].startswith("text/plain")
    text = r.body.decode()
    for name in ("calldesk_switch_up{switch=\"sim1\"} 1.0", "calldesk_queue_waiting",
                 "calldesk_agents", "calldesk_http_requests_total", "calldesk_legs"):
        assert name in text, name
    for _ in range(5):
        assert c.login("a1", "wrong password!").status == 401
    r = c.login("a1")  # the right password, but the user is locked for a while
    assert r.status == 429 and r.json()["error"] == "rate_limited"
    failed = list(env.ctl.store.journal.read(kind="auth.login_failed"))
    assert len(failed) == 5 and failed[0].data["address"] == "127.0.0.1"
