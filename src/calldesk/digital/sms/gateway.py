"""The SMS medium: inbound messages through keyword rules into the desk; outbound sends (the
desk's Transport for `sms`) checked against the opt-out list and quiet hours."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from calldesk.digital.desk import DigitalDesk
from calldesk.digital.model import Conversation, Message
from calldesk.digital.sms.rules import QuietHours, keyword, normalize
from calldesk.store import Store

log = logging.getLogger("calldesk.digital.sms")

HELP_REPLY = "Example support: reply to this number to reach us. Reply STOP to opt out."
STOP_REPLY = "You are unsubscribed and will get no more messages. Reply START to opt back in."
START_REPLY = "You are subscribed again. Reply STOP to opt out."


class SmsLink(Protocol):
    """One adapter (HTTP provider or SMPP): sends one message, returns the provider's id."""

    def submit(self, to: str, sender: str, text: str) -> str: ...


class SmsRefused(Exception):
    """A send the rules forbid (opted out, quiet hours): the message is marked failed."""


class OptOuts:
    def __init__(self, store: Store) -> None:
        self.db = store.db

    def add(self, number: str, word: str, at: float) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO sms_optout (number, at, keyword) VALUES (?, ?, ?)",
            [number, at, word],
        )

    def remove(self, number: str) -> None:
        self.db.execute("DELETE FROM sms_optout WHERE number = ?", [number])

    def __contains__(self, number: object) -> bool:
        row = self.db.execute("SELECT 1 FROM sms_optout WHERE number = ?", [number]).fetchone()
        return row is not None


@dataclass
class SmsSettings:
    sender: str  # our number (E.164) or short code
    region: str = "US"  # how numbers without a country code are read
    quiet: QuietHours = QuietHours()
    help_reply: str = HELP_REPLY
    stop_reply: str = STOP_REPLY
    start_reply: str = START_REPLY


class SmsGateway:
    def __init__(
        self, desk: DigitalDesk, link: SmsLink, settings: SmsSettings, clock: Callable[[], float]
    ) -> None:
        self.desk, self.link, self.settings, self.clock = desk, link, settings, clock
        self.optouts = OptOuts(desk.store)

    # -- inbound ---------------------------------------------------------------------------
    def inbound(self, sender: str, text: str, provider_id: str = "") -> str:
        """One inbound SMS (already authenticated by its adapter): a keyword is handled here
        and never reaches a flow; anything else joins the sender's conversation. Returns what
        was done: 'stop', 'start', 'help' or the interaction id."""
        number = normalize(sender, self.settings.region)
        now = self.clock()
        word = keyword(text)
        if word == "stop":
            self.optouts.add(number, text.strip().upper(), now)
            self.desk.journal.append("sms.opt_out", number, {"keyword": text.strip()[:20]}, now)
            self._direct(number, self.settings.stop_reply)  # the one message after STOP
            for conv in self.desk.messages.open_conversations():
                if conv.medium == "sms" and conv.address == number:
                    self.desk.close(conv.id, "opted_out")
            return "stop"
        if word == "start":
            self.optouts.remove(number)
            self.desk.journal.append("sms.opt_in", number, {}, now)
            self._direct(number, self.settings.start_reply)
            return "start"
        if word == "help":
            self._direct(number, self.settings.help_reply)
            return "help"
        conv, _ = self.desk.receive(
            "sms", number, text, external_id=f"sms:{provider_id}" if provider_id else ""
        )
        return conv.id

    def _direct(self, number: str, text: str) -> None:
        try:
            self.link.submit(number, self.settings.sender, text)
        except Exception as exc:
            log.warning("sms: automatic reply to %s failed: %s", number, exc)

    # -- outbound (the desk's Transport) ---------------------------------------------------
    def refusal(self, number: str, proactive: bool, now: float) -> str | None:
        if number in self.optouts:
            return "opted out"
        if proactive and self.settings.quiet.quiet(number, now):
            return "quiet hours at the recipient"
        return None

    def send(self, conv: Conversation, msg: Message) -> str:
        # A reply while the customer is in the conversation is expected; anything else
        # (reminders, surveys, notifications: author 'system') waits for daytime.
        proactive = msg.author == "system"
        why = self.refusal(conv.address, proactive, self.clock())
        if why:
            log.info("sms to %s not sent: %s", conv.address, why)
            raise SmsRefused(why)
        return self.link.submit(conv.address, self.settings.sender, msg.text)

    def receipt(self, provider_id: str, status: str) -> bool:
        return self.desk.receipt(provider_id, status)
