// The reports page (/reports, supervisors and admins): volume, service level and abandon rate
// per interval, and the same per medium side by side, from GET /api/reports/interval (the
// figures of `calldesk report interval`; a supervisor's are their teams' queues).
import { html, render, useEffect, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { get, logout, whoami } from "../api.js";
import { percent } from "../format.js";
import { LoginForm, Notice } from "../ui.js";
import { RatioChart, VolumeChart, abandonRate } from "./charts.js";

const STEPS = { "15 min": 900, hour: 3600, day: 86400 };
const SPANS = { "last 24 hours": 86400, "last 7 days": 7 * 86400, "last 30 days": 30 * 86400 };

// Every interval of the span, empty ones included, so media line up side by side.
function fill(rows, from, to, step) {
  const by = new Map(rows.map((r) => [r.start, r]));
  const out = [];
  for (let t = Math.floor(from / step) * step; t < to; t += step) {
    out.push(by.get(t) || { start: t, offered: 0, answered: 0, abandoned: 0, service_level: null });
  }
  return out;
}

function Totals({ rows, testid }) {
  const sum = (k) => rows.reduce((s, r) => s + (r[k] || 0), 0);
  const offered = sum("offered");
  return html`<dl class="figures" data-testid=${testid}>
    <div><dt>Offered</dt><dd>${offered}</dd></div>
    <div><dt>Answered</dt><dd>${sum("answered")}</dd></div>
    <div><dt>Abandoned</dt><dd>${percent(offered ? sum("abandoned") / offered : null)}</dd></div>
  </dl>`;
}

function Reports({ me, onLogout }) {
  const [span, setSpan] = useState("last 24 hours");
  const [step, setStep] = useState("hour");
  const [data, setData] = useState(null);
  const [notice, setNotice] = useState(null);

  async function load() {
    const to = Date.now() / 1000;
    const from = to - SPANS[span];
    const s = STEPS[step];
    const q = `from=${from.toFixed(0)}&to=${to.toFixed(0)}&step=${s}`;
    const [all, media] = await Promise.all([
      get(`/api/reports/interval?${q}&by=`),
      get(`/api/reports/interval?${q}&by=medium`),
    ]);
    const names = [...new Set(media.rows.map((r) => r.medium))].sort();
    const perMedium = names.map((m) => [m, fill(media.rows.filter((r) => r.medium === m), all.from, all.to, s)]);
    setData({ step: s, rows: fill(all.rows, all.from, all.to, s), perMedium, took: all.took_ms });
  }
  useEffect(() => {
    load().catch((err) => setNotice({ text: err.message, error: true }));
  }, [span, step]);

  const choice = (label, value, options, set, id) => html`<label class="inline" for=${id}>${label}</label>
    <select id=${id} data-testid=${id} value=${value} onChange=${(e) => set(e.target.value)}>
      ${Object.keys(options).map((k) => html`<option value=${k}>${k}</option>`)}</select>`;

  return html`
    <header class="top">
      <h1>calldesk <span>reports</span></h1>
      <nav class="row"><a href="/board">Wallboard</a></nav>
      <div class="who"><span data-testid="me">${me.user.name || me.user.id}</span>
        <button class="quiet" onClick=${onLogout}>Sign out</button></div>
    </header>
    <${Notice} notice=${notice} />
    <main class="reports">
      <section class="card row" aria-label="Period">
        ${choice("Period", span, SPANS, setSpan, "span")} ${choice("Interval", step, STEPS, setStep, "step")}
        <button onClick=${() => load().catch((err) => setNotice({ text: err.message, error: true }))}>Refresh</button>
        ${data ? html`<span class="muted">computed in ${data.took} ms</span>` : null}
      </section>
      ${data ? html`
        <section class="card" aria-labelledby="all-title">
          <h2 id="all-title">All media</h2>
          <${Totals} rows=${data.rows} testid="totals" />
          <h3>Volume</h3>
          <${VolumeChart} rows=${data.rows} step=${data.step} testid="volume" title="Volume" />
          <h3>Service level</h3>
          <${RatioChart} rows=${data.rows} step=${data.step} value=${(r) => r.service_level}
            testid="service-level" title="Service level" cls="sl" />
          <h3>Abandoned</h3>
          <${RatioChart} rows=${data.rows} step=${data.step} value=${abandonRate}
            testid="abandon" title="Abandon rate" cls="abandon" />
        </section>
        <section class="card" aria-labelledby="media-title">
          <h2 id="media-title">Per medium</h2>
          ${data.perMedium.length ? null : html`<p class="muted">Nothing in this period.</p>`}
          <div class="media-grid">${data.perMedium.map(([m, rows]) => html`
            <div data-testid="medium-${m}"><h3>${m}</h3>
              <${Totals} rows=${rows} testid="totals-${m}" />
              <${VolumeChart} rows=${rows} step=${data.step} testid="volume-${m}" title="Volume ${m}" />
              <${RatioChart} rows=${rows} step=${data.step} value=${(r) => r.service_level}
                testid="sl-${m}" title="Service level ${m}" cls="sl" />
              <${RatioChart} rows=${rows} step=${data.step} value=${abandonRate}
                testid="abandon-${m}" title="Abandon rate ${m}" cls="abandon" />
            </div>`)}</div>
        </section>` : html`<p class="loading" role="status">Loading…</p>`}
    </main>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  const load = async () => setMe(await whoami());
  useEffect(() => {
    load().catch(() => setMe(null));
  }, []);
  if (me === undefined) return html`<p class="loading" role="status">Loading…</p>`;
  if (!me) return html`<${LoginForm} title="Reports" onLoggedIn=${load} />`;
  if (me.user.role === "agent") {
    return html`<main class="login"><div class="card"><h1>Reports</h1>
      <p role="alert">Reports are for supervisors and admins. <a href="/desk">Open the agent desktop</a>.</p></div></main>`;
  }
  const signOut = async () => {
    await logout().catch(() => {});
    setMe(null);
  };
  return html`<${Reports} me=${me} onLogout=${signOut} />`;
}

render(html`<${App} />`, document.getElementById("app"));
