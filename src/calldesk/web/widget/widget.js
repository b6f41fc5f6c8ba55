/* calldesk web chat: the one script tag.
   <script src="https://YOUR-CALLDESK/chat/widget.js" async></script>
   It adds a button and an iframe served by calldesk; the conversation runs inside the iframe,
   so the host page's styles and scripts cannot break it, nor it them. The host tells the frame
   only its URL and the time on the page (for proactive invitations) and whether the panel is
   open; the frame tells the host to open (an invitation) and how many messages are unread. */
(function () {
  "use strict";
  if (window.__calldeskChat) return;
  window.__calldeskChat = true;
  var started = Date.now();
  var script = document.currentScript;
  var base = new URL(script ? script.src : "/chat/widget.js", location.href);
  var frameUrl = new URL("/chat/frame", base);
  var host = document.createElement("div");
  host.setAttribute("data-calldesk-chat", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "closed" }) : host;
  var style = document.createElement("style");
  style.textContent =
    ".b{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;" +
    "padding:14px 20px;background:#1f4e8c;color:#fff;font:15px sans-serif;cursor:pointer}" +
    ".b:focus-visible{outline:3px solid #ffb000;outline-offset:2px}" +
    ".n{display:inline-block;min-width:18px;margin-left:8px;border-radius:9px;background:#d64545;" +
    "font-size:12px;line-height:18px;text-align:center}" +
    ".f{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;height:520px;" +
    "max-width:calc(100vw - 40px);max-height:calc(100vh - 104px);border:1px solid #ccd;" +
    "border-radius:10px;box-shadow:0 4px 24px #0003;background:#fff;display:none}";
  var button = document.createElement("button");
  button.className = "b";
  button.type = "button";
  button.setAttribute("aria-expanded", "false");
  button.textContent = "Chat with us";
  var badge = document.createElement("span");
  badge.className = "n";
  badge.style.display = "none";
  button.appendChild(badge);
  var frame = document.createElement("iframe");
  frame.className = "f";
  frame.title = "Chat";
  frame.src = frameUrl.href;
  function post(msg) { if (frame.contentWindow) frame.contentWindow.postMessage(msg, frameUrl.origin); }
  function show(open) {
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
    post({ calldesk: "open", open: open });
  }
  button.addEventListener("click", function () { show(frame.style.display !== "block"); });
  frame.addEventListener("load", function () {
    post({ calldesk: "page", url: location.href, seconds: (Date.now() - started) / 1000 });
    if (frame.style.display === "block") post({ calldesk: "open", open: true });  /* opened early */
  });
  window.addEventListener("message", function (e) {
    if (e.source !== frame.contentWindow || e.origin !== frameUrl.origin || !e.data) return;
    if (e.data.calldesk === "invite") show(true);
    if (e.data.calldesk === "unread") {
      badge.textContent = String(e.data.count);
      badge.style.display = e.data.count ? "inline-block" : "none";
    }
  });
  root.appendChild(style);
  root.appendChild(frame);
  root.appendChild(button);
  (document.body || document.documentElement).appendChild(host);
})();
