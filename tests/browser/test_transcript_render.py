"""The desk's transcript helpers in Chromium itself (they use the browser's own HTML parser):
email HTML is sanitized again on the page, quoted history is split off to be collapsed, and a
chat customer's escaped text is shown as typed. The modules are served by the pages blueprint's
folder over a plain local HTTP server (no calldesk stack needed)."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from calldesk.web import pages

pytestmark = pytest.mark.timeout(60)


class _Static(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".js": "text/javascript", ".html": "text/html", ".css": "text/css"}

    def translate_path(self, path: str) -> str:  # /static/x -> the pages' folder
        return super().translate_path(path.removeprefix("/static"))

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def static_url():
    handler = functools.partial(_Static, directory=str(pages.STATIC))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture()
def helpers(browser, static_url):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{static_url}/static/css/calldesk.css")  # any page of that origin

    def call(fn: str, *args):
        return page.evaluate(
            """async ([fn, args]) => {
                const m = await import('/static/js/desk/transcript.js');
                return m[fn](...args);
            }""",
            [fn, list(args)],
        )

    yield call
    ctx.close()


def test_email_html_is_sanitized_on_the_page_too(helpers):
    dirty = (
        '<p onclick="steal()">Hi <b>there</b><script>alert(1)</script>'
        '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">click</a>'
        '<a href="https://example.com/x" style="color:red">site</a></p>'
        "<style>body{display:none}</style><iframe src=https://evil.example></iframe>"
        "<blockquote>On Monday, Bob wrote: old text</blockquote>"
    )
    clean = helpers("sanitizeHtml", dirty)
    for bad in ("script", "onclick", "onerror", "javascript:", "<img", "style", "iframe", "steal"):
        assert bad not in clean, (bad, clean)
    assert "<b>there</b>" in clean
    assert (
        '<a href="https://example.com/x" rel="noopener noreferrer nofollow" target="_blank">site</a>'
        in clean
    )
    assert "<a>click</a>" in clean  # the link is gone, its text stays
    assert clean.endswith(
        "<details><summary>Quoted history</summary>"
        "<blockquote>On Monday, Bob wrote: old text</blockquote></details>"
    )


def test_quoted_history_is_split_off_to_be_collapsed(helpers):
    text = "Thanks, that worked.\n\nOn Tue, 1 Dec 2026, Support <s@x.example> wrote:\n> Try again\n> please"
    assert helpers("splitQuoted", text) == [
        "Thanks, that worked.",
        "On Tue, 1 Dec 2026, Support <s@x.example> wrote:\n> Try again\n> please",
    ]
    assert helpers("splitQuoted", "New\n> old\n> older") == ["New", "> old\n> older"]
    assert helpers("splitQuoted", "a > b\nno quote") == ["a > b\nno quote", ""]


def test_escaped_chat_text_is_shown_as_typed_and_runs_nothing(helpers):
    assert helpers("unescapeText", "hi &lt;b&gt;there&lt;/b&gt; &amp; co") == "hi <b>there</b> & co"
    assert (
        helpers("unescapeText", "&lt;img src=x onerror=alert(1)&gt;")
        == "<img src=x onerror=alert(1)>"
    )
    # markup that was never escaped is parsed inertly (DOMParser runs no handler) and dropped
    assert helpers("unescapeText", "<img src=x onerror=window.__x=1>&amp;") == "&"
    assert helpers("authorLabel", {"direction": "out", "author": "agent:ann"}, "ann", "") == "You"
    assert helpers("authorLabel", {"direction": "in", "author": "customer"}, "ann", "Zoe") == "Zoe"


def test_the_transcript_shows_an_email_html_body_sanitized_with_history_collapsed(
    browser, static_url
):
    """The desk's Transcript component itself, rendered by preact in Chromium, for a message
    as GET /api/interactions/{id}/messages returns it with `html`: the markup is shown (not as
    text), what is hostile is not in the DOM and runs nothing, the quoted history is closed."""
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{static_url}/static/css/calldesk.css")
    page.evaluate(
        """async () => {
            document.open(); document.write("<!doctype html><body><div id=root></div>");
            document.close();
            const v = await import('/static/vendor/preact-htm-3.1.1.module.js');
            const t = await import('/static/js/desk/transcript.js');
            const m = {id: "m-1", interaction: "email-1", seq: 1, direction: "in",
                author: "customer", text: "Where is my invoice?", at: 1700000000, status: "read",
                attachments: [],
                html: '<p onclick="window.__hit=1">Where is my <b>invoice</b>?</p>' +
                      '<img src=x onerror="window.__hit=2"><a href="javascript:window.__hit=3">x</a>' +
                      '<a href="https://shop.example/i/7">link</a>' +
                      '<blockquote>On Monday, Support wrote: Soon.</blockquote>'};
            v.render(v.html`<${t.Transcript} messages=${[m]} medium="email" self="ann"
                customerName="Eve" interaction="email-1" />`, document.getElementById("root"));
        }"""
    )
    body = page.locator("[data-testid=message] .body.html")
    body.wait_for()
    assert body.locator("b").inner_text() == "invoice"  # markup, not escaped text
    link = body.locator("a[href='https://shop.example/i/7']")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert body.locator("img, script, [onclick], [onerror]").count() == 0
    assert body.locator("a[href^='javascript']").count() == 0
    details = body.locator("details")
    assert details.locator("summary").inner_text() == "Quoted history"
    assert details.evaluate("d => d.open") is False  # collapsed until the agent opens it
    assert not details.locator("blockquote").is_visible()
    body.locator("p").first.click()
    assert page.evaluate("window.__hit") is None
    assert not errors, errors
    ctx.close()
