// Server push: the /api/events WebSocket, resumed with since=<last seq> after any drop so
// nothing is missed. Every message is {seq, kind, subject, at, data}; "reload" means our
// `since` is older than the server keeps (refetch everything), "dropped" that we were too slow.

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

export class EventStream {
  // topics: ["agent:a1", "queue:sales", ...]; onEvent(msg) once per seq, in order;
  // onStatus("connecting"|"live"|"down", detail); onResync() after (re)connecting or "reload".
  constructor({ topics, onEvent, onStatus, onResync }) {
    this.topics = topics;
    this.onEvent = onEvent;
    this.onStatus = onStatus || (() => {});
    this.onResync = onResync || (() => {});
    this.seq = null; // highest seq handled
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.timer = null;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    // No topics: the server's default for the user (an agent's own, a supervisor's teams).
    const params = new URLSearchParams(this.topics.length ? { topics: this.topics.join(",") } : {});
    if (this.seq !== null) params.set("since", String(this.seq));
    return `${scheme}//${location.host}/api/events?${params}`;
  }

  start() {
    this.closed = false;
    this.connect();
    return this;
  }

  connect() {
    clearTimeout(this.timer);
    this.onStatus(this.attempt ? "down" : "connecting", this.attempt ? "reconnecting" : "");
    let ws;
    try {
      ws = new WebSocket(this.url());
    } catch (err) {
      this.retry(String(err));
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus("live", "");
      this.onResync(); // state as of now; replayed events follow and refresh it again
    };
    ws.onmessage = (message) => this.receive(message.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.closed) this.retry(event.reason || `closed (${event.code})`);
    };
    ws.onerror = () => {}; // onclose follows and retries
  }

  receive(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    if (msg.kind === "reload") {
      if (typeof msg.seq === "number") this.seq = msg.seq;
      this.onResync();
      return;
    }
    if (msg.kind === "dropped") {
      if (this.ws) this.ws.close(4000, "dropped");
      return;
    }
    if (typeof msg.seq === "number") {
      if (this.seq !== null && msg.seq <= this.seq) return; // a replay we already have
      this.seq = msg.seq;
    }
    this.onEvent(msg);
  }

  retry(detail) {
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onStatus("down", detail);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  stop() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
  }
}
