"""Builds the digital media for `calldesk serve` (and the demo) from the `digital:` section: the
DigitalDesk over the controller's store, engine, flow library and runner; the web chat hub and
gateway (visitor tokens signed with the store's own key); the
SMS gateway with its link (HTTP provider or SMPP) and the provider's webhook blueprint; the
email gateway with its IMAP reader. `DigitalSystem.start/stop` start and stop the links, the
mailbox reader and the idle sweep. Subscriptions are the composition root's (`app.wire_digital`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gevent
from flask import Blueprint

from calldesk.digital.chat.gateway import ChatGateway, ChatSettings
from calldesk.digital.chat.hub import ChatHub
from calldesk.digital.chat.invite import Outlook
from calldesk.digital.chat.tokens import VisitorTokens, store_secret
from calldesk.digital.desk import DigitalDesk
from calldesk.digital.email.gateway import EmailGateway
from calldesk.digital.email.imap import MailboxReader
from calldesk.digital.settings import DigitalSettings, load_digital
from calldesk.digital.sms.gateway import SmsGateway
from calldesk.digital.sms.provider import HttpProviderLink, webhook_blueprint
from calldesk.digital.sms.smpp import SmppLink
from calldesk.digital.transport import Transport
from calldesk.digital.wiring import build_email, build_sms
from calldesk.errors import ConfigError
from calldesk.ivr.runner import FlowSource, Runner
from calldesk.store import Store

log = logging.getLogger(__name__)

SWEEP_S = 10.0  # how often the idle policy looks at the conversations


@dataclass
class DigitalSystem:
    desk: DigitalDesk
    hub: ChatHub
    chat: ChatGateway  # the public chat endpoint's logic (`calldesk.web.chat`)
    settings: DigitalSettings
    sms: SmsGateway | None = None
    sms_link: Any = None  # HttpProviderLink or SmppLink
    sms_webhook: Blueprint | None = None
    email: EmailGateway | None = None
    mailbox: MailboxReader | None = None
    sweep_s: float = SWEEP_S
    runs: Any = None  # calldesk.ivr.persist.RunStore: the flows' saved runs
    greenlets: list[gevent.Greenlet] = field(default_factory=list)

    def start(self) -> None:
        """Resume the flows a restart interrupted, start the SMPP link, the mailbox reader and
        the idle sweep."""
        runs = self.runs
        if runs is not None:
            self.desk.resume_bots(lambda i: runs.load(i) if runs.status(i) == "active" else None)
        if isinstance(self.sms_link, SmppLink):
            self.sms_link.start()
        if self.mailbox is not None:
            self.mailbox.start()
        self.greenlets.append(gevent.spawn(self._sweep))

    def stop(self) -> None:
        gevent.killall(self.greenlets)
        self.greenlets.clear()
        if isinstance(self.sms_link, SmppLink):
            self.sms_link.stop()
        if self.mailbox is not None:
            self.mailbox.stop()
        self.desk.stop()

    def _sweep(self) -> None:
        while True:
            gevent.sleep(self.sweep_s)
            try:
                self.desk.sweep()
            except Exception:
                log.exception("digital: the idle sweep failed; next round in %.0f s", self.sweep_s)


def chat_outlook(engine: Any, chat: ChatSettings) -> Callable[[str], Outlook] | None:
    """What the invitation rules ask of a queue: chat agents free now and the predicted wait,
    from the engine's read-only view. An invitation naming an unknown queue is refused."""
    view = getattr(engine, "view", None)
    if not chat.invitations or view is None:
        return None
    known = set(view.queue_names())
    for i, rule in enumerate(chat.invitations):
        if rule.queue not in known:
            raise ConfigError(
                f"digital.chat.invitations[{i}].queue", f"unknown queue {rule.queue!r}"
            )

    def outlook(queue: str) -> Outlook:
        return Outlook(*view.outlook(queue, "chat"))

    return outlook


def check_flows(settings: DigitalSettings, known: Iterable[str]) -> None:
    """Each medium's flow is a loaded flow (`digital.flows.<medium>: no flow named ...`)."""
    names = set(known)
    for medium, name in settings.flows.items():
        if name not in names:
            raise ConfigError(
                f"digital.flows.{medium}",
                f"no flow named {name!r} (loaded: {', '.join(sorted(names)) or 'none'})",
            )


def build_digital(
    data: Mapping[str, Any],
    store: Store,
    engine: Any,
    flows: FlowSource,
    runner: Runner,
    clock: Callable[[], float],
    env: Mapping[str, str],
    *,
    settings: DigitalSettings | None = None,
    transports: Mapping[str, Transport] | None = None,
    runs: Any = None,
) -> DigitalSystem:
    """`data`: the `digital:` section (checked; a refusal names its key). `transports`
    replaces the media's own (the demo's in-process customers); `runs` (the IVR's RunStore)
    lets flows interrupted by a restart go on."""
    settings = settings or load_digital(data)
    hub = ChatHub()
    desk = DigitalDesk(store, engine, flows, runner, {"chat": hub}, clock, settings)
    adapters = settings.adapters
    chat = ChatSettings.load(adapters.get("chat"))
    gateway = ChatGateway(
        desk,
        hub,
        VisitorTokens(store_secret(store), chat.token_ttl_s),
        clock,
        chat,
        attachments=chat.attachments.store(),
        outlook=chat_outlook(engine, chat),
    )
    system = DigitalSystem(desk, hub, gateway, settings, runs=runs)
    if "sms" in adapters:
        system.sms, system.sms_link = build_sms(adapters["sms"], desk, clock, env)
        desk.transports["sms"] = system.sms
        if isinstance(system.sms_link, HttpProviderLink):
            public = str(adapters["sms"]["provider"]["public_url"])
            system.sms_webhook = webhook_blueprint(system.sms, system.sms_link.token, public)
    if "email" in adapters:
        system.email, system.mailbox = build_email(adapters["email"], desk, clock, env)
        desk.transports["email"] = system.email
    if transports:
        desk.transports.update(transports)
    return system
