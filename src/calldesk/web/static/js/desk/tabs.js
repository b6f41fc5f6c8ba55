// The agent's interactions as tabs. A tab keeps its place from accept to the end of its
// wrap-up: tabs are in the order the interactions were accepted (a new one goes at the end),
// never in the server's list order (sorted by id), and each button is keyed by its interaction,
// so a re-render never turns the button under the mouse into another interaction's.
import { html, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";

const answered = (it) => (it && typeof it.answered_at === "number" ? it.answered_at : Infinity);

// `prev`: the ids in the order shown so far; `held`: {id: item} held now or in wrap-up. Ids
// still held keep their places; new ones go at the end, among themselves by answer time.
export function keepOrder(prev, held) {
  const kept = prev.filter((id) => id in held);
  const seen = new Set(kept);
  const fresh = Object.keys(held)
    .filter((id) => !seen.has(id))
    .sort((a, b) => answered(held[a]) - answered(held[b]) || (a < b ? -1 : a > b ? 1 : 0));
  const next = kept.concat(fresh);
  return next.length === prev.length && next.every((id, i) => id === prev[i]) ? prev : next;
}

// `held` as above; returns the items in a stable order.
export function useTabOrder(held) {
  const order = useRef([]);
  order.current = keepOrder(order.current, held);
  return order.current.map((id) => held[id]);
}

// The tab the agent chose stays selected through every re-render; only when it goes (its
// wrap-up done) does the selection move, to the tab that took its place (or the one before).
// Returns [current item or null, select(id)].
export function useSelection(items) {
  const [chosen, setChosen] = useState(null);
  const shown = useRef({ id: null, at: 0 });
  const ids = items.map((i) => i.id);
  let at = ids.indexOf(chosen);
  if (at < 0) at = ids.indexOf(shown.current.id);
  if (at < 0) at = Math.min(shown.current.at, ids.length - 1);
  const current = at >= 0 ? items[at] : null;
  shown.current = { id: current && current.id, at: Math.max(at, 0) };
  return [current, setChosen];
}

export function Tabs({ items, selected, onSelect }) {
  return html`<nav class="tabs card" aria-label="My interactions">
    <h2 id="tabs-title">Interactions</h2>
    <div role="tablist" aria-labelledby="tabs-title" data-testid="interaction-tabs">
      ${items.map((it) => html`<button key=${it.id} role="tab" id="tab-${it.id}" aria-selected=${it.id === selected}
          aria-controls="panel-${it.id}" data-testid="tab" data-interaction=${it.id}
          onClick=${() => onSelect(it.id)}>
          <span class="medium ${it.medium || "voice"}">${it.medium || "voice"}</span>
          ${it.customerLabel}${it.unread
            ? html` <span class="badge warn" data-testid="tab-unread" aria-label="${it.unread} unread">${it.unread}</span>`
            : null}<small>${it.queue || ""} · ${it.wrapping ? "wrap-up" : it.state || ""}</small></button>`)}
      ${items.length ? null : html`<p class="muted">No interaction. Offers appear above.</p>`}
    </div>
  </nav>`;
}
