// The conversation pane of a chat, SMS or email the agent holds: the transcript, a reply box
// (the customer sees "typing"), canned responses to search and insert, mark-read, and close
// (the agent then wraps up, as on a call). Each action is one documented API call.
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, post } from "../api.js";
import { CannedPicker } from "./canned.js";
import { Transcript } from "./transcript.js";
import { unreadOf } from "./threads.js";

const TYPING_EVERY_MS = 3000; // "typing on" at most this often while keys are pressed
const TYPING_IDLE_MS = 5000; // then "typing off" after this long without a key

export function ChatPane({ interaction, thread, self, run, visible, onClosed }) {
  const id = interaction.id;
  const base = `/api/interactions/${enc(id)}`;
  const medium = interaction.medium;
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const box = useRef(null);
  const typing = useRef({ last: 0, timer: null, on: false });
  const messages = (thread && thread.messages) || [];
  const unread = unreadOf(thread, id);
  const customerName = interaction.customerLabel || "";
  const customerTyping = thread && thread.typingUntil > Date.now();

  function typingOff() {
    clearTimeout(typing.current.timer);
    if (typing.current.on) {
      typing.current.on = false;
      post(`${base}/typing`, { on: false }).catch(() => {});
    }
  }
  useEffect(() => typingOff, [id]);

  function onInput(event) {
    setDraft(event.target.value);
    const t = typing.current;
    const now = Date.now();
    if (now - t.last > TYPING_EVERY_MS) {
      t.last = now;
      t.on = true;
      post(`${base}/typing`, { on: true }).catch(() => {});
    }
    clearTimeout(t.timer);
    t.timer = setTimeout(typingOff, TYPING_IDLE_MS);
  }

  const markRead = (quiet) => {
    const upto = unread.reduce((n, m) => Math.max(n, m.seq), 0);
    if (!upto) return undefined;
    const call = () => post(`${base}/read`, { upto_seq: upto });
    return quiet ? call().catch(() => {}) : run("Mark read", call);
  };
  // What the agent has on screen is read: mark it as the customer's messages arrive.
  const newest = unread.length ? unread[unread.length - 1].seq : 0;
  useEffect(() => {
    if (visible && newest && document.visibilityState === "visible") markRead(true);
  }, [visible, newest]);

  async function send(event) {
    if (event) event.preventDefault();
    const text = draft.trim();
    if (!text || sending) return;
    setSending(true);
    const done = await run("Send", () => post(`${base}/messages`, { text }));
    setSending(false);
    if (done !== undefined) {
      setDraft("");
      typing.current.last = 0;
      clearTimeout(typing.current.timer);
      typing.current.on = false; // the reply itself ends "typing" in the widget
    }
    if (box.current) box.current.focus();
  }
  function onKey(event) {
    // Chat and SMS: Enter sends, Shift+Enter is a new line. Email: Ctrl+Enter sends.
    const sends = medium === "email" ? event.key === "Enter" && event.ctrlKey : event.key === "Enter" && !event.shiftKey;
    if (sends) send(event);
  }
  function insert(text) {
    const el = box.current;
    const at = el ? el.selectionStart ?? draft.length : draft.length;
    const end = el ? el.selectionEnd ?? at : at;
    const next = draft.slice(0, at) + text + draft.slice(end);
    setDraft(next);
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(at + text.length, at + text.length);
    });
  }
  const close = () => run("Close", async () => {
    typingOff();
    await post(`${base}/close`);
    onClosed(id);
  });

  return html`<section class="card conversation" aria-labelledby="conv-title-${id}" data-slot="conversation"
      data-medium=${medium} data-testid="chat-pane">
    <div class="conv-head">
      <h2 id="conv-title-${id}">${medium} with ${customerName || "customer"}</h2>
      <span class="badge ${unread.length ? "warn" : ""}" data-testid="unread">${unread.length} unread</span>
      <button data-testid="mark-read" disabled=${!unread.length} onClick=${() => markRead(false)}>Mark read</button>
      <button class="danger" data-testid="chat-close" aria-keyshortcuts="Alt+Shift+E" onClick=${close}>
        Close <kbd>Alt+Shift+E</kbd></button>
    </div>
    <${Transcript} messages=${messages} medium=${medium} self=${self} customerName=${customerName} interaction=${id} />
    <p class="typing" aria-live="polite" data-testid="customer-typing">${customerTyping ? `${customerName || "The customer"} is typing…` : ""}</p>
    <form class="reply" onSubmit=${send}>
      <label for="reply-${id}">Reply <small class="muted">${medium === "email" ? "(Ctrl+Enter sends)" : "(Enter sends, Shift+Enter new line)"}</small></label>
      <textarea id="reply-${id}" data-testid="reply" rows=${medium === "email" ? 6 : 3} ref=${box} value=${draft}
        onInput=${onInput} onKeyDown=${onKey} onBlur=${typingOff}></textarea>
      <div class="row">
        <button type="submit" class="primary" data-testid="send" disabled=${!draft.trim() || sending}>Send</button>
        <${CannedPicker} interaction=${interaction} onInsert=${insert} run=${run} />
      </div>
    </form>
  </section>`;
}
