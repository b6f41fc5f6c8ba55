// Inline SVG charts for /reports, drawn from GET /api/reports/interval rows: volume (offered,
// answered, abandoned bars), service level and abandon rate (lines against 0..100 %).
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { percent } from "../format.js";

const W = 640, H = 160, PAD = 24;

export function when(epoch, step) {
  const d = new Date(epoch * 1000);
  if (step >= 86400) return d.toLocaleDateString([], { month: "short", day: "numeric" });
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export const abandonRate = (r) => (r.offered ? r.abandoned / r.offered : null);

function slots(rows) {
  const slot = rows.length ? (W - PAD * 2) / rows.length : 0;
  return { slot, x: (i) => PAD + slot * i };
}

function Axis({ rows, step, every }) {
  const { slot, x } = slots(rows);
  return html`<line class="axis" x1=${PAD} y1=${H - PAD} x2=${W - PAD} y2=${H - PAD} />
    ${rows.map((r, i) => (i % every === 0
      ? html`<text class="label" x=${x(i) + slot / 2} y=${H - 8} text-anchor="middle">${when(r.start, step)}</text>`
      : null))}`;
}

export function VolumeChart({ rows, step, testid, title }) {
  const { slot, x } = slots(rows);
  const max = Math.max(1, ...rows.map((r) => r.offered || 0));
  const y = (v) => H - PAD - (v / max) * (H - PAD * 2);
  const bar = Math.max(1, slot / 3 - 1);
  const total = (k) => rows.reduce((s, r) => s + (r[k] || 0), 0);
  const summary = `${title}: ${total("offered")} offered, ${total("answered")} answered, ${total("abandoned")} abandoned`;
  return html`<figure class="chart wide" data-testid=${testid}>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary} preserveAspectRatio="none">
      <text class="label" x=${PAD} y="12">max ${max}</text>
      ${rows.map((r, i) => html`<g data-start=${r.start}>
        <title>${when(r.start, step)}: ${r.offered} offered, ${r.answered} answered, ${r.abandoned} abandoned</title>
        <rect class="offered" x=${x(i) + 1} width=${bar} y=${y(r.offered)} height=${H - PAD - y(r.offered)} />
        <rect class="answered" x=${x(i) + 1 + bar} width=${bar} y=${y(r.answered)} height=${H - PAD - y(r.answered)} />
        <rect class="abandoned" x=${x(i) + 1 + bar * 2} width=${bar} y=${y(r.abandoned)} height=${H - PAD - y(r.abandoned)} />
      </g>`)}
      <${Axis} rows=${rows} step=${step} every=${Math.max(1, Math.ceil(rows.length / 8))} />
    </svg>
    <figcaption>${summary}</figcaption>
  </figure>`;
}

export function RatioChart({ rows, step, value, testid, title, cls }) {
  const { slot, x } = slots(rows);
  const y = (v) => H - PAD - v * (H - PAD * 2);
  const points = rows
    .map((r, i) => [r, value(r), x(i) + slot / 2])
    .filter(([, v]) => v !== null && v !== undefined);
  const d = points.map(([, v, px], i) => `${i ? "L" : "M"}${px.toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const last = points.length ? points[points.length - 1][1] : null;
  const summary = `${title}: ${points.length} intervals, last ${percent(last)}`;
  return html`<figure class="chart wide" data-testid=${testid}>
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary} preserveAspectRatio="none">
      <line class="grid" x1=${PAD} x2=${W - PAD} y1=${y(1)} y2=${y(1)} />
      <line class="grid" x1=${PAD} x2=${W - PAD} y1=${y(0.5)} y2=${y(0.5)} />
      <text class="label" x="2" y=${y(1) + 3}>100%</text><text class="label" x="2" y=${y(0.5) + 3}>50%</text>
      ${d ? html`<path class=${cls} d=${d} />` : null}
      ${points.map(([r, v, px]) => html`<circle class=${cls} cx=${px} cy=${y(v)} r="3">
        <title>${when(r.start, step)}: ${percent(v)}</title></circle>`)}
      <${Axis} rows=${rows} step=${step} every=${Math.max(1, Math.ceil(rows.length / 8))} />
    </svg>
    <figcaption>${summary}</figcaption>
  </figure>`;
}
