// Small formatting helpers shared by both pages.

export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return "–";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

export function percent(ratio) {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return "–";
  return `${Math.round(ratio * 100)}%`;
}

export function clockTime(epochSeconds) {
  if (!epochSeconds) return "";
  return new Date(epochSeconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

export const STATE_LABELS = {
  ready: "Ready",
  available: "Ready",
  not_ready: "Not ready",
  busy: "Busy",
  offered: "Ringing",
  reserved: "Ringing",
  wrap_up: "Wrap-up",
  logged_out: "Logged out",
};

export function stateLabel(state) {
  return STATE_LABELS[state] || (state ? String(state).replace(/_/g, " ") : "–");
}

export function humanKey(key) {
  return String(key).replace(/[_-]+/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

// Seconds since `since` (epoch seconds, server clock) corrected by the skew measured when the
// value arrived; falls back to a server-computed base plus local elapsed time.
export function elapsedSince(base, receivedAt, now) {
  return base + (now - receivedAt) / 1000;
}
