// The documented HTTP API, and nothing else: JSON in and out, the session cookie set by
// POST /api/login, and the CSRF token sent back on every state change.

const CSRF_KEY = "calldesk_csrf";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.error)) || `HTTP ${status}`);
    this.status = status;
    this.code = (body && body.error) || "http_error";
    this.field = (body && body.field) || null;
  }
}

function csrf() {
  return sessionStorage.getItem(CSRF_KEY) || "";
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { error: "bad_response", detail: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body = {}) => api("POST", path, body);
export const del = (path) => api("DELETE", path);
export const enc = encodeURIComponent;

export async function login(user, password) {
  const data = await post("/api/login", { user, password });
  if (data && data.csrf_token) sessionStorage.setItem(CSRF_KEY, data.csrf_token);
  return data;
}

// Who is logged in, or null. The CSRF token comes with the login answer and with /api/me
// (the session's), and lives in this tab's session storage: a new tab of a logged-in browser
// takes it from /api/me instead of showing the login form again.
export async function whoami() {
  try {
    const data = await get("/api/me");
    if (data && data.csrf_token) sessionStorage.setItem(CSRF_KEY, data.csrf_token);
    if (!csrf()) return null;
    return data && data.user ? data : { user: data };
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

export async function logout() {
  try {
    await post("/api/logout");
  } finally {
    sessionStorage.removeItem(CSRF_KEY);
  }
}
