"""Fixtures for the browser tests: Debian's Chromium driven by Playwright's Python API (never
Playwright's own browser download), against the calldesk stack of `stack.py` on loopback.

Screenshots land in docs/screenshots/ (CI keeps that folder)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("CALLDESK_CHROMIUM", "/usr/bin/chromium")
DESK_DID = "5557000"

FLOW = f"""
flow: desk
description: Collects what the desk shows, then queues for general.
bindings: {{numbers: ["{DESK_DID}"]}}
entry: collect
steps:
  collect:
    kind: set
    variables: {{account: "'AC-20417'", intent: "'billing dispute'", language: "'en'", verified: "true"}}
    next: queue
  queue:
    kind: enqueue
    queue: general
"""

CONFIG = """
switches: []
store: {{path: {work}/calldesk.sqlite}}
http: {{host: 127.0.0.1, port: 0}}
flows: {{dir: {work}/flows}}
log: {{level: WARNING}}
queues:
  - {{name: general, skills: [general], sl_seconds: 20, sl_target: 0.8, wrap_up_s: 300}}
  - {{name: support, skills: [support], sl_seconds: 30, sl_target: 0.8, wrap_up_s: 300}}
agents:
  - {{id: ann, name: Ann Lee, contact: user/1001, queues: [general, support],
     skills: {{general: 5, support: 1}}}}
  - {{id: bea, name: Bea Kim, contact: user/1002, queues: [general, support],
     skills: {{general: 1, support: 5}}}}
  - {{id: cid, name: Cid Roy, contact: user/1003, queues: [general], skills: {{general: 3}}}}
users:
  - {{id: sam, name: Sam Ortiz, role: supervisor, teams: [front], contact: user/3001}}
teams:
  - {{id: front, agents: [ann, bea], supervisors: [sam], queues: [general, support]}}
  - {{id: back, agents: [cid]}}
"""


# Module scope: Playwright's sync API runs its own event loop on greenlets, which must be gone
# before the gevent-based tests of other folders run in the same process.
@pytest.fixture(scope="module")
def playwright_api():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is in the test extra: pip install -e '.[test]'"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright_api):
    b = playwright_api.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield b
    b.close()


class Stack:
    """The running stack: its URL, its store file, passwords, and simulated callers."""

    def __init__(
        self, workdir: Path, playwright, extra: str = "", flows: dict[str, str] | None = None
    ) -> None:
        """`extra`: more calldesk.yaml (e.g. a `digital:` section, `{work}` is the workdir);
        `flows`: more flow files by name."""
        self.workdir = workdir
        self.sessions: list = []
        self.playwright = playwright
        self.passwords = {u: secrets.token_urlsafe(12) for u in ("ann", "bea", "cid", "sam")}
        (workdir / "flows").mkdir()
        (workdir / "flows" / "desk.yaml").write_text(FLOW)
        for name, text in (flows or {}).items():
            (workdir / "flows" / f"{name}.yaml").write_text(text)
        config = CONFIG.format(work=workdir) + extra.replace("{work}", str(workdir))
        (workdir / "calldesk.yaml").write_text(config)
        people = {
            "dids": [DESK_DID],
            "passwords": self.passwords,
            "phones": {"user/1001": 2.0, "user/1002": 2.0, "user/1003": 2.0, "user/3001": 0.5},
        }  # fmt: skip
        (workdir / "users.json").write_text(json.dumps(people))
        self.log = open(workdir / "stack.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.stack", str(workdir)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )  # fmt: skip
        line = self.proc.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError(f"the stack did not start:\n{(workdir / 'stack.log').read_text()}")
        ready = json.loads(line)
        self.url, self.store = ready["url"].rstrip("/"), ready["store"]

    def command(self, **cmd) -> dict:
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        assert "error" not in reply, reply["error"]
        return reply

    def call(self, caller_id: str = "+15550123", name: str = "Carla Diaz") -> str:
        return self.command(op="call", did=DESK_DID, caller_id=caller_id, caller_name=name)["uuid"]

    def api(self, user: str):
        """An API session logged in as `user` (cookie + CSRF token), for setting the scene."""
        ctx = self.playwright.request.new_context(base_url=self.url)
        r = ctx.post("/api/login", data={"user": user, "password": self.passwords[user]})
        assert r.ok, r.text()
        ctx.csrf = r.json()["csrf_token"]
        self.sessions.append(ctx)
        return ctx

    def post(self, ctx, path: str, body: dict | None = None):
        r = ctx.post(path, data=body or {}, headers={"X-CSRF-Token": ctx.csrf})
        assert r.ok, f"{path}: {r.status} {r.text()}"
        return r.json() if r.text() else None

    def journal(self, after: int = 0) -> list[tuple[int, str, str]]:
        import sqlite3

        with sqlite3.connect(self.store) as db:
            return db.execute(
                "SELECT id, kind, subject FROM journal WHERE id > ? ORDER BY id", [after]
            ).fetchall()

    def stop(self) -> None:
        for ctx in self.sessions:
            ctx.dispose()
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write('{"op": "quit"}\n')
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture()
def stack(tmp_path, playwright_api):
    s = Stack(tmp_path, playwright_api)
    yield s
    s.stop()


@pytest.fixture()
def page_for(browser, stack):
    """`page_for(user, path, size)`: a fresh browser context logged in through the page."""
    contexts = []

    def open_page(user: str, path: str, size=(1366, 768)):
        ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.goto(stack.url + path)
        page.get_by_label("User").fill(user)
        page.get_by_label("Password").fill(stack.passwords[user])
        page.get_by_role("button", name="Log in").click()
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
