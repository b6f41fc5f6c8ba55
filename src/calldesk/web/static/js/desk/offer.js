// The incoming offer: medium, queue, customer, what the IVR collected, accept/decline and the
// lease counting down. For voice the phone rings too; answering there is the same as accepting.
import { html, useEffect, useRef } from "../../vendor/preact-htm-3.1.1.module.js";
import { duration, humanKey } from "../format.js";
import { collected } from "./pop.js";
import { customerName, DIGITAL } from "./threads.js";

export function OfferCard({ offer, now, onAccept, onDecline }) {
  const accept = useRef(null);
  const id = offer && offer.id;
  useEffect(() => {
    // A new offer takes the focus, unless the agent is typing somewhere (notes, a search).
    const busy = document.activeElement && document.activeElement.matches("input, textarea, select");
    if (id && accept.current && !busy) accept.current.focus();
  }, [id]);
  if (!offer) return null;
  const left = offer.lease_until ? offer.lease_until - now / 1000 : null;
  const customer = offer.customer || {};
  const fields = collected(offer.data || {}).slice(0, 6);
  const digital = DIGITAL.has(offer.medium);
  return html`<section class="offer card" role="alertdialog" aria-labelledby="offer-title"
      aria-describedby="offer-who" data-testid="offer">
    <h2 id="offer-title"><span class="medium ${offer.medium}">${offer.medium || "voice"}</span>
      Incoming from queue <strong>${offer.queue}</strong></h2>
    <p id="offer-who" class="who">${digital
        ? customerName(offer.medium, customer.name || customer.number) || "Unknown customer"
        : customer.name || "Unknown caller"}
      <span class="number">${digital ? "" : customer.number || ""}</span></p>
    ${fields.length
      ? html`<dl class="facts">${fields.map(([k, v]) => html`<dt>${humanKey(k)}</dt><dd>${v}</dd>`)}</dl>`
      : null}
    ${offer.medium === "voice" || !offer.medium
      ? html`<p class="hint">Your phone is ringing: answering it is the same as Accept.</p>`
      : null}
    <div class="row">
      <button class="primary" data-testid="offer-accept" aria-keyshortcuts="Alt+Shift+A" onClick=${onAccept}
        ref=${accept}>Accept <kbd>Alt+Shift+A</kbd></button>
      <button data-testid="offer-decline" aria-keyshortcuts="Alt+Shift+D" onClick=${onDecline}>
        Decline <kbd>Alt+Shift+D</kbd></button>
      ${left !== null
        ? html`<span class="countdown ${left < 5 ? "urgent" : ""}" role="timer" aria-label="Offer expires in">
            ${duration(left)}</span>`
        : null}
    </div>
  </section>`;
}
