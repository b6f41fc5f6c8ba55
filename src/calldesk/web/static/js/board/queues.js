// Per-queue figures with threshold colouring: waiting, longest wait, service level (today
// and last 30 min) against target, ASA, abandon rate, agents by state.
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration, percent } from "../format.js";

// "ok" | "warn" | "bad" for a cell; the thresholds are written where they are used.
export function slClass(sl, target) {
  if (sl === null || sl === undefined || typeof target !== "number") return "";
  if (sl >= target) return "ok";
  return sl >= target - 0.1 ? "warn" : "bad";
}
const waitClass = (s, q) => (!s ? "" : s > (q.sl_seconds || 20) ? "bad" : s > (q.sl_seconds || 20) / 2 ? "warn" : "ok");
const abandonClass = (r) => (r === null || r === undefined ? "" : r > 0.1 ? "bad" : r > 0.05 ? "warn" : "ok");

export function QueueTable({ queues, now, wall, act }) {
  return html`<section class="card queues" aria-labelledby="queues-title">
    <h2 id="queues-title">Queues</h2>
    <table data-testid="queues">
      <thead><tr>
        <th scope="col">Queue</th><th scope="col">Waiting</th><th scope="col">Longest</th>
        <th scope="col">SL today</th><th scope="col">SL 30 min</th><th scope="col">ASA</th>
        <th scope="col">Abandoned</th><th scope="col">Ready</th><th scope="col">Busy</th>
        <th scope="col">Wrap-up</th><th scope="col">Not ready</th>
        ${wall ? null : html`<th scope="col"><span class="sr-only">Actions</span></th>`}
      </tr></thead>
      <tbody>
        ${queues.map((q) => {
          const a = q.agents || {};
          const longest = q.longest_wait_s ? q.longest_wait_s + (now - q._fetched) / 1000 * (q.waiting ? 1 : 0) : 0;
          return html`<tr data-queue=${q.name}>
            <th scope="row">${q.name}${q.paused ? html` <span class="badge warn">paused</span>` : null}</th>
            <td class="big ${q.waiting ? "warn" : ""}" data-testid="waiting-${q.name}">${q.waiting}</td>
            <td class=${waitClass(longest, q)}>${duration(longest)}</td>
            <td class=${slClass(q.service_level, q.sl_target)}>${percent(q.service_level)}
              <small> / ${percent(q.sl_target)}</small></td>
            <td class=${slClass(q.service_level_30m, q.sl_target)}>${percent(q.service_level_30m)}</td>
            <td>${duration(q.asa_s)}</td>
            <td class=${abandonClass(q.abandon_rate)}>${percent(q.abandon_rate)}</td>
            <td>${a.ready ?? 0}</td><td>${a.busy ?? 0}</td><td>${a.wrap_up ?? 0}</td><td>${a.not_ready ?? 0}</td>
            ${wall
              ? null
              : html`<td><button class="quiet" onClick=${() => act(q.paused ? "Resume" : "Pause",
                  `/api/queues/${encodeURIComponent(q.name)}/${q.paused ? "resume" : "pause"}`)}>
                  ${q.paused ? "Resume" : "Pause"} <span class="sr-only">${q.name}</span></button></td>`}
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}
