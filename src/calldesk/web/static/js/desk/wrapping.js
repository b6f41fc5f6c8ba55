// The digital interactions that are over but whose wrap-up is not: each keeps its tab (with the
// wrap-up form) until its wrap-up ends. One is kept when the agent closes it, or when it leaves
// the agent's live list (the customer left, or the refetch came before the close's answer); it
// goes when `agent.wrapup` names it or Done succeeds. An agent who is ready, not ready or logged
// out has no wrap-up left (a queue may have none): then nothing is kept.
import { useRef, useState } from "../../vendor/preact-htm-3.1.1.module.js";
import { DIGITAL } from "./threads.js";

const NO_WRAP_UP = new Set(["available", "ready", "not_ready", "logged_out", "offline"]);

// Returns {wrapping: {id: {medium, queue, customerLabel, answered_at}}, keep, over, mayWrapUp}.
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

  return { wrapping, keep, over, mayWrapUp };
}
