// The agent's state bar: ready / not ready with a reason, the time in state, log in and out.
import { html, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration, stateLabel } from "../format.js";

export function timeInState(agent, now) {
  if (!agent || !agent.since) return null;
  if (typeof agent.time_in_state_s === "number" && agent._fetched) {
    return agent.time_in_state_s + (now - agent._fetched) / 1000;
  }
  return agent.since ? now / 1000 - agent.since : null;
}

export function StateBar({ agent, codes, now, act }) {
  const [reason, setReason] = useState("");
  const state = agent ? agent.state : "logged_out";
  const loggedOut = !agent || state === "logged_out" || state === "offline";
  const reasons = (codes && codes.not_ready_reasons) || [];
  const id = agent && agent.id;
  const chosen = reason || (reasons[0] && (reasons[0].code || reasons[0])) || "";
  if (loggedOut) {
    return html`<section class="statebar" aria-label="Agent state">
      <span class="state-pill logged_out" data-testid="agent-state">Logged out</span>
      <button class="primary" data-testid="agent-login" onClick=${() => act("Log in", "login", { ready: false })}>
        Log in to the queues</button>
    </section>`;
  }
  return html`<section class="statebar" aria-label="Agent state">
    <span class="state-pill ${state}" data-testid="agent-state" aria-live="polite">
      ${stateLabel(state)}${agent.reason ? ` · ${agent.reason}` : ""}</span>
    <span class="timer" aria-label="Time in state" data-testid="time-in-state">${duration(timeInState(agent, now))}</span>
    <button class="ready" data-testid="go-ready" aria-keyshortcuts="Alt+Shift+R"
      disabled=${state === "ready" || state === "available"}
      onClick=${() => act("Ready", "state", { state: "ready" })}>Ready <kbd>Alt+Shift+R</kbd></button>
    <label class="inline" for="nr-reason">Reason</label>
    <select id="nr-reason" data-testid="nr-reason" value=${chosen} onChange=${(e) => setReason(e.target.value)}>
      ${reasons.map((r) => html`<option value=${r.code || r}>${r.label || r.code || r}</option>`)}
    </select>
    <button data-testid="go-not-ready" aria-keyshortcuts="Alt+Shift+N"
      onClick=${() => act("Not ready", "state", { state: "not_ready", reason: chosen || undefined })}>
      Not ready <kbd>Alt+Shift+N</kbd></button>
    <button class="quiet" data-testid="agent-logout" onClick=${() => act("Log out of the queues", "logout", {})}
      disabled=${!!(agent.interactions && agent.interactions.length)}>Leave queues</button>
    <span class="sr-only">Agent ${id}</span>
  </section>`;
}

// The not-ready reason the shortcut uses: the one shown in the selector.
export function currentReason() {
  const el = document.getElementById("nr-reason");
  return el && el.value ? el.value : undefined;
}
