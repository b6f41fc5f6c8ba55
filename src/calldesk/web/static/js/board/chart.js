// The last hour of one queue, per 5 minutes, as SVG: offered, answered and abandoned bars and
// the service level as a line, from GET /api/queues/{name}/history.
import { html } from "../../vendor/preact-htm-3.1.1.module.js";
import { clockTime, percent } from "../format.js";

const W = 360, H = 120, PAD = 18;

export function HistoryChart({ queue, rows, target }) {
  const data = rows || [];
  const max = Math.max(1, ...data.map((r) => r.offered || 0));
  const slot = data.length ? (W - PAD * 2) / data.length : 0;
  const bar = Math.max(1, slot / 3 - 1);
  const y = (v) => H - PAD - (v / max) * (H - PAD * 2);
  const ySl = (v) => H - PAD - v * (H - PAD * 2);
  const points = data
    .map((r, i) => (r.service_level === null || r.service_level === undefined ? null : [PAD + slot * (i + 0.5), ySl(r.service_level)]))
    .filter(Boolean);
  const line = points.map(([x, yy], i) => `${i ? "L" : "M"}${x.toFixed(1)},${yy.toFixed(1)}`).join(" ");
  const offered = data.reduce((s, r) => s + (r.offered || 0), 0);
  const answered = data.reduce((s, r) => s + (r.answered || 0), 0);
  const abandoned = data.reduce((s, r) => s + (r.abandoned || 0), 0);
  const summary = `Last hour in ${queue}: ${offered} offered, ${answered} answered, ${abandoned} abandoned.`;
  return html`<figure class="chart" data-testid="chart-${queue}">
    <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary} preserveAspectRatio="none">
      <line class="axis" x1=${PAD} y1=${H - PAD} x2=${W - PAD} y2=${H - PAD} />
      ${typeof target === "number"
        ? html`<line class="target" x1=${PAD} x2=${W - PAD} y1=${ySl(target)} y2=${ySl(target)} />`
        : null}
      ${data.map((r, i) => {
        const x = PAD + slot * i + 1;
        return html`<g data-start=${r.start}>
          <title>${clockTime(r.start)}: ${r.offered || 0} offered, ${r.answered || 0} answered, ${r.abandoned || 0} abandoned, SL ${percent(r.service_level)}</title>
          <rect class="offered" x=${x} width=${bar} y=${y(r.offered || 0)} height=${H - PAD - y(r.offered || 0)} />
          <rect class="answered" x=${x + bar} width=${bar} y=${y(r.answered || 0)} height=${H - PAD - y(r.answered || 0)} />
          <rect class="abandoned" x=${x + bar * 2} width=${bar} y=${y(r.abandoned || 0)} height=${H - PAD - y(r.abandoned || 0)} />
        </g>`;
      })}
      ${line ? html`<path class="sl" d=${line} />` : null}
      ${points.map(([x, yy]) => html`<circle class="sl" cx=${x} cy=${yy} r="2.5" />`)}
      <text x=${PAD} y="12" class="label">max ${max}/5 min</text>
    </svg>
    <figcaption>${summary}
      <span class="legend"><i class="offered"></i>offered <i class="answered"></i>answered
        <i class="abandoned"></i>abandoned <i class="sl"></i>service level</span></figcaption>
  </figure>`;
}
