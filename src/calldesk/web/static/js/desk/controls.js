// Voice call controls on one interaction: hold, mute, DTMF, hang up, blind transfer, and
// consult then complete / cancel / join all three. Each button is one documented API call.
import { html, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, post } from "../api.js";
import { TargetPicker } from "./targets.js";

const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#"];

export function CallControls({ interaction, local, setLocal, run, self }) {
  const id = interaction.id;
  const base = `/api/interactions/${enc(id)}`;
  const [target, setTarget] = useState(null);
  const [showPad, setShowPad] = useState(false);
  const held = local.held ?? interaction.held ?? false;
  const muted = local.muted ?? interaction.muted ?? false;
  const consulting = local.consulting || null;

  const hold = () => run(held ? "Resume" : "Hold", async () => {
    await post(`${base}/${held ? "unhold" : "hold"}`);
    setLocal({ held: !held });
  });
  const mute = () => run(muted ? "Unmute" : "Mute", async () => {
    await post(`${base}/mute`, { on: !muted });
    setLocal({ muted: !muted });
  });
  const dtmf = (d) => run(`Send ${d}`, () => post(`${base}/dtmf`, { digits: d }));
  const hangup = () => run("Hang up", () => post(`${base}/hangup`));
  const transfer = () => run("Transfer", () => post(`${base}/transfer`, { target }));
  const consult = () => run("Consult", async () => {
    await post(`${base}/consult`, { target });
    setLocal({ consulting: target });
  });
  const finish = (step, label) => run(label, async () => {
    try {
      await post(`${base}/consult/${step}`);
    } catch (err) {
      // The 3-way join is /consult/conference in the contract, /conference on some servers.
      if (step !== "conference" || err.status !== 404) throw err;
      await post(`${base}/conference`);
    }
    setLocal({ consulting: step === "conference" ? { ...consulting, joined: true } : null });
  });

  return html`<section class="controls card" aria-labelledby="controls-title-${id}" data-testid="call-controls">
    <h2 id="controls-title-${id}">Call</h2>
    <div class="row" role="toolbar" aria-label="Call controls">
      <button aria-pressed=${held} data-testid="hold" aria-keyshortcuts="Alt+Shift+H" onClick=${hold}>
        ${held ? "Resume" : "Hold"} <kbd>Alt+Shift+H</kbd></button>
      <button aria-pressed=${muted} data-testid="mute" aria-keyshortcuts="Alt+Shift+M" onClick=${mute}>
        ${muted ? "Unmute" : "Mute"} <kbd>Alt+Shift+M</kbd></button>
      <button aria-expanded=${showPad} aria-controls="pad-${id}" onClick=${() => setShowPad(!showPad)}>Keypad</button>
      <button class="danger" data-testid="hangup" onClick=${hangup}>Hang up</button>
    </div>
    ${showPad
      ? html`<div id="pad-${id}" class="pad" role="group" aria-label="DTMF keypad">
          ${DIGITS.map((d) => html`<button data-testid="dtmf-${d}" aria-label="Send tone ${d}" onClick=${() => dtmf(d)}>${d}</button>`)}
        </div>`
      : null}
    ${consulting
      ? html`<div class="consult" role="group" aria-label="Consultation" data-testid="consult-panel">
          <p>Consulting ${consulting.kind} <strong>${consulting.id}</strong>${consulting.joined ? " · all three joined" : ""}</p>
          <div class="row">
            <button class="primary" data-testid="consult-complete" onClick=${() => finish("complete", "Complete transfer")}>Complete transfer</button>
            <button data-testid="consult-conference" disabled=${consulting.joined}
              onClick=${() => finish("conference", "Join all three")}>Join all three</button>
            <button data-testid="consult-cancel" onClick=${() => finish("cancel", "Cancel consult")}>Cancel, back to caller</button>
          </div>
        </div>`
      : html`<div class="transfer">
          <${TargetPicker} value=${target} onChange=${setTarget} idPrefix="t-${id}" exclude=${self} />
          <div class="row">
            <button data-testid="transfer" disabled=${!target} onClick=${transfer}>Blind transfer</button>
            <button data-testid="consult" disabled=${!target} onClick=${consult}>Consult first</button>
          </div>
        </div>`}
  </section>`;
}
