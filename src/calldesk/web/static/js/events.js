// Server push: /api/events as a WebSocket (Server-Sent Events when the WebSocket never
// opens, e.g. behind a proxy that blocks it), resumed with since=<last seq> after any drop so
// nothing is missed. Every message is {seq, kind, subject, at, data}; "reload" means our
// `since` is older than the server keeps (refetch everything), "dropped" that we were too slow.

const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

export class EventStream {
  // topics: ["agent:a1", "team:t1", ...]; onEvent(msg) once per seq, in order;
  // onStatus("connecting"|"live"|"down", detail); onResync() after (re)connecting or "reload".
  constructor({ topics, onEvent, onStatus, onResync }) {
    this.topics = topics;
    this.onEvent = onEvent;
    this.onStatus = onStatus || (() => {});
    this.onResync = onResync || (() => {});
    this.seq = null; // highest seq handled
    this.attempt = 0;
    this.closed = false;
    this.conn = null;
    this.timer = null;
    this.transport = null; // "ws" or "sse" once one has opened; kept from then on
    this.trySse = false;
    this.quiet = false; // the server ends the stream after "reload": reconnect at once
  }

  url(scheme) {
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
    if (!this.quiet) this.onStatus(this.attempt ? "down" : "connecting", this.attempt ? "reconnecting" : "");
    this.quiet = false;
    const sse = this.transport === "sse" || (this.transport === null && this.trySse);
    try {
      this.conn = sse ? this.openSse() : this.openWs();
    } catch (err) {
      this.lost(null, String(err), false);
    }
  }

  openWs() {
    const ws = new WebSocket(this.url(location.protocol === "https:" ? "wss:" : "ws:"));
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.opened("ws");
    };
    ws.onmessage = (m) => this.receive(m.data);
    ws.onclose = (e) => this.lost(ws, e.reason || `closed (${e.code})`, opened);
    ws.onerror = () => {}; // onclose follows
    return ws;
  }

  openSse() {
    const es = new EventSource(this.url(location.protocol));
    let opened = false;
    es.onopen = () => {
      opened = true;
      this.opened("sse");
    };
    es.onmessage = (m) => this.receive(m.data);
    es.onerror = () => {
      es.close(); // we reconnect ourselves, with since=
      this.lost(es, "stream ended", opened);
    };
    return es;
  }

  opened(transport) {
    this.transport = transport;
    this.attempt = 0;
    this.onStatus("live", "");
    this.onResync(); // the state as of now; replayed events follow and refresh it again
  }

  lost(conn, detail, opened) {
    if (conn && this.conn !== conn) return;
    this.conn = null;
    if (this.closed) return;
    if (!opened && this.transport === null) this.trySse = !this.trySse; // never opened: try the other
    if (this.quiet) {
      this.connect();
      return;
    }
    const delay = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    this.onStatus("down", detail);
    this.timer = setTimeout(() => this.connect(), delay);
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
      this.quiet = true;
      this.onResync();
      return;
    }
    if (msg.kind === "dropped") {
      if (this.conn) this.conn.close();
      return;
    }
    if (typeof msg.seq === "number") {
      if (this.seq !== null && msg.seq <= this.seq) return; // a replay we already have
      this.seq = msg.seq;
    }
    this.onEvent(msg);
  }

  stop() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.conn) this.conn.close();
    this.conn = null;
  }
}
