/* The chat inside the iframe. Keeps the visitor token and the unsent messages in localStorage,
   so a reload or a lost network comes back to the same conversation and a message written
   offline is sent once (the server dedupes by client_id). Files go up over HTTP (the server
   checks size and type by content); they are shown by name only: calldesk serves them to the
   agent, never back to the web. The host page (widget.js) tells this frame its URL and time on
   the page, for the proactive invitation, and whether the panel is open (read receipts).
   Text is shown with textContent only. */
(function () {
  "use strict";
  var KEY = "calldesk.chat.v1";
  var state = JSON.parse(localStorage.getItem(KEY) || "{}");
  state.outbox = state.outbox || [];
  state.lastSeq = state.lastSeq || 0;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("log"), net = $("net"), typingEl = $("typing"), text = $("text"), problem = $("problem");
  var fileInput = $("file"), inviteEl = $("invite");
  var ws = null, retry = 0, seen = {}, typingTimer = null, lastTyping = 0, limits = null;
  var open = false, unread = [], uploads = [], page = null, inviteTimer = null, connecting = false;
  var fresh = true;  /* a reload shows nothing yet: the first socket asks for the whole conversation */
  var TICKS = { accepted: "✓ Sent", sent: "✓ Sent", delivered: "✓✓ Delivered", read: "✓✓ Read", failed: "Not sent" };

  function save() { localStorage.setItem(KEY, JSON.stringify(state)); }
  function tell(msg) { if (window.parent !== window) window.parent.postMessage(msg, "*"); }
  function say(msg) { problem.textContent = msg || ""; }
  function unescape(s) {  /* the server stores HTML-escaped text; show it as typed */
    var t = document.createElement("textarea"); t.innerHTML = s; return t.value;
  }
  function size(n) { return n < 1024 ? n + " B" : n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB"; }
  function mine(m) { return m.direction === "in"; }  /* "in" to calldesk: the visitor wrote it */

  function render(m, pending) {
    var id = m.id || m.client_id;
    var el = seen[id];
    if (!el) {
      el = document.createElement("div");
      el.className = "m " + (pending || mine(m) ? "me" : "them");
      el.setAttribute("data-testid", "message");
      var who = document.createElement("div"); who.className = "who"; el.appendChild(who);
      var body = document.createElement("div"); body.className = "body"; el.appendChild(body);
      var files = document.createElement("div"); el.appendChild(files);
      var st = document.createElement("div"); st.className = "st"; st.setAttribute("data-testid", "status"); el.appendChild(st);
      log.appendChild(el); seen[id] = el;
    }
    var parts = el.children;
    parts[0].textContent = pending || mine(m) ? "" : (m.author === "bot" || m.author === "system" ? "" : "Agent");
    parts[1].textContent = pending ? (m.text || "") : unescape(m.text || "");
    parts[2].textContent = "";
    (m.attachments || (m.file ? [m.file] : [])).forEach(function (a) {
      var f = document.createElement("span"); f.className = "file";
      f.textContent = a.name + " (" + size(a.size) + ")"; parts[2].appendChild(f);
    });
    parts[3].textContent = pending ? (m.failed ? "Not sent: " + m.failed : "Sending…") : (mine(m) ? TICKS[m.status] || m.status : "");
    el.setAttribute("data-status", pending ? "pending" : m.status);
    log.scrollTop = log.scrollHeight;
    return el;
  }
  /* The server stored one of ours (ack, upload answer, or a replay after a lost ack): the
     pending bubble becomes that message, once. */
  function adopt(clientId, m) {
    if (!clientId) return;
    state.outbox = state.outbox.filter(function (o) { return o.client_id !== clientId; });
    uploads = uploads.filter(function (u) { return u.client_id !== clientId; });
    save();
    var el = seen[clientId];
    if (!el) return;
    delete seen[clientId];
    if (seen[m.id] && seen[m.id] !== el) el.parentNode.removeChild(el);
    else seen[m.id] = el;
  }
  function send(frame) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; } return false; }
  function flush() {
    state.outbox.forEach(function (m) { send(messageFrame(m)); });
    uploads.slice().forEach(upload);
  }
  /* Messages from calldesk become "read" once the visitor can see them: the panel is open and
     the page visible; until then "delivered". */
  function visible() { return open && !document.hidden; }
  function acknowledge(m) {
    if (visible()) send({ type: "receipt", id: m.id, status: "read" });
    else { send({ type: "receipt", id: m.id, status: "delivered" }); unread.push(m.id); tell({ calldesk: "unread", count: unread.length }); }
  }
  function readAll() {
    if (!visible() || !unread.length) return;
    unread.forEach(function (id) { send({ type: "receipt", id: id, status: "read" }); });
    unread = []; tell({ calldesk: "unread", count: 0 });
  }

  function onFrame(f) {
    if (f.type === "message") {
      var m = f.message;
      if (m.interaction !== state.interaction) { state.interaction = m.interaction; state.lastSeq = 0; }
      if (m.seq > state.lastSeq) { state.lastSeq = m.seq; save(); }
      adopt(m.client_id, m);
      render(m);
      if (!mine(m)) {
        if (m.status !== "read") acknowledge(m);
        typingEl.textContent = "";
      }
    } else if (f.type === "ack") {
      state.interaction = f.message.interaction;
      adopt(f.client_id, f.message);
      render(f.message);
    } else if (f.type === "receipt") {
      var r = seen[f.id];
      if (r && r.className.indexOf("me") >= 0) { r.lastChild.textContent = TICKS[f.status] || f.status; r.setAttribute("data-status", f.status); }
    } else if (f.type === "typing") {
      clearTimeout(typingTimer);
      typingEl.textContent = f.on === false ? "" : "Agent is typing…";
      if (f.on !== false) typingTimer = setTimeout(function () { typingEl.textContent = ""; }, 6000);
    } else if (f.type === "state") {
      if (f.state === "closed") typingEl.textContent = "The conversation has ended.";
    } else if (f.type === "error") {
      if ((f.field === "name" || f.field === "email") && askProfile(f.detail)) return;
      say(f.detail);
    }
  }

  function connect() {
    if (connecting || (ws && ws.readyState <= 1)) return;
    connecting = true;
    fetch("/chat/session", { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify({ token: state.token || null }) })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (s) {
        if (s.visitor !== state.visitor) { state.lastSeq = 0; }
        state.token = s.token; state.visitor = s.visitor; save();
        var url = new URL("/chat/socket", location.href);
        url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
        url.search = "?token=" + encodeURIComponent(s.token) + "&after=" + (fresh ? 0 : state.lastSeq) +
          "&interaction=" + encodeURIComponent(state.interaction || "");
        ws = new WebSocket(url.href);
        connecting = false;
        ws.onopen = function () { fresh = false; retry = 0; net.textContent = "online"; say(""); flush(); };
        ws.onmessage = function (e) { onFrame(JSON.parse(e.data)); };
        ws.onclose = function () { net.textContent = "offline"; reconnect(); };
      })
      .catch(function () { connecting = false; reconnect(); });
  }
  function reconnect() {
    ws = null; retry = Math.min(retry + 1, 6);
    setTimeout(connect, 500 * Math.pow(2, retry) * (0.5 + Math.random()));
  }

  /* -- files ------------------------------------------------------------------------------ */
  function loadLimits() {
    return fetch("/chat/limits").then(function (r) { return r.json(); }).then(function (l) {
      limits = l; $("attach-label").hidden = !l.attachments;
      if (l.attachments) fileInput.accept = l.attachments.types.join(",");
      text.maxLength = l.max_message_chars;
      if (!state.profile && !state.interaction) askProfile();
    }).catch(function () {});
  }
  function upload(item) {
    if (item.busy || !state.token) return;
    item.busy = true;
    var q = "?name=" + encodeURIComponent(item.file.name) + "&client_id=" + encodeURIComponent(item.client_id);
    fetch("/chat/attachments" + q, { method: "POST", body: item.file,
      headers: { "Authorization": "Bearer " + state.token, "Content-Type": item.file.type || "application/octet-stream" } })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); })
      .then(function (r) {
        item.busy = false;
        if (r.ok) {
          adopt(item.client_id, r.body.message);
          render(r.body.message);
        } else if (r.status === 429) {
          item.failed = "too many files, wait a moment"; render(item, true);
          uploads = uploads.filter(function (u) { return u !== item; });
        } else {
          uploads = uploads.filter(function (u) { return u !== item; });
          item.failed = r.body.detail || ("error " + r.status); render(item, true);
        }
      })
      .catch(function () { item.busy = false; });  /* offline: sent again on reconnect */
  }
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file || !limits || !limits.attachments) return;
    var a = limits.attachments;
    if (file.size > a.max_bytes) { say(file.name + ": larger than " + size(a.max_bytes)); return; }
    if (file.type && a.types.indexOf(file.type) < 0) { say(file.name + ": this type of file cannot be sent"); return; }
    if (!state.interaction) { say("Say hello first, then send your file."); return; }
    say("");
    var item = { client_id: "f" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8),
                 file: file, text: "" };
    item.attachments = [{ name: file.name, size: file.size }];
    uploads.push(item); render(item, true); upload(item);
  });

  /* -- the host page: open/closed, its URL and time on page (the invitation) ---------------- */
  function askInvitation() {
    if (!page || state.interaction || sessionStorage.getItem("calldesk.invited")) return;
    var seconds = (Date.now() - page.loadedAt) / 1000 + page.seconds;
    fetch("/chat/invitation", { method: "POST", headers: { "Content-Type": "application/json" },
                                body: JSON.stringify({ url: page.url, seconds: seconds }) })
      .then(function (r) { return r.ok ? r.json() : { invite: false, again_s: 60 }; })
      .then(function (d) {
        if (d.invite) {
          sessionStorage.setItem("calldesk.invited", "1");
          inviteEl.textContent = d.text; inviteEl.hidden = false;
          tell({ calldesk: "invite" });
        } else if (typeof d.again_s === "number" && !open) {
          clearTimeout(inviteTimer);
          inviteTimer = setTimeout(askInvitation, Math.max(1, d.again_s) * 1000);
        }
      }).catch(function () {});
  }
  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || !e.data || typeof e.data !== "object") return;
    if (e.data.calldesk === "page" && typeof e.data.url === "string") {
      page = { url: e.data.url.slice(0, 2000), seconds: +e.data.seconds || 0, loadedAt: Date.now() };
      askInvitation();
    } else if (e.data.calldesk === "open") {
      open = !!e.data.open;
      if (open) { clearTimeout(inviteTimer); connect(); ($("prechat").hidden ? text : $("pc-name-row").hidden ? $("pc-email") : $("pc-name")).focus(); readAll(); }
    }
  });
  document.addEventListener("visibilitychange", readAll);
  /* The browser knows the network is gone before the socket does: close it now (messages
     written meanwhile wait in the outbox) and come back at once when the network does. */
  window.addEventListener("offline", function () { net.textContent = "offline"; if (ws) ws.close(); });
  window.addEventListener("online", function () { retry = 0; if (state.token || open) connect(); });

  /* -- typing and sending ------------------------------------------------------------------ */
  /* The pre-chat form (digital.chat.prechat): asked once, before the first message; the
     name and email go with each message (calldesk keeps them for a new conversation only). */
  function messageFrame(m) {
    var f = { type: "message", text: m.text, client_id: m.client_id };
    if (state.profile) { f.name = state.profile.name; f.email = state.profile.email; }
    return f;
  }
  function askProfile(why) {
    var p = limits && limits.prechat;
    if (!p || (p.name === "off" && p.email === "off")) return false;
    $("pc-name-row").hidden = p.name === "off"; $("pc-name").required = p.name === "required";
    $("pc-email-row").hidden = p.email === "off"; $("pc-email").required = p.email === "required";
    $("prechat").hidden = false; $("send").hidden = true; say(why || "");
    ($("pc-name-row").hidden ? $("pc-email") : $("pc-name")).focus();
    return true;
  }
  $("prechat").addEventListener("submit", function (e) {
    e.preventDefault();
    state.profile = { name: $("pc-name").value.trim(), email: $("pc-email").value.trim() }; save();
    $("prechat").hidden = true; $("send").hidden = false; say(""); text.focus();
    flush();
  });
  $("send").addEventListener("submit", function (e) {
    e.preventDefault();
    var t = text.value.trim(); if (!t) return;
    var m = { text: t, client_id: "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8) };
    state.outbox.push(m); save(); render(m, true); text.value = "";
    inviteEl.hidden = true;
    if (!send(messageFrame(m))) connect();
  });
  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("send").requestSubmit(); }
    else if (Date.now() - lastTyping > 2000) { lastTyping = Date.now(); send({ type: "typing" }); }
  });
  state.outbox.forEach(function (m) { render(m, true); });
  loadLimits();
  /* A visitor who has talked before reconnects at once; a new one only when they open the chat
     (no token is made for every page view). */
  if (state.token || state.outbox.length) connect();
  if (window.parent === window) { open = true; connect(); }
})();
