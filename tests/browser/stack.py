"""The calldesk stack the browser tests drive, run in its own process (Playwright's sync API and
gevent must not share one): the simulated switch, the controller and HTTP server built as
`calldesk serve` builds them, and simulated callers on command.

    python -m tests.browser.stack WORKDIR     (WORKDIR holds calldesk.yaml and users.json)

Prints one JSON line `{"url", "store"}` when ready, then answers JSON commands on stdin, one a
line: `{"op": "call", "did", "caller_id", "name", "dtmf"}` -> `{"uuid"}`;
`{"op": "wait_bridged", "uuid"}`; `{"op": "quit"}`.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.fileobject import FileObject  # noqa: E402

from calldesk.app import build  # noqa: E402
from calldesk.config import load_config  # noqa: E402
from calldesk.esl.connection import SwitchSettings  # noqa: E402
from calldesk.sim import PhoneBehavior, SimSwitch  # noqa: E402
from calldesk.store import Store  # noqa: E402
from calldesk.web import serve_http  # noqa: E402


def main(workdir: Path) -> None:
    config = load_config(workdir / "calldesk.yaml", env={})
    people = json.loads((workdir / "users.json").read_text())
    password = secrets.token_urlsafe(18)
    sim = SimSwitch(password=password, time_scale=1.0, recordings_dir=workdir / "recordings")
    for did in people["dids"]:
        sim.dialplan.add_did(did)
    sim.start()
    store = Store.open(workdir / "calldesk.sqlite")
    controller = build(
        config,
        store=store,
        switches=[SwitchSettings("sim", "127.0.0.1", sim.port, password, command_timeout=5.0)],
        check_trunks=bool(config["trunks"]),  # a site with trunks (and campaigns) dials out
    )
    if not all(controller.start(wait=10).values()):
        raise SystemExit("the controller could not connect to the simulated switch")
    # Agents' phones ring until the agent accepts on the desk (or forever); the supervisor's
    # phone answers, so a barge joins the call.
    for contact, behavior in people["phones"].items():
        sim.add_phone(
            contact,
            PhoneBehavior.no_answer() if behavior == "ring" else PhoneBehavior.answer(after=0.5),
        )
    server = serve_http(controller, validate_responses=True)  # exactly as `serve` does
    from argon2 import PasswordHasher

    from calldesk.web import credentials
    from tests.conftest import CHEAP_ARGON2

    # the suite's cheap argon2id, as in tests/conftest.py (logins verify it on every test)
    credentials._HASHER = PasswordHasher(**CHEAP_ARGON2)
    credentials._DUMMY = credentials._HASHER.hash("calldesk-no-such-user")
    creds = credentials.Credentials(store, clock=time.time)
    for user, pw in people["passwords"].items():
        creds.set_password(user, pw)
    out = FileObject(sys.stdout, "w")
    out.write(json.dumps({"url": server.url, "store": str(workdir / "calldesk.sqlite")}) + "\n")
    out.flush()
    stdin = FileObject(sys.stdin, "r")
    for line in stdin:
        cmd = json.loads(line)
        op = cmd.pop("op")
        if op == "quit":
            break
        try:
            if op == "call":
                reply = {"uuid": sim.inject_call(**cmd)}
            elif op == "wait_bridged":
                reply = {"bridged": _wait_bridged(controller, cmd["uuid"], cmd.get("timeout", 15))}
            else:
                reply = {"error": f"unknown op {op}"}
        except Exception as exc:  # reported to the test, which fails with it
            reply = {"error": repr(exc)}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    server.stop()
    controller.stop()
    sim.stop()


def _wait_bridged(controller, uuid: str, timeout: float) -> bool:
    with gevent.Timeout(timeout, False):
        while True:
            leg = controller.board.tracker.get(uuid)
            if leg is not None and leg.bridged_at is not None:
                return True
            gevent.sleep(0.05)
    return False


if __name__ == "__main__":
    main(Path(sys.argv[1]))
