// The supervisor wallboard (/board; /board?wall=1 is the wall mode for a TV: large figures,
// no controls). Server push on the supervisor's teams, queues and agents drives every refetch.
import { html, render, useEffect, useMemo, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { del, enc, get, logout, post, whoami } from "../api.js";
import { EventStream } from "../events.js";
import { ConnectionBanner, LoginForm, Notice, runner, useTick } from "../ui.js";
import { AgentTable, SupervisionPanel, WaitingList } from "./agents.js";
import { HistoryChart } from "./chart.js";
import { QueueTable } from "./queues.js";

const stamp = (list) => (list || []).map((x) => ({ ...x, _fetched: Date.now() }));

function Board({ me, onLogout }) {
  const [wall, setWall] = useState(new URLSearchParams(location.search).has("wall"));
  const [queues, setQueues] = useState([]);
  const [agents, setAgents] = useState([]);
  const [interactions, setInteractions] = useState({});
  const [waiting, setWaiting] = useState([]);
  const [days, setDays] = useState({});
  const [hist, setHist] = useState({});
  const [codes, setCodes] = useState({});
  const [session, setSession] = useState(null);
  const [conn, setConn] = useState({ status: "connecting", detail: "" });
  const [notice, setNotice] = useState(null);
  const now = useTick();
  const run = useMemo(() => runner(setNotice), []);
  const timers = useRef({});

  async function refreshQueues() {
    const q = await get("/api/queues");
    setQueues(stamp(q));
    return q;
  }
  async function refreshAgents() {
    const list = (await get("/api/agents")) || [];
    setAgents(stamp(list));
    const ids = [...new Set(list.flatMap((a) => a.interactions || []))];
    const found = await Promise.all(ids.map((id) => get(`/api/interactions/${enc(id)}`).catch(() => null)));
    const next = {};
    ids.forEach((id, i) => found[i] && (next[id] = found[i]));
    setInteractions(next);
    // Handled today comes with each agent; older servers need one /day call per agent.
    const need = list.filter((a) => typeof a.handled !== "number");
    const dayList = await Promise.all(need.map((a) => get(`/api/agents/${enc(a.id)}/day`).catch(() => null)));
    const d = {};
    need.forEach((a, i) => dayList[i] && (d[a.id] = dayList[i]));
    setDays(d);
    return list;
  }
  async function refreshWaiting() {
    const list = await get("/api/interactions?state=waiting").catch(() => []);
    setWaiting(Array.isArray(list) ? list : []);
  }
  async function refreshHistory(name) {
    const rows = await get(`/api/queues/${enc(name)}/history?minutes=60&step=300`).catch(() => null);
    if (rows) setHist((h) => ({ ...h, [name]: rows }));
  }
  // Coalesce bursts: one refetch per resource per short window.
  function later(key, fn, ms) {
    clearTimeout(timers.current[key]);
    timers.current[key] = setTimeout(() => fn().catch((err) => setNotice({ text: err.message, error: true })), ms);
  }
  function onEvent(msg) {
    const kind = msg.kind || "";
    later("queues", refreshQueues, 80);
    if (kind.startsWith("agent.") || kind.startsWith("offer.") || kind.startsWith("interaction.") || kind.startsWith("supervision.")) {
      later("agents", refreshAgents, 80);
    }
    if (kind.startsWith("interaction.")) later("waiting", refreshWaiting, 80);
    const queue = (msg.data && msg.data.queue) || (msg.subject && msg.subject.startsWith("queue:") ? msg.subject.slice(6) : null);
    if (queue) later(`h:${queue}`, () => refreshHistory(queue), 1500);
  }

  useEffect(() => {
    let stream = null;
    let stopped = false;
    get("/api/config/codes").then(setCodes).catch(() => {});
    (async () => {
      const [q] = await Promise.all([refreshQueues(), refreshAgents()]);
      await refreshWaiting();
      q.forEach((x) => refreshHistory(x.name));
      if (stopped) return;
      // A supervisor follows its teams (their agents and queues), an admin everything; the
      // server applies the same checks as the API to what arrives.
      const topics = me.user.role === "admin" ? ["all"] : (me.user.teams || []).map((t) => `team:${t}`);
      stream = new EventStream({
        topics,
        onEvent,
        onStatus: (status, detail) => setConn({ status, detail }),
        onResync: () => {
          later("queues", refreshQueues, 10);
          later("agents", refreshAgents, 10);
          later("waiting", refreshWaiting, 10);
          q.forEach((x) => later(`h:${x.name}`, () => refreshHistory(x.name), 10));
        },
      }).start();
      window.calldeskStream = stream;
    })().catch((err) => setNotice({ text: err.message, error: true }));
    return () => {
      stopped = true;
      if (stream) stream.stop();
    };
  }, []);

  useEffect(() => {
    document.body.classList.toggle("wall", wall);
  }, [wall]);

  const act = (label, path, body = {}) => run(label, () => post(path, body));
  const supervise = (agent, mode) => run(`Supervise ${agent} (${mode})`, async () => {
    const s = await post("/api/supervision", { agent, mode });
    setSession({ agent, mode, ...(s || {}), id: (s && (s.id || s.session)) || "" });
  });
  // The radio moves at once; a refused switch puts it back (and the notice says why).
  const setMode = (mode) => {
    if (!session) return;
    const before = session.mode;
    setSession({ ...session, mode });
    run(`Mode ${mode}`, async () => {
      try {
        await post(`/api/supervision/${enc(session.id)}/mode`, { mode });
      } catch (err) {
        setSession((s) => s && { ...s, mode: before });
        throw err;
      }
    });
  };
  const takeover = () => session && run("Take over", async () => {
    await post(`/api/supervision/${enc(session.id)}/takeover`);
    setSession(null);
  });
  const end = () => session && run("Leave", async () => {
    await del(`/api/supervision/${enc(session.id)}`);
    setSession(null);
  });
  const toggleWall = () => {
    const next = !wall;
    setWall(next);
    const url = new URL(location.href);
    if (next) url.searchParams.set("wall", "1");
    else url.searchParams.delete("wall");
    history.replaceState(null, "", url);
    if (next && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    if (!next && document.fullscreenElement) document.exitFullscreen().catch(() => {});
  };
  const targets = Object.fromEntries(queues.map((q) => [q.name, q.sl_target]));

  return html`
    <${ConnectionBanner} ...${conn} />
    <header class="top">
      <h1>calldesk <span>wallboard</span></h1>
      <span class="clock" aria-hidden="true">${new Date(now).toLocaleTimeString()}</span>
      <div class="who">
        <button data-testid="wall-toggle" aria-pressed=${wall} onClick=${toggleWall}>${wall ? "Leave wall mode" : "Wall mode"}</button>
        ${wall ? null : html`<span data-testid="me">${me.user.name || me.user.id}</span>
          <button class="quiet" onClick=${onLogout}>Sign out</button>`}
      </div>
    </header>
    ${wall ? null : html`<${Notice} notice=${notice} />`}
    <main class="board">
      <${QueueTable} queues=${queues} now=${now} wall=${wall} act=${act} />
      <div class="board-left">
        <${AgentTable} agents=${agents} interactions=${interactions} days=${days} now=${now} wall=${wall}
          supervise=${supervise} act=${act} reasons=${codes.not_ready_reasons} />
        ${wall ? null : html`<${WaitingList} waiting=${waiting} queues=${queues} agents=${agents} now=${now} act=${act} />`}
      </div>
      <div class="board-right">
        ${wall ? null : html`<${SupervisionPanel} session=${session} setMode=${setMode} takeover=${takeover} end=${end} />`}
        <section class="card charts" aria-labelledby="charts-title">
          <h2 id="charts-title">Last hour</h2>
          <div class="chart-grid">${queues.map((q) => html`<div><h3>${q.name}</h3>
            <${HistoryChart} queue=${q.name} rows=${hist[q.name]} target=${targets[q.name]} /></div>`)}</div>
        </section>
      </div>
    </main>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  const load = async () => setMe(await whoami());
  useEffect(() => {
    load().catch(() => setMe(null));
  }, []);
  if (me === undefined) return html`<p class="loading" role="status">Loading…</p>`;
  if (!me) return html`<${LoginForm} title="Supervisor wallboard" onLoggedIn=${load} />`;
  if (me.user.role === "agent") {
    return html`<main class="login"><div class="card"><h1>Wallboard</h1>
      <p role="alert">The wallboard is for supervisors. <a href="/desk">Open the agent desktop</a>.</p></div></main>`;
  }
  const signOut = async () => {
    await logout().catch(() => {});
    setMe(null);
  };
  return html`<${Board} me=${me} onLogout=${signOut} />`;
}

render(html`<${App} />`, document.getElementById("app"));
