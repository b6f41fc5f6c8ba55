// The digital interactions that are over but whose wrap-up is not: each keeps its tab (with the
// wrap-up form) until its wrap-up ends. One is kept when the agent closes it, or when it leaves
// the agent's live list (the customer left, or the refetch came before the close's answer); it
// goes when `agent.wrapup` names it or Done succeeds. An agent who is ready, not ready or logged
// out has no wrap-up left (a queue may have none): then nothing is kept. The agent view's
// `wrapups` (the server's list, one per interaction) seeds the tabs, so a reload shows them too.
import { useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { DIGITAL } from "./threads.js";

const NO_WRAP_UP = new Set(["available", "ready", "not_ready", "logged_out", "offline"]);

// Returns {wrapping: {id: {medium, queue, customerLabel?, customer?, answered_at, until?}}, keep,
// seed, over, mayWrapUp}.
export function useWrapping() {
  const [wrapping, setWrapping] = useState({});
  const finished = useRef(new Set()); // wrap-up over: never a tab again (ids are never reused)

  // ids: interactions that ended; items: the tabs as shown (their label, medium, queue).
  function keep(ids, items) {
    setWrapping((all) => {
      let next = all;
      for (const id of ids) {
        const it = items.find((i) => i.id === id);
        if (all[id] || finished.current.has(id) || !it || !DIGITAL.has(it.medium)) continue;
        const { medium, queue, customerLabel, answered_at } = it;
        next = { ...next, [id]: { medium, queue, customerLabel, answered_at } };
      }
      return next;
    });
  }

  // `list`: the agent view's `wrapups` [{interaction, medium, queue, until}]; `live`: its
  // `interactions` (the same snapshot); `found`: {id: interaction details} for the ones not
  // shown yet. Each digital wrap-up gets its tab and its own deadline; a tab in neither list
  // has no wrap-up left (done elsewhere, or its queue has none).
  function seed(list, live, found) {
    setWrapping((all) => {
      const next = { ...all };
      let changed = false;
      const pending = new Set();
      for (const w of list) {
        const id = w.interaction;
        if (!DIGITAL.has(w.medium) || finished.current.has(id)) continue;
        pending.add(id);
        const had = all[id];
        if (had && had.until === w.until) continue;
        const it = found[id] || {};
        next[id] = had ? { ...had, until: w.until }
          : { medium: w.medium, queue: w.queue, customer: it.customer, answered_at: it.answered_at, until: w.until };
        changed = true;
      }
      for (const id of Object.keys(all)) {
        if (pending.has(id) || live.includes(id)) continue;
        delete next[id];
        changed = true;
      }
      return changed ? next : all;
    });
  }

  // The wrap-up of `id` is over (null: every one).
  function over(id) {
    if (id) finished.current.add(id);
    setWrapping((all) => {
      const ids = (id ? [id] : Object.keys(all)).filter((i) => i in all);
      if (!ids.length) return all;
      const rest = { ...all };
      for (const i of ids) {
        finished.current.add(i);
        delete rest[i];
      }
      return rest;
    });
  }

  // The agent's state as just fetched: false (and no tab kept) when it has no wrap-up left.
  function mayWrapUp(state) {
    if (!NO_WRAP_UP.has(state)) return true;
    over(null);
    return false;
  }

  return { wrapping, keep, seed, over, mayWrapUp };
}
