// The supervisor's agents: state, time in state, current interaction, handled today, and the
// actions the API allows (monitor, whisper, barge; force ready / not ready; log out).
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration, stateLabel } from "../format.js";

function since(agent, now) {
  if (agent.state === "logged_out" || !agent.since) return null;
  if (typeof agent.time_in_state_s === "number") return agent.time_in_state_s + (now - agent._fetched) / 1000;
  return agent.since ? now / 1000 - agent.since : null;
}

function current(agent, interactions, now) {
  const id = (agent.interactions || [])[0];
  if (!id) return html`<span class="muted">–</span>`;
  const it = interactions[id] || {};
  const who = it.customer && typeof it.customer === "object" ? it.customer.name || it.customer.number : it.customer;
  const start = it.answered_at || it.started_at || it.arrived_at;
  return html`<span data-testid="current-${agent.id}" data-interaction=${id}>
    ${it.queue || ""} · ${who || id}${start ? ` · ${duration(now / 1000 - start)}` : ""}</span>`;
}

export function AgentTable({ agents, interactions, days, now, wall, supervise, act, reasons }) {
  const reason = (reasons && reasons[0] && (reasons[0].code || reasons[0])) || undefined;
  return html`<section class="card agents" aria-labelledby="agents-title">
    <h2 id="agents-title">Agents</h2>
    <table data-testid="agents">
      <thead><tr><th scope="col">Agent</th><th scope="col">State</th><th scope="col">In state</th>
        <th scope="col">Current interaction</th><th scope="col">Handled</th>
        ${wall ? null : html`<th scope="col">Actions</th>`}</tr></thead>
      <tbody>
        ${agents.map((a) => {
          const on = (a.interactions || []).length > 0;
          const path = `/api/agents/${encodeURIComponent(a.id)}`;
          const name = a.name || a.id;
          return html`<tr data-agent=${a.id}>
            <th scope="row">${name}</th>
            <td><span class="state-pill ${a.state}" data-testid="state-${a.id}">${stateLabel(a.state)}${a.reason ? ` · ${a.reason}` : ""}</span></td>
            <td>${duration(since(a, now))}</td>
            <td>${current(a, interactions, now)}</td>
            <td data-testid="handled-${a.id}">${typeof a.handled === "number" ? a.handled : days[a.id] ? days[a.id].handled : "–"}</td>
            ${wall
              ? null
              : html`<td class="actions">
                  <button disabled=${!on} data-testid="listen-${a.id}" aria-label="Monitor ${name}"
                    onClick=${() => supervise(a.id, "listen")}>Monitor</button>
                  <button disabled=${!on} data-testid="whisper-${a.id}" aria-label="Whisper to ${name}"
                    onClick=${() => supervise(a.id, "whisper")}>Whisper</button>
                  <button disabled=${!on} data-testid="barge-${a.id}" aria-label="Barge in on ${name}"
                    onClick=${() => supervise(a.id, "barge")}>Barge</button>
                  <button data-testid="force-ready-${a.id}" aria-label="Force ${name} ready"
                    onClick=${() => act(`Force ${name} ready`, `${path}/force`, { state: "ready" })}>Ready</button>
                  <button data-testid="force-nr-${a.id}" aria-label="Force ${name} not ready"
                    onClick=${() => act(`Force ${name} not ready`, `${path}/force`, { state: "not_ready", reason })}>Not ready</button>
                  <button class="danger" data-testid="logout-${a.id}" aria-label="Log ${name} out"
                    onClick=${() => act(`Log ${name} out`, `${path}/logout`, {})}>Log out</button>
                </td>`}
          </tr>`;
        })}
      </tbody>
    </table>
  </section>`;
}

const MODES = [["listen", "Monitor"], ["whisper", "Whisper"], ["barge", "Barge"]];

export function SupervisionPanel({ session, setMode, takeover, end }) {
  if (!session) return null;
  return html`<section class="card supervision" aria-labelledby="sup-title" data-testid="supervision">
    <h2 id="sup-title">Supervising ${session.agent}</h2>
    <p>Session <code>${session.id}</code> · mode <strong data-testid="sup-mode">${session.mode}</strong></p>
    <div class="row" role="radiogroup" aria-label="Mode">
      ${MODES.map(([m, label]) => html`<label class="target ${session.mode === m ? "checked" : ""}">
        <input type="radio" name="sup-mode" checked=${session.mode === m} onChange=${() => setMode(m)} />${label}</label>`)}
      <button data-testid="takeover" onClick=${takeover}>Take over</button>
      <button class="danger" data-testid="sup-end" onClick=${end}>Leave</button>
    </div>
  </section>`;
}

// Interactions waiting in the supervisor's queues: move, raise priority, pull to an agent.
export function WaitingList({ waiting, queues, agents, now, act }) {
  if (!waiting.length) return html`<section class="card waiting" aria-labelledby="wait-title">
    <h2 id="wait-title">Waiting</h2><p class="muted">Nobody is waiting.</p></section>`;
  return html`<section class="card waiting" aria-labelledby="wait-title">
    <h2 id="wait-title">Waiting</h2>
    <table data-testid="waiting">
      <thead><tr><th scope="col">Interaction</th><th scope="col">Queue</th><th scope="col">Waited</th>
        <th scope="col">Priority</th><th scope="col">Actions</th></tr></thead>
      <tbody>${waiting.map((it) => {
        const path = `/api/interactions/${encodeURIComponent(it.id)}`;
        const start = it.queued_at || it.arrived_at || it.started_at;
        return html`<tr data-interaction=${it.id}>
          <th scope="row">${(it.customer && (it.customer.name || it.customer.number)) || it.customer || it.id}</th>
          <td>${it.queue}</td><td>${start ? duration(now / 1000 - start) : "–"}</td><td>${it.priority ?? 0}</td>
          <td class="actions">
            <label class="sr-only" for="mv-${it.id}">Move to queue</label>
            <select id="mv-${it.id}" onChange=${(e) => e.target.value && act("Move", `${path}/move`, { queue: e.target.value })}>
              <option value="">Move to…</option>
              ${queues.filter((q) => q.name !== it.queue).map((q) => html`<option value=${q.name}>${q.name}</option>`)}
            </select>
            <button onClick=${() => act("Raise priority", `${path}/priority`, { priority: (it.priority || 0) + 1 })}>Priority +1</button>
            <label class="sr-only" for="pull-${it.id}">Pull to agent</label>
            <select id="pull-${it.id}" onChange=${(e) => e.target.value && act("Pull", `${path}/pull`, { agent: e.target.value })}>
              <option value="">Pull to…</option>
              ${agents.map((a) => html`<option value=${a.id}>${a.name || a.id}</option>`)}
            </select>
          </td></tr>`;
      })}</tbody>
    </table>
  </section>`;
}
