"""The pages blueprint on its own: HTML with a strict CSP, modules with the right type, no path
escapes, the vendored library exactly as pinned, and the demo's login lines."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

flask = pytest.importorskip("flask", reason="flask comes with the HTTP API (calldesk.web)")

from calldesk.web import pages  # noqa: E402

VENDORED = "72284e8e9079c87817145df1110f74e8a2aa040b2fc384922e18dfcb46fc1fd7"


@pytest.fixture()
def client():
    app = flask.Flask(__name__, static_folder=None)
    app.register_blueprint(pages.bp)
    return app.test_client()


@pytest.mark.parametrize("path, module", [("/desk", "desk/main.js"), ("/board", "board/main.js")])
def test_pages_are_html_loading_only_their_own_module(client, path, module):
    r = client.get(path)
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    body = r.get_data(as_text=True)
    assert f'src="/static/js/{module}"' in body
    assert "<script>" not in body  # no inline script: the CSP forbids it
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_every_module_is_served_as_javascript(client):
    root = pages.STATIC
    modules = sorted(root.rglob("*.js"))
    assert len(modules) > 10
    for f in modules:
        r = client.get(f"/static/{f.relative_to(root).as_posix()}")
        assert r.status_code == 200, f
        assert r.mimetype == "text/javascript", f


def test_relative_imports_all_resolve():
    # A typo in an import path would only show in the browser: check every one here.
    for f in pages.STATIC.rglob("*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', f.read_text()):
            assert (f.parent / target).resolve().is_file(), f"{f.name}: {target}"


def test_no_escape_from_the_static_folder(client):
    assert client.get("/static/../pages.py").status_code == 404
    assert client.get("/static/%2e%2e/pages.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_vendored_library_is_the_pinned_file():
    path = pages.STATIC / "vendor" / "preact-htm-3.1.1.module.js"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == VENDORED
    assert VENDORED in (pages.STATIC / "vendor" / "VENDORED.md").read_text()


def test_static_files_are_package_data():
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    for pattern in ("web/static/*.html", "web/static/js/*/*.js", "web/static/vendor/*"):
        assert pattern in pyproject


def test_demo_lines_name_both_pages_and_the_login():
    lines = pages.demo_lines(
        "http://127.0.0.1:8080/", ("ann", "s3cret-pass"), ("sam", "other-pass")
    )
    assert lines[0].startswith("agent desktop:") and "http://127.0.0.1:8080/desk" in lines[0]
    assert "ann / s3cret-pass" in lines[0]
    assert "http://127.0.0.1:8080/board" in lines[1] and "sam / other-pass" in lines[1]
    assert lines[2].endswith("/board?wall=1")


def test_demo_access_sets_passwords_that_log_in(tmp_path):
    from calldesk.store import Store
    from calldesk.web.credentials import Credentials

    store = Store.open(tmp_path / "demo.sqlite")
    lines = pages.demo_access(store, "http://127.0.0.1:8080", "alice", "sam")
    creds = Credentials(store, clock=lambda: 0.0)
    for line, user in zip(lines[:2], ("alice", "sam"), strict=True):
        password = line.split(f"log in as {user} / ")[1].rstrip(")")
        assert creds.check_password(user, password)
        assert not creds.check_password(user, password + "x")
