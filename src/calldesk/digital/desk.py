"""DigitalDesk: text interactions from intake to close, in the same ACD as calls.

- `receive()` stores a customer message (committed before it returns, so an adapter
  acknowledges only what is stored), threads it into the customer's conversation, and hands it
  to the flow running the conversation (a TextSession) or, with an agent, publishes it.
- As the flow's `Handoff` it enqueues into the ACD (`acd.enqueue(EnqueueRequest)`) with what the
  flow collected; the agent who accepts gets the transcript and that data (`accept()`).
- It follows the ACD through the journal (`on_journal`, a notifier subscriber): offered,
  answered, requeued, abandoned, ended.
- `sweep(now)` applies the idle policy per queue; `close()`/`customer_left()` end it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import gevent

from calldesk.acd import events as ev
from calldesk.digital import survey
from calldesk.digital.idle import idle_decision
from calldesk.digital.model import Attachment, Conversation, Message, new_id
from calldesk.digital.session import TextSession
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.store import MessageStore
from calldesk.digital.transport import Transport
from calldesk.errors import CalldeskError
from calldesk.ivr.ports import EnqueueRequest
from calldesk.ivr.runner import FlowSource, Runner, RunOutcome
from calldesk.ivr.state import RunState
from calldesk.store import Entry, Store

log = logging.getLogger(__name__)

_CLOSING_KINDS = {"interaction.abandoned", "interaction.ended", "interaction.overflowed"}
_FOLLOWED = _CLOSING_KINDS | {
    "interaction.offered",
    "interaction.answered",
    "interaction.requeued",
    "offer.cancelled",
    "offer.refused",
}


class DigitalError(CalldeskError):
    """A refused digital operation (unknown interaction, not the agent's, closed)."""


class Acd(Protocol):
    def enqueue(self, request: EnqueueRequest) -> None: ...

    def post(self, *items: Any, wait: float | None = None) -> list[str]: ...


class DigitalDesk:
    def __init__(
        self,
        store: Store,
        acd: Acd,
        flows: FlowSource,
        runner: Runner,
        transports: Mapping[str, Transport],
        clock: Callable[[], float],
        settings: DigitalSettings | None = None,
    ) -> None:
        self.store, self.acd, self.flows, self.clock = store, acd, flows, clock
        self.messages = MessageStore(store)
        self.journal = store.journal
        self.runner = dataclasses.replace(runner, handoff=self)
        self.transports = dict(transports)
        self.settings = settings or DigitalSettings()
        self.sessions: dict[str, TextSession] = {}
        self.live: set[str] = {c.id for c in self.messages.open_conversations()}
        self.offers: dict[str, str] = {}  # offer id -> interaction
        self.greenlets: dict[str, gevent.Greenlet] = {}

    def stop(self) -> None:
        """Stop the running flows (the conversations stay stored, at their state)."""
        gevent.killall(list(self.greenlets.values()))
        self.greenlets.clear()
        self.sessions.clear()

    # -- intake ------------------------------------------------------------------------------
    def receive(
        self,
        medium: str,
        address: str,
        text: str,
        *,
        name: str = "",
        attachments: Iterable[Attachment] = (),
        external_id: str = "",
        flow: str | None = None,
        at: float | None = None,
        join: str = "",
        data: dict[str, Any] | None = None,
        html: str = "",
    ) -> tuple[Conversation, Message]:
        """Store a customer message and route it. A repeated `external_id` (a client's retry
        after a lost acknowledgement) returns the stored message: it arrives once. `join` names
        the interaction the medium says this answers (email headers); `data` is kept with a
        new conversation (an email's subject); `html` an email's body, already sanitized."""
        now = self.clock() if at is None else at
        answered = survey.answer(self, medium, address, text, now) if not join else None
        if answered is not None:
            return answered
        conv, new = self._thread(medium, address, name, now, join)
        if new and data:
            conv.data = {**conv.data, **data}
        if external_id:
            dup = self.messages.by_external(conv.id, external_id)
            if dup is not None:
                return conv, dup
        msg = self.messages.add(
            conv.id,
            "in",
            "customer",
            text,
            now,
            attachments=attachments,
            external_id=external_id,
            html=html,
        )
        conv.last_in_at, conv.reminded_at = now, 0.0
        self.messages.save(conv)
        self.journal.append(
            "message.received",
            conv.id,
            {"message": msg.id, "medium": medium, "seq": msg.seq, "agent": conv.agent or None},
            now,
        )
        if new:
            self._start_bot(conv, flow or self.settings.flows.get(medium))
        elif conv.id in self.sessions and text:  # a file alone answers no question
            self.sessions[conv.id].deliver(text)
        return conv, msg

    def _thread(
        self, medium: str, address: str, name: str, now: float, join: str = ""
    ) -> tuple[Conversation, bool]:
        """The customer's open conversation, or a new one carrying the last one's history.
        Chat joins the visitor's open conversation; SMS joins it within the threading window
        (a bot-only conversation past it is closed and a new one opened); email joins only
        the conversation its headers name."""
        last = self.messages.get(join) if join else self.messages.latest(medium, address)
        if medium == "email" and not join and last is not None:
            last = dataclasses.replace(last, state="closed")  # history only: a new thread
        if last is not None and last.open:
            quiet = now - max(last.last_in_at, last.last_out_at, last.opened_at)
            if medium == "chat" or last.state != "bot" or quiet <= self.settings.thread_window_s:
                return last, False
            self._closed(last, "expired", now)
        conv = Conversation(
            new_id(medium), medium, address, now, name=name, previous=last.id if last else ""
        )
        self.messages.create(conv)
        self.live.add(conv.id)
        self.journal.append(
            "interaction.opened",
            conv.id,
            {"medium": medium, "customer": address, "previous": conv.previous or None},
            now,
        )
        return conv, True

    # -- the bot -----------------------------------------------------------------------------
    def resume_bots(self, saved: Callable[[str], RunState | None]) -> int:
        """After a restart: each conversation a flow was running goes on at its saved step (the
        step starts over: its question is asked again); one without a saved run starts its
        flow again. Returns how many."""
        count = 0
        for iid in sorted(self.live):
            conv = self.messages.get(iid)
            if conv is None or conv.state != "bot" or iid in self.sessions:
                continue
            state = saved(iid)
            if state is not None and state.medium != conv.medium:
                state = None
            self._start_bot(conv, conv.flow or self.settings.flows.get(conv.medium), state)
            count += 1
        return count

    def _start_bot(
        self, conv: Conversation, flow_name: str | None, saved: RunState | None = None
    ) -> None:
        if not flow_name:
            self._closed(conv, "no flow for this medium", self.clock())
            log.error("digital.flows.%s: no flow configured; %s closed", conv.medium, conv.id)
            return
        flow = self.flows.get(flow_name)
        session = TextSession(
            conv,
            flow,
            self.runner,
            lambda text: self.send(conv.id, "bot", text),
            self.settings.reply_timeout_s,
        )
        conv.flow = flow.name
        self.messages.save(conv)
        self.sessions[conv.id] = session
        self.greenlets[conv.id] = gevent.spawn(self._run_bot, conv.id, session, saved)

    def _run_bot(
        self, iid: str, session: TextSession, saved: RunState | None = None
    ) -> RunOutcome | None:
        try:
            outcome = session.run() if saved is None else session.resume(saved)
        except Exception:
            log.exception("%s: the flow failed", iid)
            outcome = None
        self.sessions.pop(iid, None)
        self.greenlets.pop(iid, None)
        conv = self.messages.get(iid)
        if conv is not None and conv.state == "bot":
            why = "flow failed" if outcome is None else outcome.status
            self._closed(conv, "customer left" if why == "caller_gone" else why, self.clock())
        return outcome

    def enqueue(self, request: EnqueueRequest) -> None:
        """The flow's hand-off: keep what it collected with the conversation, then queue it."""
        conv = self._get(request.interaction_id)
        conv.state, conv.queue = "queued", request.queue
        conv.data = {**conv.data, **request.variables, **request.data}
        self.messages.save(conv)
        count = len(self.messages.transcript(conv.id))
        request = dataclasses.replace(
            request,
            caller={**request.caller, "name": conv.name or request.caller.get("name", "")},
            data={**request.data, "transcript_messages": count, "medium": conv.medium},
        )
        self.acd.enqueue(request)

    # -- agents ------------------------------------------------------------------------------
    def accept(self, offer: str, agent: str, wait: float = 5.0) -> dict[str, Any]:
        """The agent takes the offer: the ACD connects it, and the agent gets the hand-off."""
        iid = self.offers.get(offer) or self._offer_after_restart(offer)
        if iid is None:
            raise DigitalError(f"offer {offer}: not a pending digital offer")
        refused = self.acd.post(ev.OfferAccepted(offer), wait=wait)
        if refused:
            raise DigitalError(f"offer {offer}: {refused[0]}")
        conv = self._get(iid)
        conv.state, conv.agent = "connected", agent
        self.messages.save(conv)
        return self.handoff_view(iid)

    def _offer_after_restart(self, offer: str) -> str | None:
        """Offers are kept with their conversation, so a restarted desk still knows them."""
        for iid in self.live:
            conv = self.messages.get(iid)
            if conv is not None and conv.state == "offered" and conv.data.get("_offer") == offer:
                return iid
        return None

    def handoff_view(self, iid: str) -> dict[str, Any]:
        """What the accepting agent sees: the whole transcript (with earlier conversations) and
        everything the flow collected. The customer never repeats themselves."""
        conv = self._get(iid)
        return {
            "interaction": conv.id,
            "medium": conv.medium,
            "queue": conv.queue,
            "state": conv.state,
            "agent": conv.agent or None,
            "customer": {"address": conv.address, "name": conv.name},
            "collected": {k: v for k, v in conv.data.items() if not k.startswith("_")},
            "flow": conv.flow,
            "previous": conv.previous or None,
            "transcript": [m.view() for m in self.messages.transcript(iid)],
        }

    def reply(
        self, iid: str, agent: str, text: str, attachments: Iterable[Attachment] = ()
    ) -> Message:
        conv = self._get(iid)
        if conv.state != "connected" or conv.agent != agent:
            raise DigitalError(f"{iid}: not a conversation {agent} holds")
        return self.send(iid, f"agent:{agent}", text, attachments)

    def send(
        self,
        iid: str,
        author: str,
        text: str,
        attachments: Iterable[Attachment] = (),
        *,
        counts: bool = True,
    ) -> Message:
        """Store an outbound message, then hand it to the medium's transport."""
        conv = self._get(iid)
        now = self.clock()
        msg = self.messages.add(iid, "out", author, text, now, attachments=attachments)
        if counts:
            conv.last_out_at = now
            self.messages.save(conv)
        self.journal.append(  # `agent`: pushed on the holding agent's topic
            "message.sent",
            iid,
            {"message": msg.id, "author": author, "seq": msg.seq, "agent": conv.agent or None},
            now,
        )
        transport = self.transports.get(conv.medium)
        try:
            if transport is None:
                raise DigitalError(f"no transport for {conv.medium}")
            external = transport.send(conv, msg)
        except Exception as exc:
            log.warning("%s: message %s not sent: %s", iid, msg.id, exc)
            self.messages.set_status(msg.id, "failed")
            return dataclasses.replace(msg, status="failed")
        self.messages.set_external(msg.id, external or "")
        self.messages.set_status(msg.id, "sent")
        return dataclasses.replace(msg, status="sent", external_id=external or "")

    def receipt(self, external_id: str, status: str) -> bool:
        """A delivery or read receipt from the medium; statuses only move forward."""
        msg = self.messages.find_external(external_id)
        if msg is None or not self.messages.set_status(msg.id, status):
            return False
        conv = self.messages.get(msg.interaction)
        self.journal.append(
            "message.status",
            msg.interaction,
            {"message": msg.id, "status": status, "agent": (conv.agent if conv else "") or None},
            self.clock(),
        )
        return True

    def mark_read(self, iid: str, agent: str, upto_seq: int) -> int:
        """The agent read the customer's messages up to a sequence: each becomes 'read' (the
        widget shows it). Returns how many changed."""
        conv = self._get(iid)
        if conv.agent != agent:
            raise DigitalError(f"{iid}: not a conversation {agent} holds")
        changed = 0
        for m in self.messages.transcript(iid, with_history=False):
            if m.direction == "in" and m.seq <= upto_seq and self.messages.set_status(m.id, "read"):
                changed += 1
                self.journal.append(
                    "message.status",
                    iid,
                    {"message": m.id, "status": "read", "agent": agent},
                    self.clock(),
                )
        return changed

    # -- ending ------------------------------------------------------------------------------
    def close(self, iid: str, cause: str = "closed") -> None:
        """End the conversation: a running flow stops; in the ACD it is abandoned (waiting or
        offered) or ended (with an agent, who then wraps up)."""
        conv = self._get(iid)
        if not conv.open:
            return
        session = self.sessions.get(iid)
        if session is not None and conv.state == "bot":
            session.leave()
            return
        # Queued with its flow still in `enqueue` (waiting for the engine to record the
        # arrival): the flow is done with it, and the ACD must hear that it ended (leaving it to
        # the flow left a queued interaction nobody would ever end).
        if conv.state in ("queued", "offered", "connected"):
            self.acd.post(ev.InteractionEnded(iid, cause))
        survey.ask(self, conv, cause)
        self._closed(self._get(iid), cause, self.clock())

    def customer_left(self, iid: str) -> None:
        self.close(iid, "customer_left")

    def sweep(self, now: float | None = None) -> list[tuple[str, str]]:
        """Remind or close silent customers, per their queue's policy; returns what was done."""
        now = self.clock() if now is None else now
        done = []
        for iid in sorted(self.live):
            conv = self.messages.get(iid)
            if conv is None:
                continue
            policy = self.settings.idle_for(conv.queue)
            what = idle_decision(conv, policy, now)
            if what == "remind":
                self.send(iid, "system", policy.reminder, counts=False)
                conv = self._get(iid)
                conv.reminded_at = now
                self.messages.save(conv)
            elif what == "close":
                self.send(iid, "system", policy.closing, counts=False)
                self.close(iid, "idle")
            if what:
                done.append((iid, what))
        return done

    # -- following the ACD -------------------------------------------------------------------
    def on_journal(self, entry: Entry) -> None:
        """A notifier subscriber: keep each conversation's state as the ACD decides."""
        if entry.subject not in self.live or entry.kind not in _FOLLOWED:
            return
        kind, data = entry.kind, entry.data
        conv = self.messages.get(entry.subject)
        if conv is None:
            return
        if kind == "interaction.offered":
            self.offers[str(data.get("offer"))] = conv.id
            conv.state, conv.agent = "offered", str(data.get("agent") or "")
            conv.data = {**conv.data, "_offer": str(data.get("offer"))}
        elif kind == "interaction.answered":
            conv.state, conv.agent = "connected", str(data.get("agent") or conv.agent)
        elif kind in ("interaction.requeued", "offer.cancelled", "offer.refused"):
            self.offers.pop(str(data.get("offer")), None)
            if conv.state != "closed":
                conv.state, conv.agent = "queued", ""
        elif kind in _CLOSING_KINDS:
            self._closed(conv, kind.split(".")[1], entry.at)
            return
        else:
            return
        self.messages.save(conv)

    def _closed(self, conv: Conversation, reason: str, now: float) -> None:
        if not conv.open:
            return
        conv.state, conv.closed_at, conv.close_reason = "closed", now, reason
        self.messages.save(conv)
        self.live.discard(conv.id)
        for oid in [o for o, i in self.offers.items() if i == conv.id]:
            del self.offers[oid]
        self.journal.append(
            "interaction.closed", conv.id, {"medium": conv.medium, "reason": reason}, now
        )

    def _get(self, iid: str) -> Conversation:
        conv = self.messages.get(iid)
        if conv is None:
            raise DigitalError(f"unknown interaction {iid!r}")
        return conv
