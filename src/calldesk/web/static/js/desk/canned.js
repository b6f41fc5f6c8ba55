// Canned responses: search those of the interaction's queue (and language), then insert one,
// rendered by the server for this interaction (`{{ customer.name }}` …), into the reply box.
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, get, post } from "../api.js";

export function CannedPicker({ interaction, onInsert, run }) {
  const [q, setQ] = useState("");
  const [items, setItems] = useState(null);
  const timer = useRef(null);
  const id = interaction.id;
  const data = interaction.data || {};

  function search(text) {
    const params = new URLSearchParams({ q: text, queue: interaction.queue || "", lang: data.language || "" });
    get(`/api/canned?${params}`).then(setItems).catch(() => setItems([]));
  }
  useEffect(() => () => clearTimeout(timer.current), []);

  function onInput(event) {
    setQ(event.target.value);
    clearTimeout(timer.current);
    const text = event.target.value;
    timer.current = setTimeout(() => search(text), 150);
  }
  async function choose(item) {
    const got = await run(`Canned "${item.title}"`, () => post(`/api/canned/${enc(item.id)}/render`, { interaction: id }));
    if (got && typeof got.text === "string") {
      onInsert(got.text);
      setItems(null);
      setQ("");
    }
  }
  function onKey(event) {
    if (event.key === "Escape") setItems(null);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      document.querySelector(`#canned-${CSS.escape(id)} button`)?.focus();
    }
    if (event.key === "Enter") {
      event.preventDefault(); // the reply form must not send
      if (items && items.length) choose(items[0]);
      else search(q);
    }
  }
  function onListKey(event) {
    const buttons = Array.from(event.currentTarget.querySelectorAll("button"));
    const at = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < buttons.length - 1) buttons[at + 1].focus();
    else if (event.key === "ArrowUp") (at > 0 ? buttons[at - 1] : document.getElementById(`canned-q-${id}`))?.focus();
    else if (event.key === "Escape") setItems(null);
    else return;
    event.preventDefault();
  }
  return html`<div class="canned">
    <label class="sr-only" for="canned-q-${id}">Search canned responses</label>
    <input id="canned-q-${id}" type="search" data-testid="canned-search" placeholder="Canned responses… (Alt+Shift+C)"
      aria-keyshortcuts="Alt+Shift+C" value=${q} onInput=${onInput} onFocus=${() => items === null && search(q)}
      onKeyDown=${onKey} autocomplete="off" aria-controls="canned-${id}" />
    ${items !== null
      ? html`<ul id="canned-${id}" class="canned-list" role="list" aria-label="Canned responses" onKeyDown=${onListKey}
            data-testid="canned-results">
          ${items.length
            ? items.map((c) => html`<li><button type="button" data-testid="canned-item" data-canned=${c.id}
                onClick=${() => choose(c)}><strong>${c.title}</strong><small>${c.text}</small></button></li>`)
            : html`<li class="muted">No canned response matches.</li>`}
        </ul>`
      : null}
  </div>`;
}
