// The outbound preview card: the contact a preview campaign holds for this agent, with its
// custom fields and local time; Dial places the call (the answer comes to this agent), Skip
// closes the contact with a reason. A campaign's preview timeout may dial it by itself.
import { html, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, post } from "../api.js";
import { duration, humanKey } from "../format.js";

const REASONS = ["wrong_person", "do_not_call", "already_customer", "bad_timing"];

export function PreviewCard({ preview, now, run, onDone }) {
  const [reason, setReason] = useState(REASONS[0]);
  if (!preview) return null;
  const c = preview.contact || {};
  const fields = Object.entries(c.fields || {}).slice(0, 8);
  const left = preview.timeout_at ? preview.timeout_at - now / 1000 : null;
  const act = (label, path, body) =>
    run(label, () => post(`/api/preview/${enc(preview.id)}/${path}`, body)).then(onDone);
  return html`<section class="offer card preview" aria-labelledby="preview-title" data-testid="preview">
    <h2 id="preview-title"><span class="medium voice">outbound</span>
      Preview · campaign <strong>${preview.campaign}</strong></h2>
    <p class="who" data-testid="preview-who">${c.name || "Unknown contact"}
      <span class="number">${c.number || ""}</span></p>
    <p class="muted">Their time: ${(preview.local_time || "").slice(11, 16)} (${c.timezone || "?"}),
      attempt ${preview.attempt}</p>
    ${fields.length
      ? html`<dl class="facts" data-testid="preview-fields">${fields.map(([k, v]) =>
          html`<dt>${humanKey(k)}</dt><dd>${String(v)}</dd>`)}</dl>`
      : null}
    <div class="row">
      <button class="primary" data-testid="preview-dial" onClick=${() => act("Dial", "dial")}>Dial</button>
      <label>Skip reason
        <select data-testid="preview-reason" value=${reason} onChange=${(e) => setReason(e.target.value)}>
          ${REASONS.map((r) => html`<option value=${r}>${humanKey(r)}</option>`)}
        </select></label>
      <button data-testid="preview-skip" onClick=${() => act("Skip", "skip", { reason })}>Skip</button>
      ${left !== null
        ? html`<span class="countdown ${left < 5 ? "urgent" : ""}" role="timer"
            aria-label="Dials by itself in">${duration(Math.max(0, left))}</span>`
        : null}
    </div>
  </section>`;
}
