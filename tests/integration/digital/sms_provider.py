"""A stand-in SMS provider's REST API (Twilio's Messages resource) on a free loopback port, in
its own thread: it checks Basic auth, records each message and answers with a sid. It also
signs webhooks the way the provider does, to call calldesk's webhook."""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

from calldesk.digital.sms import twilio

ACCOUNT, TOKEN = "AC0123456789", "stand-in-auth-token-0123456789"


class StandInProvider:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []
        self.refuse = False
        ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                good = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
                path_ok = self.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
                if self.headers.get("Authorization") != good or not path_ok:
                    self.send_response(401)
                    self.end_headers()
                    return
                if outer.refuse:
                    self.send_response(400)
                    self.end_headers()
                    return
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                sid = f"SM{next(ids):032d}"
                outer.sent.append({**form, "sid": sid})
                out = json.dumps({"sid": sid, "status": "queued"}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.api = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def post_webhook(
    port: int,
    path: str,
    form: dict[str, str],
    public_url: str,
    token: str = TOKEN,
    signature: str | None = None,
    raw: bytes | None = None,
) -> tuple[int, bytes]:
    """POST a provider webhook to calldesk (blocking: call from a thread)."""
    sig = signature if signature is not None else twilio.signature(token, public_url + path, form)
    body = raw if raw is not None else urlencode(form).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        path,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", twilio.SIGNATURE_HEADER: sig},
    )
    r = conn.getresponse()
    out = (r.status, r.read())
    conn.close()
    return out
