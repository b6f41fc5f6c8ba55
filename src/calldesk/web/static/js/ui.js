// Pieces both pages share: the login form, the connection banner, a one-second tick, toasts.
import { html, useEffect, useState } from "../vendor/preact-htm-3.1.1.module.js";
import { login } from "./api.js";

export function useTick(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

export function LoginForm({ title, onLoggedIn }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    setBusy(true);
    setError("");
    try {
      await login(String(form.get("user")), String(form.get("password")));
      await onLoggedIn();
    } catch (err) {
      setError(err.status === 401 ? "Wrong user or password." : err.message);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <main class="login" aria-labelledby="login-title">
      <form class="card" onSubmit=${submit} aria-describedby="login-error">
        <h1 id="login-title">${title}</h1>
        <label for="login-user">User</label>
        <input id="login-user" name="user" autocomplete="username" required autofocus />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required />
        <p id="login-error" class="error" role="alert">${error}</p>
        <button type="submit" class="primary" disabled=${busy}>Log in</button>
      </form>
    </main>`;
}

export function ConnectionBanner({ status, detail }) {
  if (status === "live") return html`<div class="sr-only" role="status">Live updates connected</div>`;
  const text =
    status === "connecting"
      ? "Connecting to live updates…"
      : `Live updates lost${detail ? ` (${detail})` : ""}. Reconnecting; nothing will be missed.`;
  return html`<div class="banner ${status}" role="alert" data-testid="connection-banner">${text}</div>`;
}

// Last action's outcome, read out politely by screen readers.
export function Notice({ notice }) {
  return html`<div class="notice ${notice && notice.error ? "error" : ""}" role="status" aria-live="polite"
    data-testid="notice">${notice ? notice.text : ""}</div>`;
}

// Run an API action and report its outcome in the notice line.
export function runner(setNotice) {
  return async (label, fn) => {
    try {
      const result = await fn();
      setNotice({ text: `${label}: done`, error: false });
      return result;
    } catch (err) {
      setNotice({ text: `${label}: ${err.message}`, error: true });
      return undefined;
    }
  };
}

// Alt+Shift+<key> shortcuts; `map` is {key: handler}. Returns the cleanup.
export function useShortcuts(map) {
  useEffect(() => {
    function onKey(event) {
      if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) return;
      const handler = map[event.code.replace(/^Key/, "").toLowerCase()];
      if (handler) {
        event.preventDefault();
        handler();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });
}
