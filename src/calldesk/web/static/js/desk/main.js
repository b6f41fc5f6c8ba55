// The agent desktop (/desk). Every change arrives by server push: an event on the agent's
// topic (or an interaction's) refetches the affected resources; the page never polls.
import { html, render, useEffect, useMemo, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, get, logout, post, whoami } from "../api.js";
import { EventStream } from "../events.js";
import { clockTime, duration } from "../format.js";
import { ConnectionBanner, LoginForm, Notice, runner, useShortcuts, useTick } from "../ui.js";
import { ChatPane } from "./chat.js";
import { CallControls } from "./controls.js";
import { MyDay } from "./day.js";
import { OfferCard } from "./offer.js";
import { PreviewCard } from "./preview.js";
import { ScreenPop } from "./pop.js";
import { currentReason, StateBar } from "./state.js";
import { customerName, DIGITAL, isThreadEvent, unreadOf, useThreads } from "./threads.js";
import { Tabs, useSelection, useTabOrder } from "./tabs.js";
import { submitWrapUp, WrapUp } from "./wrapup.js";
import { useWrapping } from "./wrapping.js";

const stamp = (obj) => (obj && typeof obj === "object" ? { ...obj, _fetched: Date.now() } : obj);

function Activity({ events }) {
  return html`<section class="activity card" aria-labelledby="act-title">
    <h2 id="act-title">Activity</h2>
    <ol data-testid="activity" aria-live="off">
      ${events.map((e) => html`<li data-seq=${e.seq} data-kind=${e.kind}>
        <time>${clockTime(e.at)}</time> ${e.kind}</li>`)}
    </ol>
  </section>`;
}

