"""`calldesk demo` serves the desktop and the wallboard while it runs and prints where they are,
with a login made for this run (a fresh random password each time)."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import gevent

from calldesk.app import build
from calldesk.config import load_config
from calldesk.demo.web import WebDemo
from calldesk.esl.connection import SwitchSettings
from calldesk.store import Store

ROOT = Path(__file__).parents[3]


def fetch(request) -> tuple[int, str]:  # noqa: ANN001
    """In a real thread, so the server's greenlets run meanwhile."""

    def get() -> tuple[int, str]:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.headers.get("Content-Type", "")

    return gevent.get_hub().threadpool.apply(get)


def test_the_demo_prints_the_pages_with_a_login_that_works(tmp_path) -> None:
    config = load_config(ROOT / "calldesk.yaml", env={})
    config.data["recordings"] = {**config.data["recordings"], "dir": str(tmp_path / "rec")}
    controller = build(config, store=Store.open(tmp_path / "s.sqlite"),
                       switches=[SwitchSettings("sim", "127.0.0.1", 1, "not-used-pw-1")],
                       check_trunks=False)
    said: list[str] = []
    web = WebDemo(said.append)
    run = SimpleNamespace(controller=controller, agents=[SimpleNamespace(agent="alice")])
    try:
        web.start(run)
        desk = next(line for line in said if line.startswith("agent desktop:"))
        url, user, password = re.search(r"(http://127\.0\.0\.1:\d+)/desk +\(log in as (\w+) / (\S+)\)",
                                        desk).groups()
        assert user == "alice" and len(password) >= 12
        assert any("/board" in line and "as sam /" in line for line in said)
        for page in ("/desk", "/board"):
            status, kind = fetch(url + page)
            assert status == 200 and "text/html" in kind
        login = urllib.request.Request(
            url + "/api/login", data=f'{{"user": "{user}", "password": "{password}"}}'.encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        assert fetch(login)[0] == 200  # the printed login really works
        again = WebDemo([].append)
        again.start(run)
        assert again.lines != web.lines  # a new password each run
        again.stop()
    finally:
        web.stop()
        controller.store.close()
