"""Web chat end to end in Chromium: a visitor on a shop's page (another origin, with the one
script tag) is invited, chats and sends a file; an agent on /desk accepts, sees the transcript
and the file, inserts a canned response, replies (the widget shows it, and its read receipt
comes back), closes and wraps up. Also: a reload returns to the same conversation and a message
whose acknowledgement was lost arrives once; another agent cannot fetch the file."""

from __future__ import annotations

import html
import http.server
import re
import sqlite3
import struct
import threading
import zlib

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Stack, screenshot

pytestmark = pytest.mark.timeout(180)


def _png(width: int = 64, height: int = 40) -> bytes:
    """A small valid PNG (a blue-to-green gradient), made here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((30, 80 + 2 * x, 200 - 3 * y)) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()

CHAT_FLOW = """
flow: webchat
description: Greets a chat visitor, notes the account, queues for general.
entry: hello
steps:
  hello:
    kind: play
    prompt: "Hello! An agent will be with you in a moment."
    next: note
  note:
    kind: set
    variables: {account: "'AC-20417'"}
    next: queue
  queue:
    kind: enqueue
    queue: general
"""

DIGITAL = """
digital:
  flows: {chat: webchat}
  canned:
    - {id: invoice, title: Invoice question, text: "Thanks! I can see account {{ interaction.data.account }}."}
    - {id: bye, title: Goodbye, text: "Glad to help. Goodbye!"}
  chat:
    allowed_origins: ["{shop}"]
    attachments: {dir: "{work}/attachments", max_bytes: 100000, types: [image/png, application/pdf]}
    invitations:
      - {name: pricing, pages: ["/pricing*"], after_s: 1, queue: general, max_wait_s: 600,
         text: "Questions about our prices? We are here."}
"""


class _Shop(http.server.BaseHTTPRequestHandler):
    """A customer's site: any path is a page with calldesk's one script tag."""

    widget = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = (
            "<!doctype html><html lang=en><title>Example Shop</title>"
            "<body style='font:16px sans-serif;margin:2rem'><h1>Example Shop</h1>"
            f"<p>Page {html.escape(self.path)}. Plans from $9 a month.</p>"
            f'<script src="{self.widget}" async></script></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def shop():
    """The shop's own server on loopback (another origin than calldesk's: another port)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Shop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture()
def stack(request, tmp_path, playwright_api, shop):
    """The stack; a test may add `digital.chat` lines, or a dict of `chat` and `digital` lines
    (indirect parametrization)."""
    origin = f"http://127.0.0.1:{shop.server_port}"
    extra = DIGITAL.replace("{shop}", origin)
    more = getattr(request, "param", "")
    more = {"chat": more} if isinstance(more, str) else more
    if more.get("chat"):
        anchor = f'    allowed_origins: ["{origin}"]\n'
        extra = extra.replace(anchor, anchor + more["chat"])
    if more.get("digital"):
        extra = extra.replace("digital:\n", "digital:\n" + more["digital"])
    s = Stack(tmp_path, playwright_api, extra=extra, flows={"webchat": CHAT_FLOW})
    _Shop.widget = f"{s.url}/chat/widget.js"
    s.shop = origin
    yield s
    s.stop()


