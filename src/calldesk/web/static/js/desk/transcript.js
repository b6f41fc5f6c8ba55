// One conversation's transcript: who wrote what and when, the delivery ticks, attachments as
// links (images as thumbnails), email quoted history collapsed and HTML bodies sanitized here
// again (the server cleans them first; this page never trusts markup it did not check).
import { html, useEffect, useRef } from "../../vendor/preact-htm-3.1.1.module.js";
import { clockTime } from "../format.js";

export const TICKS = {
  accepted: ["✓", "Stored"],
  sent: ["✓", "Sent"],
  delivered: ["✓✓", "Delivered"],
  read: ["✓✓", "Read"],
  failed: ["!", "Not delivered"],
};

// Customer chat text is stored HTML-escaped: show it as typed (a parsed document runs nothing).
export function unescapeText(s) {
  if (!s || s.indexOf("&") < 0) return s || "";
  return new DOMParser().parseFromString(`<!doctype html><body>${s}`, "text/html").body.textContent;
}

// (what is new, the quoted history): cut at the first "On … wrote:" line or "> " run.
export function splitQuoted(text) {
  const lines = String(text || "").split(/\r?\n/);
  const at = lines.findIndex((l, i) => /^On .+wrote:\s*$/.test(l.trim()) ||
    (/^>/.test(l) && lines.slice(i).filter((x) => x.trim()).every((x) => /^>/.test(x))));
  if (at < 0) return [text || "", ""];
  return [lines.slice(0, at).join("\n").trimEnd(), lines.slice(at).join("\n")];
}

const SAFE_TAGS = new Set(["a", "b", "blockquote", "br", "code", "div", "em", "i", "li", "ol", "p",
  "pre", "span", "strong", "table", "tbody", "td", "th", "thead", "tr", "u", "ul", "h1", "h2", "h3", "h4"]);
const DROP_WHOLE = new Set(["script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math"]);

// HTML as a tree of safe elements: a whitelist of tags, no attributes but a link's http(s) or
// mailto href; quoted blocks become a collapsed <details>. Returns an HTML string.
export function sanitizeHtml(source) {
  const doc = new DOMParser().parseFromString(String(source || ""), "text/html");
  const out = document.implementation.createHTMLDocument("");
  function copy(node, into) {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === Node.TEXT_NODE) {
        into.appendChild(out.createTextNode(child.textContent));
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) continue;
      const tag = child.tagName.toLowerCase();
      if (DROP_WHOLE.has(tag)) continue;
      if (!SAFE_TAGS.has(tag)) {
        copy(child, into); // unknown wrapper: keep its text
        continue;
      }
      let el = out.createElement(tag);
      if (tag === "a") {
        const href = child.getAttribute("href") || "";
        if (/^(https?:|mailto:)/i.test(href.trim())) {
          el.setAttribute("href", href.trim());
          el.setAttribute("rel", "noopener noreferrer nofollow");
          el.setAttribute("target", "_blank");
        }
      }
      if (tag === "blockquote") {
        const details = out.createElement("details");
        const summary = out.createElement("summary");
        summary.textContent = "Quoted history";
        details.appendChild(summary);
        details.appendChild(el);
        into.appendChild(details);
      } else {
        into.appendChild(el);
      }
      copy(child, el);
    }
  }
  copy(doc.body, out.body);
  return out.body.innerHTML;
}

export function authorLabel(m, self, customerName) {
  if (m.direction === "in") return customerName || "Customer";
  if (m.author === `agent:${self}`) return "You";
  if (m.author && m.author.startsWith("agent:")) return m.author.slice(6);
  return m.author === "bot" ? "Bot" : m.author === "system" ? "System" : m.author || "";
}

function size(n) {
  if (typeof n !== "number") return "";
  return n < 1024 ? `${n} B` : n < 1048576 ? `${Math.round(n / 1024)} KB` : `${(n / 1048576).toFixed(1)} MB`;
}

function Attachments({ items }) {
  if (!items || !items.length) return null;
  return html`<ul class="attachments" aria-label="Attachments">
    ${items.map((a) => {
      const url = a.url || `/api/attachments/${encodeURIComponent(a.id)}`;
      return html`<li>
        ${String(a.type || "").startsWith("image/")
          ? html`<a href=${url} target="_blank" rel="noopener"><img src=${url} alt=${a.name} class="thumb" /></a>`
          : null}
        <a href=${url} target="_blank" rel="noopener" data-testid="attachment">${a.name}</a>
        <small> ${a.type || ""} · ${size(a.size)}</small></li>`;
    })}
  </ul>`;
}

function Body({ m, medium }) {
  if (m.html) {
    return html`<div class="body html" dangerouslySetInnerHTML=${{ __html: sanitizeHtml(m.html) }}></div>`;
  }
  const text = medium === "chat" && m.direction === "in" ? unescapeText(m.text) : m.text || "";
  const [fresh, quoted] = medium === "email" ? splitQuoted(text) : [text, ""];
  return html`<div class="body">${fresh}
    ${quoted || m.quoted
      ? html`<details class="quoted"><summary>Quoted history</summary><pre>${quoted || m.quoted}</pre></details>`
      : null}</div>`;
}

export function Transcript({ messages, medium, self, customerName, interaction }) {
  const end = useRef(null);
  const last = messages.length ? messages[messages.length - 1].id : "";
  useEffect(() => {
    if (end.current) end.current.scrollIntoView({ block: "end" });
  }, [last]);
  return html`<ol class="transcript" aria-label="Transcript" data-testid="transcript">
    ${messages.map((m) => {
      const tick = TICKS[m.status] || ["", m.status];
      const earlier = m.interaction && m.interaction !== interaction;
      return html`<li class="msg ${m.direction} ${earlier ? "earlier" : ""}" data-testid="message"
          data-direction=${m.direction} data-status=${m.status} data-seq=${m.seq}>
        <div class="meta"><strong>${authorLabel(m, self, customerName)}</strong>
          <time>${clockTime(m.at)}</time>${earlier ? html` <em>(earlier conversation)</em>` : null}</div>
        <${Body} m=${m} medium=${medium} />
        <${Attachments} items=${m.attachments} />
        ${m.direction === "out"
          ? html`<div class="ticks ${m.status}" data-testid="ticks" title=${tick[1]}>
              <span aria-hidden="true">${tick[0]}</span> ${tick[1]}</div>`
          : null}
      </li>`;
    })}
    <li ref=${end} class="end" aria-hidden="true"></li>
  </ol>`;
}
