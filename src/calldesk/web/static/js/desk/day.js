// The agent's own day: contacts handled, average handle time, time in each state.
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration, stateLabel } from "../format.js";

export function MyDay({ day }) {
  const times = (day && day.time_in_state_s) || {};
  return html`<section class="day card" aria-labelledby="day-title" data-testid="my-day">
    <h2 id="day-title">My day</h2>
    <dl class="figures">
      <div><dt>Handled</dt><dd data-testid="day-handled">${day ? day.handled : "–"}</dd></div>
      <div><dt>Avg handle</dt><dd>${day ? duration(day.aht_s) : "–"}</dd></div>
    </dl>
    <dl class="facts">
      ${["ready", "busy", "wrap_up", "not_ready"].map(
        (s) => html`<dt>${stateLabel(s)}</dt><dd>${duration(times[s])}</dd>`)}
    </dl>
  </section>`;
}
