/* The chat inside the iframe. Keeps the visitor token and the unsent messages in localStorage,
   so a reload or a lost network comes back to the same conversation and a message written
   offline is sent once (the server dedupes by client_id). Text is shown with textContent only. */
(function () {
  "use strict";
  var KEY = "calldesk.chat.v1";
  var state = JSON.parse(localStorage.getItem(KEY) || "{}");
  state.outbox = state.outbox || [];
  state.lastSeq = state.lastSeq || 0;
  var log = document.getElementById("log"), net = document.getElementById("net");
  var typingEl = document.getElementById("typing"), text = document.getElementById("text");
  var ws = null, retry = 0, seen = {}, typingTimer = null, lastTyping = 0;

  function save() { localStorage.setItem(KEY, JSON.stringify(state)); }
  function unescape(s) {  /* the server stores HTML-escaped text; show it as typed */
    var t = document.createElement("textarea"); t.innerHTML = s; return t.value;
  }
  function render(m, pending) {
    var id = m.id || m.client_id;
    var el = seen[id] || document.createElement("div");
    if (!seen[id]) {
      el.className = "m " + (m.direction === "in" || pending ? "out" : "in");
      el.appendChild(document.createElement("div"));
      var st = document.createElement("div"); st.className = "st"; el.appendChild(st);
      log.appendChild(el); seen[id] = el;
    }
    el.firstChild.textContent = pending ? m.text : unescape(m.text);
    el.lastChild.textContent = pending ? "sending…" : (m.direction === "in" ? m.status : "");
    log.scrollTop = log.scrollHeight;
    return el;
  }
  function send(frame) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); }
  function flush() { state.outbox.forEach(function (m) { send({ type: "message", text: m.text, client_id: m.client_id }); }); }

  function onFrame(f) {
    if (f.type === "message") {
      var m = f.message;
      if (m.interaction !== state.interaction) { state.interaction = m.interaction; state.lastSeq = 0; }
      if (m.seq > state.lastSeq) { state.lastSeq = m.seq; save(); }
      render(m);
      if (m.direction === "out") {
        send({ type: "receipt", id: m.id, status: document.hidden ? "delivered" : "read" });
        typingEl.textContent = "";
      }
    } else if (f.type === "ack") {
      state.outbox = state.outbox.filter(function (o) { return o.client_id !== f.client_id; });
      save();
      var el = seen[f.client_id]; if (el) { delete seen[f.client_id]; seen[f.message.id] = el; }
      render(f.message);
    } else if (f.type === "receipt") {
      var r = seen[f.id]; if (r) r.lastChild.textContent = f.status;
    } else if (f.type === "typing") {
      typingEl.textContent = "typing…";
      clearTimeout(typingTimer); typingTimer = setTimeout(function () { typingEl.textContent = ""; }, 4000);
    } else if (f.type === "error") {
      net.textContent = f.detail;
    }
  }

  function connect() {
    fetch("/chat/session", { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify({ token: state.token || null }) })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        if (s.visitor !== state.visitor) { state.lastSeq = 0; }
        state.token = s.token; state.visitor = s.visitor; save();
        var url = new URL("/chat/socket", location.href);
        url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
        url.search = "?token=" + encodeURIComponent(s.token) + "&after=" + state.lastSeq +
          "&interaction=" + encodeURIComponent(state.interaction || "");
        ws = new WebSocket(url.href);
        ws.onopen = function () { retry = 0; net.textContent = "online"; flush(); };
        ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
        ws.onclose = function () { net.textContent = "offline"; reconnect(); };
      })
      .catch(reconnect);
  }
  function reconnect() {
    ws = null; retry = Math.min(retry + 1, 6);
    setTimeout(connect, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
  }

  document.getElementById("send").addEventListener("submit", function (e) {
    e.preventDefault();
    var t = text.value.trim(); if (!t) return;
    var m = { text: t, client_id: "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) };
    state.outbox.push(m); save(); render(m, true); text.value = "";
    send({ type: "message", text: m.text, client_id: m.client_id });
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); document.getElementById("send").requestSubmit(); }
    else if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); send({ type: "typing" }); }
  });
  state.outbox.forEach(function (m) { render(m, true); });
  connect();
})();
