/* calldesk web chat: the one script tag.
   <script src="https://YOUR-CALLDESK/chat/widget.js" async></script>
   It adds a button and an iframe served by calldesk; the conversation runs inside the iframe,
   so the host page's styles and scripts cannot break it, nor it them. */
(function () {
  "use strict";
  if (window.__calldeskChat) return;
  window.__calldeskChat = true;
  var script = document.currentScript;
  var base = new URL(script ? script.src : "/chat/widget.js", location.href);
  var frameUrl = new URL("/chat/frame", base).href;
  var host = document.createElement("div");
  host.setAttribute("data-calldesk-chat", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "closed" }) : host;
  var style = document.createElement("style");
  style.textContent =
    ".b{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;" +
    "padding:14px 20px;background:#1f4e8c;color:#fff;font:15px sans-serif;cursor:pointer}" +
    ".f{position:fixed;right:20px;bottom:84px;z-index:2147483000;width:360px;height:520px;" +
    "max-height:80vh;border:1px solid #ccd;border-radius:10px;box-shadow:0 4px 24px #0003;" +
    "background:#fff;display:none}";
  var button = document.createElement("button");
  button.className = "b";
  button.textContent = "Chat with us";
  var frame = document.createElement("iframe");
  frame.className = "f";
  frame.title = "Chat";
  frame.src = frameUrl;
  button.addEventListener("click", function () {
    frame.style.display = frame.style.display === "block" ? "none" : "block";
  });
  root.appendChild(style);
  root.appendChild(frame);
  root.appendChild(button);
  (document.body || document.documentElement).appendChild(host);
})();
