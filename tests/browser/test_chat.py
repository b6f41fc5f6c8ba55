"""Web chat end to end in Chromium: a visitor on a shop's page (another origin, with the one
script tag) is invited, chats and sends a file; an agent on /desk accepts, sees the transcript
and the file, inserts a canned response, replies (the widget shows it, and its read receipt
comes back), closes and wraps up. Also: a reload returns to the same conversation and a message
whose acknowledgement was lost arrives once; another agent cannot fetch the file."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Stack, screenshot

pytestmark = pytest.mark.timeout(180)

SHOP = "http://shop.test"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00\x90"
    b"\x91h6\x00\x00\x00\x1dIDATx\x9cc\xfc\xcf\xc0\xf0\x9f\x81\x04\xc0D\x8a\x06F5\x8c\x1a0j@"
    b"\x8a\x01\x00\xd5\x9a\x03\x1d\xa6\x94\xd7\xb2\x00\x00\x00\x00IEND\xaeB`\x82"
)

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
    allowed_origins: ["http://shop.test"]
    attachments: {dir: "{work}/attachments", max_bytes: 100000, types: [image/png, application/pdf]}
    invitations:
      - {name: pricing, pages: ["/pricing*"], after_s: 1, queue: general, max_wait_s: 600,
         text: "Questions about our prices? We are here."}
"""


@pytest.fixture()
def stack(tmp_path, playwright_api):
    s = Stack(tmp_path, playwright_api, extra=DIGITAL, flows={"webchat": CHAT_FLOW})
    yield s
    s.stop()


def _shop(browser, stack, path="/pricing"):
    """A visitor's page on another origin with the widget's script tag; returns (page, frame)."""
    ctx = browser.new_context(viewport={"width": 1100, "height": 760})
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.route(
        f"{SHOP}/**",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"<!doctype html><title>Shop</title><h1>Our prices</h1><p>Plans from $9.</p>"
            f'<script src="{stack.url}/chat/widget.js" async></script>',
        ),
    )
    page.goto(SHOP + path)
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
    bea = stack.api("bea")  # another agent of the same team: not hers
    assert bea.get(stack.url + href).status in (403, 404)
    assert stack.playwright.request.new_context().get(stack.url + href).status == 401
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
    expect(widget.get_by_text("first message")).to_be_visible(timeout=15_000)  # same conversation
    shop.keyboard.press("Tab")
    shop.keyboard.press("Enter")
    box = widget.get_by_label("Message")
    box.fill("sent while the line drops")
    box.press("Enter")
    expect(
        widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    ).to_have_attribute("data-status", "pending")
    lost = widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    expect(lost).not_to_have_attribute("data-status", "pending", timeout=30_000)
    assert dropped["n"] >= 1
    import sqlite3

    with sqlite3.connect(stack.store) as db:
        texts = [
            r[0] for r in db.execute("SELECT text FROM digital_messages WHERE author = 'customer'")
        ]
    assert texts.count("sent while the line drops") == 1, texts
    assert texts.count("first message") == 1, texts
    expect(
        widget.get_by_test_id("message").filter(has_text="sent while the line drops")
    ).to_have_count(1)
    assert not shop.errors, shop.errors
