// Wrap-up: a disposition code, notes, the wrap-up timer counting down, and Done to end it early.
import { html, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration } from "../format.js";

export function wrapupLeft(agent, now) {
  if (!agent) return null;
  const until = agent.wrapup_until || agent.wrap_up_until; // the API's field, or a chat tab's
  if (until) return until - now / 1000;
  const limit = agent.wrap_up_s;
  if (typeof limit === "number" && typeof agent.time_in_state_s === "number" && agent._fetched) {
    return limit - agent.time_in_state_s - (now - agent._fetched) / 1000;
  }
  return null;
}

function elapsed(agent, now) {
  if (!agent || typeof agent.time_in_state_s !== "number") return null;
  return agent.time_in_state_s + (now - agent._fetched) / 1000;
}

// Seconds left come from the server (`wrapup_until`, or `wrap_up_s` and the time in state);
// without them the timer shows the time spent in wrap-up.
export function WrapUp({ agent, codes, now, onDone }) {
  const dispositions = (codes && codes.dispositions) || [];
  const [code, setCode] = useState("");
  const [notes, setNotes] = useState("");
  const [error, setError] = useState("");
  const left = wrapupLeft(agent, now);
  function submit(event) {
    event && event.preventDefault();
    const chosen = code || (document.getElementById("wrap-code") || {}).value || "";
    if (!chosen) {
      setError("Choose a disposition code.");
      return;
    }
    setError("");
    onDone(chosen, notes);
  }
  return html`<form class="wrapup card" aria-labelledby="wrap-title" data-testid="wrapup" onSubmit=${submit}>
    <h2 id="wrap-title">Wrap-up
      ${left !== null
        ? html`<span class="countdown ${left < 10 ? "urgent" : ""}" role="timer" aria-label="Wrap-up ends in">${duration(left)}</span>`
        : html`<span class="countdown" role="timer" aria-label="Time in wrap-up">${duration(elapsed(agent, now))}</span>`}</h2>
    <label for="wrap-code">Disposition</label>
    <select id="wrap-code" data-testid="wrap-code" required value=${code} onChange=${(e) => setCode(e.target.value)}>
      <option value="">Choose…</option>
      ${dispositions.map((d) => html`<option value=${d.code || d}>${d.label || d.code || d}</option>`)}
    </select>
    <label for="wrap-notes">Notes</label>
    <textarea id="wrap-notes" data-testid="wrap-notes" rows="3" value=${notes} onInput=${(e) => setNotes(e.target.value)}></textarea>
    <p class="error" role="alert">${error}</p>
    <button type="submit" class="primary" data-testid="wrap-done" aria-keyshortcuts="Alt+Shift+W">Done <kbd>Alt+Shift+W</kbd></button>
  </form>`;
}

// The shortcut submits the visible form (so its validation runs).
export function submitWrapUp() {
  const form = document.querySelector("[data-testid=wrapup]");
  if (form) form.requestSubmit();
}
