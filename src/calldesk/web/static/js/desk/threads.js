// The transcripts of the digital interactions the agent holds, kept up to date by push alone:
// `message.received` / `message.sent` fetch what is new after the last sequence, `message.status`
// moves a tick, `typing` (pushed, not journaled) shows the customer typing. A resync (socket
// back, or "reload") fetches every transcript again.
import { useEffect, useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { enc, get } from "../api.js";

export const DIGITAL = new Set(["chat", "sms", "email"]);
const MESSAGE_KINDS = new Set(["message.received", "message.sent", "message.status"]);
const TYPING_S = 6;

export function isThreadEvent(msg) {
  return MESSAGE_KINDS.has(msg.kind) || msg.kind === "typing";
}

function merge(list, more) {
  const byId = new Map(list.map((m) => [m.id, m]));
  for (const m of more) byId.set(m.id, { ...(byId.get(m.id) || {}), ...m });
  return Array.from(byId.values()).sort((a, b) => (a.at - b.at) || (a.seq - b.seq));
}

// ids: the digital interactions held now. Returns {threads, onEvent, resync}; threads[id] is
// {messages, typingUntil, loaded}.
export function useThreads(ids, onError) {
  const [threads, setThreads] = useState({});
  const busy = useRef({}); // id -> "running" | "again": one fetch at a time per interaction
  const known = useRef(threads);
  known.current = threads;

  function lastSeq(id) {
    const own = ((known.current[id] || {}).messages || []).filter((m) => (m.interaction || id) === id);
    return own.reduce((n, m) => Math.max(n, m.seq || 0), 0);
  }

  async function load(id, full) {
    if (busy.current[id]) {
      busy.current[id] = full ? "full" : busy.current[id] === "full" ? "full" : "again";
      return;
    }
    busy.current[id] = "running";
    try {
      const since = full ? 0 : lastSeq(id);
      const got = await get(`/api/interactions/${enc(id)}/messages${since ? `?since_seq=${since}` : ""}`);
      setThreads((all) => {
        const t = all[id] || { messages: [], typingUntil: 0 };
        return { ...all, [id]: { ...t, loaded: true, messages: full ? merge([], got) : merge(t.messages, got) } };
      });
    } catch (err) {
      if (onError && err.status !== 404 && err.status !== 403) onError(err);
    } finally {
      const again = busy.current[id];
      busy.current[id] = null;
      if (again === "again" || again === "full") load(id, again === "full");
    }
  }

  const key = ids.join(",");
  useEffect(() => {
    for (const id of ids) if (!known.current[id]) load(id, true);
    setThreads((all) => {
      const keep = {};
      for (const id of ids) if (all[id]) keep[id] = all[id];
      return keep;
    });
  }, [key]);

  function onEvent(msg) {
    const id = msg.subject;
    if (!ids.includes(id)) return;
    if (msg.kind === "typing") {
      if ((msg.data || {}).author !== "customer") return;
      const until = msg.data.on === false ? 0 : Date.now() + TYPING_S * 1000;
      setThreads((all) => ({ ...all, [id]: { messages: [], ...(all[id] || {}), typingUntil: until } }));
      return;
    }
    if (msg.kind === "message.status") {
      const { message, status } = msg.data || {};
      setThreads((all) => {
        const t = all[id];
        if (!t || !t.messages.some((m) => m.id === message)) return all;
        return { ...all, [id]: { ...t, messages: t.messages.map((m) => (m.id === message ? { ...m, status } : m)) } };
      });
      if (!(known.current[id] || { messages: [] }).messages.some((m) => m.id === message)) load(id, false);
      return;
    }
    if (msg.kind === "message.received") {
      setThreads((all) => (all[id] ? { ...all, [id]: { ...all[id], typingUntil: 0 } } : all));
    }
    load(id, false);
  }

  function resync() {
    for (const id of ids) load(id, true);
  }

  return { threads, onEvent, resync };
}

// The customer's messages of this conversation not yet read by the agent.
export function unreadOf(thread, id) {
  if (!thread) return [];
  return thread.messages.filter((m) => m.direction === "in" && (m.interaction || id) === id && m.status !== "read");
}

// How the desk names a digital customer: their name, else their address; a web chat visitor
// without a name is "Web visitor" and the end of their id (the id itself means nothing).
export function customerName(medium, label) {
  const text = String(label || "");
  if (medium === "chat" && /^v-[0-9a-f]{8,}$/.test(text)) return `Web visitor ${text.slice(-4)}`;
  return text;
}