function Desk({ me, onLogout }) {
  const agentId = me.user.agent || me.user.id;
  const base = `/api/agents/${enc(agentId)}`;
  const [agent, setAgent] = useState(null);
  const [offer, setOffer] = useState(null);
  const [preview, setPreview] = useState(null);
  const [pops, setPops] = useState([]);
  const [details, setDetails] = useState({});
  const [day, setDay] = useState(null);
  const [codes, setCodes] = useState({ not_ready_reasons: [], dispositions: [] });
  const [conn, setConn] = useState({ status: "connecting", detail: "" });
  const [events, setEvents] = useState([]);
  const [locals, setLocals] = useState({});
  const [notice, setNotice] = useState(null);
  const wrap = useWrapping(); // digital interactions over, their tabs waiting for wrap-up
  const wrapping = wrap.wrapping;
  const now = useTick();
  const run = useMemo(() => runner(setNotice), []);
  const pending = useRef(null);
  const fetched = useRef({ started: 0, agent: 0, details: 0 }); // refetches may overlap
  const held = useRef({}); // the details of the last refetch applied
  const shown = useRef([]); // the tabs of the last render
  const digitalIds = Object.keys(details).filter((id) => DIGITAL.has(details[id].medium));
  const threads = useThreads(digitalIds, (err) => setNotice({ text: err.message, error: true }));
  const threadsRef = useRef(threads);
  threadsRef.current = threads;

  // A refetch that ends after a newer one was applied is dropped: stale data never wins.
  async function refresh() {
    const mine = ++fetched.current.started;
    const [a, o, p, d, pv] = await Promise.all([
      get(base), get(`${base}/offer`).catch(() => null), get(`${base}/pops`).catch(() => []),
      get(`${base}/day`).catch(() => null), get(`${base}/preview`).catch(() => null),
    ]);
    if (mine < fetched.current.agent) return;
    fetched.current.agent = mine;
    setPreview(pv || null);
    setAgent(stamp(a));
    setOffer(o ? stamp(o) : null);
    setPops(Array.isArray(p) ? p : (p && p.pops) || []);
    setDay(d);
    const ids = (a && a.interactions) || [];
    const found = await Promise.all(ids.map((id) => get(`/api/interactions/${enc(id)}`).catch(() => null)));
    if (mine < fetched.current.details) return;
    fetched.current.details = mine;
    const next = {};
    ids.forEach((id, i) => (next[id] = found[i] || { id }));
    // A chat no longer live is over: its tab stays, in wrap-up, until that is done.
    const ended = Object.keys(held.current).filter((id) => !next[id]);
    if (wrap.mayWrapUp(a && a.state)) wrap.keep(ended, shown.current);
    held.current = next;
    setDetails(next);
  }
  // Many events arrive together (offer, answer, bridge): one refetch for the burst.
  function soon() {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => refresh().catch((err) => setNotice({ text: err.message, error: true })), 60);
  }

  useEffect(() => {
    get("/api/config/codes").then(setCodes).catch(() => {});
    soon(); // the state now, even before the socket is up
    const stream = new EventStream({
      topics: [`agent:${agentId}`],
      onStatus: (status, detail) => setConn({ status, detail }),
      onResync: () => {
        soon();
        threadsRef.current.resync();
      },
      onEvent: (msg) => {
        if (msg.kind !== "typing") setEvents((list) => [msg, ...list].slice(0, 200));
        if (msg.kind === "agent.wrapup" && msg.data && msg.data.interaction) wrap.over(msg.data.interaction);
        // A message, a tick or "typing" changes one transcript, not the agent's state.
        if (isThreadEvent(msg)) threadsRef.current.onEvent(msg);
        else soon();
      },
    }).start();
    window.calldeskStream = stream; // for diagnostics from the console
    return () => stream.stop();
  }, [agentId]);

  const act = (label, path, body) => run(label, () => post(`${base}/${path}`, body));
  const accept = async () => {
    if (!offer) return;
    try {
      await post(`/api/offers/${enc(offer.id)}/accept`);
      setNotice({ text: "Accept: done", error: false });
    } catch (err) {
      // A server that connects calls only when the phone answers says so: that is guidance,
      // not a failure (the phone is ringing; answering it is the same as accepting).
      const voice = (offer.medium || "voice") === "voice";
      setNotice(voice && err.status === 409
        ? { text: "Answer the phone that rings to take this call.", error: false }
        : { text: `Accept: ${err.message}`, error: true });
    }
  };
  const decline = () => offer && run("Decline", () => post(`/api/offers/${enc(offer.id)}/decline`));
  // Done on a closed chat's tab ends that interaction's wrap-up only (the others wait in their
  // tabs; the agent is ready when none is left); elsewhere it ends every wrap-up.
  const wrapDone = async (disposition, notes, interaction) => {
    const body = interaction ? { disposition, notes, interaction } : { disposition, notes };
    const done = await run("Wrap-up", () => post(`${base}/wrapup`, body));
    if (done !== undefined) wrap.over(interaction || null);
  };
  const state = agent && agent.state;
  useShortcuts({
    r: () => act("Ready", "state", { state: "ready" }),
    n: () => act("Not ready", "state", { state: "not_ready", reason: currentReason() }),
    a: accept,
    d: decline,
    w: () => (state === "wrap_up" || Object.keys(wrapping).length) && submitWrapUp(),
    c: () => document.querySelector("[data-testid=interaction-panel] [data-testid=canned-search]")?.focus(),
    e: () => document.querySelector("[data-testid=interaction-panel] [data-testid=chat-close]")?.click(),
    arrowdown: () => step(1),
    arrowup: () => step(-1),
    h: () => document.querySelector("[data-testid=hold]")?.click(),
    m: () => document.querySelector("[data-testid=mute]")?.click(),
  });

  const popFor = (id) => pops.find((p) => p.interaction === id);
  const byId = {}; // what each tab shows, by interaction
  for (const id of Object.keys(details)) {
    const it = details[id];
    const pop = popFor(id) || {};
    const caller = (pop.data && pop.data.caller) || {};
    const customer = it.customer || pop.customer;
    const raw = (customer && (customer.name || customer.number || customer.address)) || caller.name || caller.id || customer || id;
    const medium = it.medium || pop.medium;
    const label = customerName(medium, raw);
    const unread = DIGITAL.has(medium) ? unreadOf(threads.threads[id], id).length : 0;
    byId[id] = { ...it, id, medium, queue: it.queue || pop.queue, customerLabel: String(label), unread,
      wrapping: Boolean(wrapping[id]) };
  }
  for (const [id, it] of Object.entries(wrapping)) {
    if (!details[id]) byId[id] = { ...it, id, wrapping: true, unread: 0 };
  }
  const items = useTabOrder(byId); // accept order: a tab never moves under the mouse
  shown.current = items;
  const [current, setSelected] = useSelection(items);
  function step(by) {
    if (!items.length) return;
    const at = Math.max(0, items.findIndex((i) => i.id === (current && current.id)));
    const next = items[(at + by + items.length) % items.length];
    setSelected(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  }
  const closed = (id) => wrap.keep([id], shown.current);
  const setLocal = (id) => (patch) => setLocals((all) => ({ ...all, [id]: { ...(all[id] || {}), ...patch } }));
  const talking = current && !["ended", "wrap_up", "abandoned"].includes(current.state) && state !== "wrap_up";

  return html`
    <${ConnectionBanner} ...${conn} />
    <header class="top">
      <h1>calldesk <span>desk</span></h1>
      <${StateBar} agent=${agent} codes=${codes} now=${now} act=${act} />
      <div class="who"><span data-testid="me">${me.user.name || me.user.id}</span>
        <button class="quiet" data-testid="logout" onClick=${onLogout}>Sign out</button></div>
    </header>
    <${Notice} notice=${notice} />
    <main class="desk">
      <div class="col-left">
        <${OfferCard} offer=${offer} now=${now} onAccept=${accept} onDecline=${decline} />
        <${PreviewCard} preview=${offer ? null : preview} now=${now} run=${run} onDone=${soon} />
        <${Tabs} items=${items} selected=${current && current.id} onSelect=${setSelected} />
      </div>
      <div class="col-main">
        ${current
          ? html`<div role="tabpanel" id="panel-${current.id}" aria-labelledby="tab-${current.id}"
                data-testid="interaction-panel" data-interaction=${current.id}>
              <p class="since">Interaction <code>${current.id}</code> · ${current.medium || "voice"}
                ${current.answered_at ? ` · talking ${duration(now / 1000 - current.answered_at)}` : ""}</p>
              ${state === "wrap_up" || current.wrapping
                ? html`<${WrapUp} key=${current.id} agent=${agent} codes=${codes} now=${now}
                    onDone=${(code, notes) => wrapDone(code, notes, current.wrapping ? current.id : null)} />`
                : null}
              ${talking && (current.medium || "voice") === "voice"
                ? html`<${CallControls} key=${current.id} interaction=${current} local=${locals[current.id] || {}}
                    setLocal=${setLocal(current.id)} run=${run} self=${agentId} />`
                : null}
              ${DIGITAL.has(current.medium) && !current.wrapping
                ? html`<${ChatPane} key=${current.id} interaction=${current} thread=${threads.threads[current.id]}
                    self=${agentId} run=${run} visible=${true} onClosed=${closed} />`
                : null}
              <${ScreenPop} pop=${popFor(current.id)} interaction=${current} />
            </div>`
          : state === "wrap_up"
            ? html`<${WrapUp} agent=${agent} codes=${codes} now=${now} onDone=${wrapDone} />`
            : html`<section class="card empty"><h2>Waiting for the next contact</h2>
                <p class="muted">Go ready to receive offers. Shortcuts: Alt+Shift+R ready, Alt+Shift+N not ready,
                Alt+Shift+A accept, Alt+Shift+D decline, Alt+Shift+W wrap-up done, Alt+Shift+H hold, Alt+Shift+M mute;
                on chats: Alt+Shift+C canned responses, Alt+Shift+E close, Alt+Shift+↓/↑ next/previous interaction.</p></section>`}
      </div>
      <div class="col-right">
        <${MyDay} day=${day} />
        <${Activity} events=${events} />
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
  if (!me) return html`<${LoginForm} title="Agent desktop" onLoggedIn=${load} />`;
  const signOut = async () => {
    await logout().catch(() => {});
    setMe(null);
  };
  return html`<${Desk} me=${me} onLogout=${signOut} />`;
}

render(html`<${App} />`, document.getElementById("app"));