def _shop(browser, stack, path="/pricing"):
    """A visitor's page on the shop's site with the widget; returns (page, frame)."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 760})
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(stack.shop + path)
    return page, _frame(page)


def _frame(page):
    for _ in range(100):
        frame = next((f for f in page.frames if "/chat/frame" in f.url), None)
        if frame is not None:
            frame.wait_for_load_state()
            return frame
        page.wait_for_timeout(100)
    raise AssertionError("the widget's frame did not load")


def _ready(page):
    state = page.get_by_test_id("agent-state")
    expect(state).to_be_visible()
    if "Logged out" in state.inner_text():
        page.get_by_test_id("agent-login").click()
        expect(state).to_contain_text("Not ready")
    page.keyboard.press("Alt+Shift+R")
    expect(state).to_have_text("Ready")
    return state


def test_a_visitor_chats_with_a_file_and_an_agent_answers_closes_and_wraps_up(
    stack, page_for, browser
):
    desk = page_for("ann", "/desk")
    state = _ready(desk)

    shop, widget = _shop(browser, stack)
    # The invitation: 1 s on /pricing, an agent ready, no wait: the widget opens by itself.
    expect(widget.get_by_test_id("invitation")).to_have_text(
        "Questions about our prices? We are here.", timeout=15_000
    )
    box = widget.get_by_label("Message")
    expect(box).to_be_focused()
    box.fill("Hello, I have a question about my invoice")
    box.press("Enter")
    expect(widget.get_by_text("An agent will be with you in a moment.")).to_be_visible()
    widget.get_by_test_id("attach").set_input_files(
        {"name": "invoice.png", "mimeType": "image/png", "buffer": PNG}
    )
    sent_file = widget.get_by_test_id("message").filter(has_text="invoice.png")
    expect(sent_file).to_have_attribute("data-status", re.compile("accepted|sent|read"))

    offer = desk.get_by_test_id("offer")
    expect(offer).to_be_visible(timeout=15_000)
    expect(offer).to_contain_text("chat")
    desk.keyboard.press("Alt+Shift+A")
    pane = desk.get_by_test_id("chat-pane")
    expect(pane).to_be_visible(timeout=15_000)
    expect(state).to_contain_text("Busy")
    transcript = pane.get_by_test_id("transcript")
    expect(transcript).to_contain_text("Hello, I have a question about my invoice")
    expect(transcript).to_contain_text("An agent will be with you in a moment.")
    link = transcript.get_by_test_id("attachment")
    expect(link).to_have_text("invoice.png")
    href = link.get_attribute("href")
    got = desk.context.request.get(stack.url + href)
    assert got.ok and got.body() == PNG, got.status
    assert got.headers["content-type"] == "image/png"
    thumb = transcript.locator("img.thumb")
    expect(thumb).to_have_js_property("naturalWidth", 64)  # the page may show it to its agent
    expect(desk.get_by_test_id("tab")).to_contain_text("Web visitor")
    bea = stack.api("bea")  # another agent of the same team: not hers
    assert bea.get(stack.url + href).status in (403, 404)
    anonymous = stack.playwright.request.new_context()
    stack.sessions.append(anonymous)  # disposed with the stack
    assert anonymous.get(stack.url + href).status == 401
    # Read on screen: the visitor's messages turn "read" in the widget.
    expect(widget.get_by_test_id("message").first).to_have_attribute("data-status", "read")

    # The visitor types: the agent sees it.
    widget.get_by_label("Message").type("one more thing", delay=20)
    expect(pane.get_by_test_id("customer-typing")).to_contain_text("is typing", timeout=10_000)

    # Canned response: search, insert (rendered for this interaction), add to it, send.
    desk.keyboard.press("Alt+Shift+C")
    search = pane.get_by_test_id("canned-search")
    expect(search).to_be_focused()
    search.type("invoice")
    item = pane.get_by_test_id("canned-item").filter(has_text="Invoice question")
    expect(item).to_have_count(1)
    search.press("ArrowDown")
    expect(item).to_be_focused()
    desk.keyboard.press("Enter")
    reply = pane.get_by_test_id("reply")
    expect(reply).to_have_value("Thanks! I can see account AC-20417.")
    expect(reply).to_be_focused()
    reply.type(" How can I help?", delay=15)
    expect(widget.locator("#typing")).to_have_text("Agent is typing…", timeout=10_000)
    # the layout holds at 1366x768 with a chat open: nothing wider than the window
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    screenshot(desk, "desk-chat")  # the README's picture: a chat with its file and canned reply
    reply.press("Enter")
    answer = "Thanks! I can see account AC-20417. How can I help?"
    expect(widget.get_by_text(answer)).to_be_visible(timeout=10_000)
    mine = transcript.get_by_test_id("message").filter(has_text=answer)
    expect(mine.get_by_test_id("ticks")).to_contain_text("Read", timeout=10_000)
    screenshot(shop, "widget")

    # Close: wrap-up with a disposition, as on a call.
    desk.keyboard.press("Alt+Shift+E")
    wrap = desk.get_by_test_id("wrapup")
    expect(wrap).to_be_visible(timeout=15_000)
    expect(state).to_contain_text("Wrap-up")
    desk.get_by_label("Disposition").select_option("resolved")
    desk.keyboard.press("Alt+Shift+W")
    expect(state).to_have_text("Ready", timeout=15_000)
    expect(widget.locator("#typing")).to_have_text("The conversation has ended.")

    kinds = [k for _, k, _ in stack.journal()]
    assert "message.status" in kinds and "agent.wrapup" in kinds
    assert not desk.errors and not shop.errors, (desk.errors, shop.errors)


def test_reload_returns_to_the_conversation_and_a_lost_ack_stores_once(stack, browser):
    shop, widget = _shop(browser, stack, "/about")  # no invitation rule here
    shop.keyboard.press("Tab")  # the widget's button, from the keyboard
    shop.keyboard.press("Enter")
    box = widget.get_by_label("Message")
    box.fill("first message")
    box.press("Enter")
    expect(widget.get_by_text("An agent will be with you in a moment.")).to_be_visible(
        timeout=15_000
    )

    # The next message reaches calldesk but its acknowledgement is lost with the socket.
    dropped = {"n": 0}

    def lossy(ws):
        server = ws.connect_to_server()  # forwards both ways unless told otherwise
        if dropped["n"]:
            return  # the network is back

        def to_server(message):
            server.send(message)
            if '"type":"message"' in message:
                dropped["n"] += 1
                ws.close()  # the line drops before the ack comes back

        ws.on_message(to_server)

    shop.route_web_socket(re.compile(r".*/chat/socket.*"), lossy)
    shop.reload()
    widget = _frame(shop)
    shop.keyboard.press("Tab")
    shop.keyboard.press("Enter")
    expect(widget.get_by_text("first message")).to_be_visible(timeout=15_000)  # same conversation
    box = widget.get_by_label("Message")
    box.fill("sent while the line drops")
    box.press("Enter")
    expect(
        widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    ).to_have_attribute("data-status", "pending")
    lost = widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    expect(lost).not_to_have_attribute("data-status", "pending", timeout=30_000)
    assert dropped["n"] >= 1
    with sqlite3.connect(stack.store) as db:
        texts = [
            r[0] for r in db.execute("SELECT text FROM digital_messages WHERE author = 'customer'")
        ]
    assert texts.count("sent while the line drops") == 1, texts
    assert texts.count("first message") == 1, texts
    expect(
        widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    ).to_have_count(1)

    # Offline: the socket goes down, a message is written anyway and waits; it arrives once
    # when the network is back.
    shop.context.set_offline(True)
    expect(widget.locator("#net")).to_have_text("offline", timeout=15_000)
    box.fill("written while offline")
    box.press("Enter")
    waiting = widget.get_by_test_id("message").filter(has_text="written while offline")
    expect(waiting).to_have_attribute("data-status", "pending")
    shop.context.set_offline(False)
    expect(widget.locator("#net")).to_have_text("online", timeout=30_000)
    expect(waiting).not_to_have_attribute("data-status", "pending", timeout=15_000)
    expect(waiting).to_have_count(1)
    with sqlite3.connect(stack.store) as db:
        texts = [r[0] for r in db.execute("SELECT text FROM digital_messages")]
    assert texts.count("written while offline") == 1, texts
    assert not shop.errors, shop.errors


def _visitor_says(browser, stack, text):
    shop, widget = _shop(browser, stack, "/about")
    shop.keyboard.press("Tab")
    shop.keyboard.press("Enter")
    box = widget.get_by_label("Message")
    box.fill(text)
    box.press("Enter")
    return shop, widget


def test_two_chats_at_once_each_in_its_tab_with_unread_marks_and_its_own_wrap_up(
    stack, page_for, browser
):
    desk = page_for("ann", "/desk")
    state = _ready(desk)
    offer = desk.get_by_test_id("offer")
    tabs = desk.get_by_test_id("tab")

    _, first = _visitor_says(browser, stack, "first visitor here")
    expect(offer).to_be_visible(timeout=15_000)
    desk.get_by_test_id("offer-accept").click()
    expect(tabs).to_have_count(1, timeout=15_000)
    _, second = _visitor_says(browser, stack, "second visitor here")
    expect(offer).to_be_visible(timeout=15_000)  # capacity: 3 chats, one offer at a time
    desk.get_by_test_id("offer-accept").click()
    expect(tabs).to_have_count(2, timeout=15_000)
    expect(state).to_contain_text("Busy")

    pane = desk.get_by_test_id("chat-pane")
    tab_of = {}
    for i in range(2):
        tabs.nth(i).click()
        text = pane.get_by_test_id("transcript").inner_text()
        tab_of["first" if "first visitor here" in text else "second"] = tabs.nth(i)
    tab_of["second"].click()
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")

    # The first visitor writes while the agent reads the second: unread on the first's tab only,
    # and the first visitor's message is not "read" until the agent opens that tab.
    first.get_by_label("Message").fill("are you there?")
    first.get_by_label("Message").press("Enter")
    expect(tab_of["first"].get_by_test_id("tab-unread")).to_have_text("1", timeout=10_000)
    asked = first.get_by_test_id("message").filter(has_text="are you there?")
    expect(asked).to_have_attribute("data-status", "accepted")
    desk.keyboard.press("Alt+Shift+ArrowDown")  # to the other interaction, from the keyboard
    expect(pane.get_by_test_id("transcript")).to_contain_text("are you there?")
    expect(asked).to_have_attribute("data-status", "read", timeout=10_000)
    expect(tab_of["first"].get_by_test_id("tab-unread")).to_have_count(0)

    # Close the first: it waits in wrap-up in its tab while the second goes on.
    desk.keyboard.press("Alt+Shift+E")
    wrap = desk.get_by_test_id("wrapup")
    expect(wrap).to_be_visible(timeout=15_000)
    expect(tabs).to_have_count(2)
    expect(tabs.filter(has_text="wrap-up")).to_have_count(1)
    expect(state).to_contain_text("Busy")
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(tabs).to_have_count(1, timeout=15_000)
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")
    reply = pane.get_by_test_id("reply")
    reply.fill("Sorry for the wait!")
    reply.press("Enter")
    expect(second.get_by_text("Sorry for the wait!")).to_be_visible(timeout=10_000)
    pane.get_by_test_id("chat-close").click()
    expect(wrap).to_be_visible(timeout=15_000)
    desk.get_by_label("Disposition").select_option("resolved")
    desk.keyboard.press("Alt+Shift+W")
    expect(state).to_have_text("Ready", timeout=15_000)
    wrapups = [s for _, k, s in stack.journal() if k == "agent.wrapup"]
    assert wrapups.count("ann") == 2, wrapups
    assert not desk.errors, desk.errors


def _tab_ids(desk) -> list[str]:
    return desk.eval_on_selector_all(
        "[data-testid=tab]", "els => els.map((e) => e.dataset.interaction)"
    )


def _accept_chats(desk, browser, stack, texts, more=""):
    """A visitor per text writes it (then `more` after the bot's greeting, if given) and the
    agent accepts each offer in turn; every new tab goes at the end. Returns (the widgets, the
    interaction ids in accept order)."""
    offer = desk.get_by_test_id("offer")
    tabs = desk.get_by_test_id("tab")
    widgets, accepted = [], []
    for n, text in enumerate(texts):
        widget = _visitor_says(browser, stack, text)[1]
        widgets.append(widget)
        if more:  # the customer wrote last: the conversation is not idle
            expect(widget.get_by_text("An agent will be with you in a moment.")).to_be_visible(
                timeout=15_000
            )
            widget.get_by_label("Message").fill(more)
            widget.get_by_label("Message").press("Enter")
            sent = widget.get_by_test_id("message").filter(has_text=more)
            expect(sent).to_have_attribute("data-status", re.compile("accepted|sent|read"))
        expect(offer).to_be_visible(timeout=15_000)
        desk.get_by_test_id("offer-accept").click()
        expect(tabs).to_have_count(n + 1, timeout=15_000)
        accepted += [i for i in _tab_ids(desk) if i not in accepted]
        assert _tab_ids(desk) == accepted, "tabs keep the order the chats were accepted in"
    return widgets, accepted


def test_done_in_one_closed_chat_ends_only_its_wrap_up(stack, page_for, browser):
    """Two chats closed, both in wrap-up in their tabs, which keep their places: Done in one
    ends that wrap-up only (the other tab still waits, the agent stays in wrap-up); Done in the
    second makes the agent ready."""
    desk = page_for("ann", "/desk")
    state = _ready(desk)
    tabs = desk.get_by_test_id("tab")
    texts = ("first visitor here", "second visitor here")
    _, accepted = _accept_chats(desk, browser, stack, texts)
    pane = desk.get_by_test_id("chat-pane")
    for n, text in enumerate(texts):
        expect(tabs.nth(n)).to_contain_text("connected")
        tabs.nth(n).click()  # the first is in wrap-up when the second is clicked
        expect(tabs.nth(n)).to_have_attribute("aria-selected", "true")
        expect(pane.get_by_test_id("transcript")).to_contain_text(text, timeout=15_000)
        pane.get_by_test_id("chat-close").click()
        expect(desk.get_by_test_id("wrapup")).to_be_visible(timeout=15_000)
        expect(tabs.nth(n)).to_contain_text("wrap-up")
    expect(tabs.filter(has_text="wrap-up")).to_have_count(2, timeout=15_000)
    expect(state).to_contain_text("Wrap-up", timeout=15_000)
    assert _tab_ids(desk) == accepted

    tabs.nth(0).click()
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(tabs).to_have_count(1, timeout=15_000)
    assert _tab_ids(desk) == accepted[1:]
    expect(tabs.filter(has_text="wrap-up")).to_have_count(1)
    expect(state).to_contain_text("Wrap-up")  # the other is still pending
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")  # the one left is shown
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(state).to_have_text("Ready", timeout=15_000)
    wrapups = [s for _, k, s in stack.journal() if k == "agent.wrapup"]
    assert wrapups.count("ann") == 2, wrapups
    assert not desk.errors, desk.errors


def test_tabs_stay_in_accept_order_and_a_click_during_a_pushed_refetch_selects_its_tab(
    stack, page_for, browser
):
    """Three chats: the first is closed while the desk's refetch (which the close's push
    starts) is held back, the third visitor writes meanwhile, then the refetch lands right
    before a click on the second chat's tab. The tabs never move (the closed one waits in
    wrap-up in its place), the click selects the tab it was aimed at, and later pushes keep
    that selection."""
    desk = page_for("ann", "/desk")
    _ready(desk)
    texts = ("first visitor here", "second visitor here", "third visitor here")
    widgets, accepted = _accept_chats(desk, browser, stack, texts)
    c1, c2, c3 = accepted
    pane = desk.get_by_test_id("chat-pane")

    def tab(iid):
        return desk.locator(f'[data-testid=tab][data-interaction="{iid}"]')

    held, holding = [], {"on": True}
    agent_url = re.compile(r"/api/agents/ann$")  # the refetch of the agent and its list

    def hold(route):
        if holding["on"]:
            held.append(route)
        else:
            route.continue_()

    desk.route(agent_url, hold)
    tab(c1).click()
    expect(pane.get_by_test_id("transcript")).to_contain_text("first visitor here")
    pane.get_by_test_id("chat-close").click()
    expect(desk.get_by_test_id("wrapup")).to_be_visible(timeout=15_000)
    expect(tab(c1)).to_contain_text("wrap-up")
    for _ in range(300):  # the refetch that the close's push starts
        if held:
            break
        desk.wait_for_timeout(50)
    assert held, "the close's push started no refetch"

    box = widgets[2].get_by_label("Message")
    box.fill("still there?")
    box.press("Enter")
    expect(tab(c3).get_by_test_id("tab-unread")).to_have_text("2", timeout=10_000)
    assert _tab_ids(desk) == accepted

    # The agent aims at the second chat's tab; the held refetch (the server's list without
    # the closed chat) is applied just before the click lands on that button.
    target = tab(c2).element_handle()
    details = []
    desk.on("response", lambda r: details.append(r.url) if r.url.endswith(f"/{c3}") else None)
    holding["on"] = False
    for route in held:
        route.continue_()
    for _ in range(300):
        if details:
            break
        desk.wait_for_timeout(50)
    assert details, "the held refetch did not fetch the interactions"
    desk.evaluate(
        "() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r()), 100))"
    )
    target.click()
    expect(tab(c2)).to_have_attribute("aria-selected", "true")
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")
    assert _tab_ids(desk) == accepted  # the closed chat waits in wrap-up in its place
    expect(tab(c1)).to_contain_text("wrap-up")

    # More pushes: a message on the third, the first's wrap-up done elsewhere. The selection
    # stays where the agent put it; only the finished tab goes.
    box.fill("hello?")
    box.press("Enter")
    expect(tab(c3).get_by_test_id("tab-unread")).to_have_text("3", timeout=10_000)
    ann = stack.api("ann")
    stack.post(ann, "/api/agents/ann/wrapup", {"disposition": "resolved", "interaction": c1})
    expect(tab(c1)).to_have_count(0, timeout=15_000)
    assert _tab_ids(desk) == [c2, c3]
    expect(tab(c2)).to_have_attribute("aria-selected", "true")
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")
    assert not desk.errors, desk.errors


IDLE = {"digital": "  idle: {remind_after_s: 0, close_after_s: 2}\n"}


@pytest.mark.parametrize("stack", [IDLE], indirect=True)
def test_a_chat_closed_for_idleness_keeps_its_tab_in_place_until_its_wrap_up(
    stack, page_for, browser
):
    """The server closes a chat (its visitor stayed silent after the agent's reply) while the
    agent reads another: the closed chat's tab stays where it was, in wrap-up, the agent's
    selection does not move, and Done there ends that wrap-up only."""
    desk = page_for("ann", "/desk")
    state = _ready(desk)
    texts = ("first visitor here", "second visitor here")
    widgets, accepted = _accept_chats(desk, browser, stack, texts, more="anyone there?")
    c1, c2 = accepted
    pane = desk.get_by_test_id("chat-pane")

    def tab(iid):
        return desk.locator(f'[data-testid=tab][data-interaction="{iid}"]')

    tab(c1).click()
    expect(pane.get_by_test_id("transcript")).to_contain_text("first visitor here")
    reply = pane.get_by_test_id("reply")
    reply.fill("One moment, please.")
    reply.press("Enter")
    expect(widgets[0].get_by_text("One moment, please.")).to_be_visible(timeout=10_000)
    tab(c2).click()
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")

    # The idle sweep (every 10 s) closes the first: its tab waits in wrap-up in its place.
    expect(tab(c1)).to_contain_text("wrap-up", timeout=30_000)
    assert _tab_ids(desk) == accepted
    expect(tab(c2)).to_have_attribute("aria-selected", "true")
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")
    expect(state).to_contain_text("Busy")

    tab(c1).click()
    desk.get_by_label("Disposition").select_option("resolved")
    desk.get_by_test_id("wrap-done").click()
    expect(tab(c1)).to_have_count(0, timeout=15_000)
    assert _tab_ids(desk) == [c2]
    expect(pane.get_by_test_id("transcript")).to_contain_text("second visitor here")
    expect(state).to_contain_text("Busy")
    ended = [s for _, k, s in stack.journal() if k == "interaction.ended"]
    assert ended == [c1], ended
    wrapups = [s for _, k, s in stack.journal() if k == "agent.wrapup"]
    assert wrapups == ["ann"], wrapups
    assert not desk.errors, desk.errors


PRECHAT = "    prechat: {name: required, email: optional}\n"


@pytest.mark.parametrize("stack", [PRECHAT], indirect=True)
def test_the_widget_asks_the_name_first_and_the_agent_sees_it(stack, page_for, browser):
    desk = page_for("ann", "/desk")
    _ready(desk)
    shop, widget = _shop(browser, stack, "/about")
    shop.keyboard.press("Tab")
    shop.keyboard.press("Enter")
    form = widget.get_by_test_id("prechat")
    expect(form).to_be_visible(timeout=10_000)
    expect(widget.get_by_label("Message")).to_be_hidden()
    name = widget.get_by_label("Your name")
    expect(name).to_be_focused()
    widget.get_by_role("button", name="Start chat").click()
    expect(form).to_be_visible()  # the name is required: the browser keeps the form
    name.fill("Zoe Quinn")
    widget.get_by_label("Email").fill("zoe@example.com")
    widget.get_by_role("button", name="Start chat").click()
    expect(form).to_be_hidden()
    box = widget.get_by_label("Message")
    expect(box).to_be_focused()
    box.fill("Hello, is my order on its way?")
    box.press("Enter")
    expect(widget.get_by_text("An agent will be with you in a moment.")).to_be_visible(
        timeout=15_000
    )

    offer = desk.get_by_test_id("offer")
    expect(offer).to_be_visible(timeout=15_000)
    expect(offer).to_contain_text("Zoe Quinn")
    desk.get_by_test_id("offer-accept").click()
    expect(desk.get_by_test_id("tab")).to_contain_text("Zoe Quinn", timeout=15_000)
    screenshot(shop, "widget-prechat-after")
    # a reload keeps the visitor's profile: no form again
    shop.reload()
    widget = _frame(shop)
    shop.keyboard.press("Tab")
    shop.keyboard.press("Enter")
    expect(widget.get_by_label("Message")).to_be_visible(timeout=10_000)
    expect(widget.get_by_test_id("prechat")).to_be_hidden()
    assert not shop.errors, shop.errors
    assert not desk.errors, desk.errors
