// The screen pop: what the IVR collected (account, intent, language, verified), the flow path,
// the queue and the wait; and the slot the customer timeline fills when context lands.
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { clockTime, duration, humanKey } from "../format.js";

const FIRST = ["account", "intent", "language", "verified"];
const HIDDEN = new Set(["ivr_path", "caller", "journey", "timeline"]);

function show(value) {
  if (value === true) return "yes";
  if (value === false) return "no";
  if (value === null || value === undefined || value === "") return "–";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// [key, text] pairs of collected data, the well-known keys first.
export function collected(data) {
  const keys = Object.keys(data || {}).filter((k) => !HIDDEN.has(k) && !k.startsWith("calldesk_"));
  keys.sort((a, b) => {
    const ia = FIRST.indexOf(a), ib = FIRST.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  return keys.map((k) => [k, show(data[k])]);
}

// Seconds the customer waited: queue entry to answer, from the pop's journey when present.
export function waitOf(pop) {
  if (!pop) return null;
  if (typeof pop.wait_s === "number") return pop.wait_s;
  const journey = pop.journey || [];
  const entered = journey.find((j) => j[1] === "interaction.arrived" || j[1] === "interaction.queued");
  return entered && pop.at ? pop.at - entered[0] : null;
}

// The customer the pop's context names (calldesk.customers), and their last contacts, one line each.
export function lastContacts(pop) {
  const ctx = (pop && pop.context) || {};
  return Array.isArray(ctx.last_contacts) ? ctx.last_contacts : [];
}

export function customerLine(pop) {
  const c = pop && pop.context && pop.context.customer;
  if (!c) return "";
  const ids = (c.identities || []).map((i) => `${i.kind} ${i.value}${i.verified ? " (verified)" : ""}`);
  return `${c.name || c.id}${ids.length ? " · " + ids.join(", ") : ""}`;
}

export function ScreenPop({ pop, interaction }) {
  const data = (pop && pop.data) || (interaction && interaction.data) || {};
  const path = data.ivr_path || (pop && pop.path) || [];
  const caller = data.caller || {};
  const verified = data.verified;
  const queue = (pop && pop.queue) || (interaction && interaction.queue);
  return html`<section class="pop card" aria-labelledby="pop-title" data-testid="screen-pop">
    <h2 id="pop-title">Screen pop</h2>
    <div class="pop-head">
      <span>Queue <strong data-testid="pop-queue">${queue || "–"}</strong></span>
      <span>Waited <strong>${duration(waitOf(pop))}</strong></span>
      <span>Caller <strong>${caller.name || caller.id || (pop && pop.customer) || "–"}</strong></span>
      ${verified !== undefined
        ? html`<span class="badge ${verified ? "ok" : "warn"}">${verified ? "verified" : "not verified"}</span>`
        : null}
    </div>
    <dl class="facts">
      ${collected(data).map(([k, v]) => html`<dt>${humanKey(k)}</dt><dd data-key=${k}>${v}</dd>`)}
    </dl>
    ${path.length
      ? html`<div class="path">Flow path: <ol class="crumbs" aria-label="Flow path">${path.map((p) => html`<li>${p}</li>`)}</ol></div>`
      : null}
    <section class="timeline" aria-label="Customer timeline" data-slot="customer-timeline">
      <h3>Customer timeline</h3>
      ${lastContacts(pop).length
        ? html`<p>${customerLine(pop)}</p><ol data-testid="last-contacts">${lastContacts(pop).map(
            (line) => html`<li>${line}</li>`)}</ol>`
        : (pop && pop.timeline) || data.timeline
        ? html`<ol>${((pop && pop.timeline) || data.timeline).map(
            (t) => html`<li><time>${clockTime(t.at)}</time> ${t.summary || t.kind}</li>`)}</ol>`
        : html`<p class="muted">${customerLine(pop) || "No earlier contact with this customer."}</p>`}
    </section>
  </section>`;
}
