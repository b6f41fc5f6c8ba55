// Searchable transfer/consult targets from GET /api/targets?q=: queues, agents with their
// state, allowed numbers. Picking one sets {kind, id}.
import { html, useEffect, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, get } from "../api.js";
import { stateLabel } from "../format.js";

function options(found) {
  const out = [];
  for (const q of found.queues || []) {
    const name = q.name || q.id || q;
    out.push({ kind: "queue", id: name, label: `Queue ${name}` });
  }
  for (const a of found.agents || []) {
    out.push({ kind: "agent", id: a.id, label: `${a.name || a.id} (${stateLabel(a.state)})` });
  }
  for (const n of found.numbers || []) {
    const number = n.number || n.id || n;
    out.push({ kind: "number", id: number, label: n.name ? `${n.name} ${number}` : `Number ${number}` });
  }
  return out;
}

export function TargetPicker({ value, onChange, idPrefix, exclude }) {
  const [q, setQ] = useState("");
  const [found, setFound] = useState([]);
  const [error, setError] = useState("");
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    const timer = setTimeout(async () => {
      try {
        const data = await get(`/api/targets?q=${enc(q)}`);
        if (mine === seq.current) {
          setFound(options(data || {}).filter((t) => !(t.kind === "agent" && t.id === exclude)));
          setError("");
        }
      } catch (err) {
        if (mine === seq.current) setError(err.message);
      }
    }, 150);
    return () => clearTimeout(timer);
  }, [q]);
  const listId = `${idPrefix}-targets`;
  return html`<div class="targets">
    <label for="${idPrefix}-q">Transfer or consult target</label>
    <input id="${idPrefix}-q" type="search" data-testid="target-search" placeholder="Queue, agent or number"
      aria-controls=${listId} value=${q} onInput=${(e) => setQ(e.target.value)} />
    <p class="error" role="alert">${error}</p>
    <div id=${listId} role="radiogroup" aria-label="Targets" class="target-list">
      ${found.map((t) => {
        const checked = value && value.kind === t.kind && value.id === t.id;
        return html`<label class="target ${checked ? "checked" : ""}">
          <input type="radio" name="${idPrefix}-target" checked=${checked}
            data-testid="target-${t.kind}-${t.id}" onChange=${() => onChange({ kind: t.kind, id: t.id })} />
          ${t.label}</label>`;
      })}
      ${found.length ? null : html`<p class="muted">No target matches.</p>`}
    </div>
  </div>`;
}
