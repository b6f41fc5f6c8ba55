"""Composition root: builds the store, the switches and the services, and wires them. No logic.

Call path: a parked inbound leg starts its flow (IVR) -> the `enqueue` step hands it to the ACD
service -> offers ring agents and bridge -> the recorder applies its policy at the bridge ->
hangup, wrap-up, available. Supervisors and the CLI reach the running controller through the
control channel in the store.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent

from calldesk.auth import Directory
from calldesk.config import Config
from calldesk.control import ControlBus
from calldesk.deskcalls import DeskCalls, Line
from calldesk.dispatch.controls import build_acd, register_controls
from calldesk.dispatch.service import AcdService
from calldesk.dispatch.settings import DispatchSettings
from calldesk.errors import ESLError
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.ivr.wiring import IvrSystem, build_ivr
from calldesk.notify import Notifier
from calldesk.recording.paths import PathTemplate
from calldesk.recording.policy import PolicySet
from calldesk.recording.recorder import Recorder
from calldesk.service import build_services
from calldesk.store import Store
from calldesk.supervision.acd_actions import SupervisorActions
from calldesk.supervision.controls import register_supervision_controls
from calldesk.supervision.service import SupervisionService
from calldesk.supervision.settings import Settings as SupervisionSettings
from calldesk.telephony.legs import Leg, event_time
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks.config import parse_trunks
from calldesk.trunks.dialer import OutboundDialer
from calldesk.trunks.policy import parse_outbound

log = logging.getLogger(__name__)

LEG_JOURNAL = ("CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE")


@dataclass
class Controller:
    config: Config
    store: Store
    board: Switchboard
    acd: AcdService
    ivr: IvrSystem
    recorder: Recorder
    supervision: SupervisionService
    bus: ControlBus
    desk_calls: DeskCalls | None = None
    notifier: Notifier = field(default_factory=Notifier)
    services: Any = None  # calldesk.service.Services
    greenlets: list[gevent.Greenlet] = field(default_factory=list)

    def start(self, wait: float = 10.0) -> dict[str, bool]:
        """Repair recordings, connect the switches (resync first), then start the services."""
        self.recorder.startup()
        ready = self.board.start(wait=wait)
        self.acd.start()
        self.ivr.start()
        self.supervision.load_active()
        self.greenlets.append(gevent.spawn(self.bus.run))
        return ready

    def stop(self) -> None:
        for g in self.greenlets:
            g.kill(block=False)
        self.ivr.stop()
        self.acd.stop()
        self.board.stop()
        self.store.close()


def switch_settings(config: Config) -> list[SwitchSettings]:
    return [
        SwitchSettings(
            name=sw["name"],
            host=sw["host"],
            port=sw["port"],
            password=sw["password"],
            command_timeout=sw["command_timeout"],
            connect_timeout=sw["connect_timeout"],
        )
        for sw in config["switches"]
    ]


def build(
    config: Config,
    *,
    store: Store | None = None,
    switches: list[SwitchSettings] | None = None,
    clock: Callable[[], float] = time.time,
    time_scale: float = 1.0,
    dispatch: DispatchSettings | None = None,
    contexts: Any = None,
    check_trunks: bool = True,
) -> Controller:
    """Everything `calldesk serve` runs. `clock`/`time_scale` let the demo run in simulated time.
    Bad configuration (unknown queue or skill, an agent with no contact, a trunk without its
    credentials, a DID mapped to no loaded flow) raises ConfigError naming the key."""
    store = store or Store.open(config.path("store.path"))
    notifier = Notifier()  # every journal append, published with its sequence number
    store.journal.notifier = notifier
    board = Switchboard([SwitchConnection(s) for s in (switches or switch_settings(config))])
    board.tracker.subscribe(lambda leg, event: _journal_leg(store, leg, event))
    settings = dispatch or DispatchSettings(time_scale=time_scale)
    dialer = None  # outbound calls (callbacks, external transfers) go through trunks if any
    if check_trunks and config["trunks"]:
        policy = parse_outbound(config["outbound"], config.source)
        trunks = parse_trunks(config["trunks"], env=os.environ, home_country=policy.home_country,
                              source=config.source)  # fmt: skip
        dialer = OutboundDialer.build(
            trunks, policy, board, store.journal, clock, settings.time_scale
        )
    dial = dialer.dial if dialer is not None else None
    acd = AcdService(build_acd(config.data), board, store, clock, settings, dial=dial)
    recorder = Recorder(
        board,
        store,
        config.path("recordings.dir"),
        PolicySet.from_config(config["recordings"].get("policies")),
        PathTemplate(config["recordings"]["template"]),
        clock=clock,
    )
    # Tracker listeners run in the reader greenlet: anything that talks to a switch is spawned.
    board.tracker.subscribe(
        lambda leg, event: (
            event.name == "CHANNEL_BRIDGE"
            and gevent.spawn(_record_at_bridge, board, recorder, leg, event)
        )
    )
    ivr = build_ivr(config, store, board, acd, contexts=contexts, recorder=recorder, clock=clock,
                    dialer=dialer)  # fmt: skip
    if check_trunks:
        ivr.library.poll()
        parse_trunks(
            config["trunks"], env=os.environ, known_flows=ivr.library.names(), source=config.source
        )
    acd.on_overflow = _overflow_to_flow(board, ivr, config["flows"]["voicemail"])
    directory = Directory.from_config(config["users"], config["teams"])
    actions = SupervisorActions(acd, directory, store.journal, clock=clock)
    supervision = SupervisionService(
        board,
        store,
        directory,
        SupervisionSettings.from_config(config.data.get("supervision")),
        clock=clock,
        on_agent_released=actions.release_agent,
    )
    desk_calls = DeskCalls(board, store, lambda: _lines(acd), directory, supervision=supervision,
                           dialer=dialer, clock=clock, time_scale=settings.time_scale)  # fmt: skip
    bus = ControlBus(store, clock)
    controller = Controller(
        config, store, board, acd, ivr, recorder, supervision, bus, desk_calls, notifier
    )
    # The service API (role-checked operations and live views); the store inbox adapts to it.
    controller.services = build_services(controller)
    register_controls(bus, controller.services)
    register_supervision_controls(bus, controller.services)
    return controller


def _overflow_to_flow(board: Switchboard, ivr: IvrSystem, voicemail: str) -> Any:
    """A `voicemail` or `flow` overflow (or breakout key) runs a calldesk flow on the caller's
    leg: its target, or for voicemail without one the `flows.voicemail` flow. Any other target
    is left to the dispatcher (a FreeSWITCH extension in `voicemail_context`)."""

    def take(d: Any, caller: Any) -> bool:
        if caller is None or d.kind not in ("voicemail", "flow"):
            return False
        name = d.target or (voicemail if d.kind == "voicemail" else "")
        flow = ivr.library.current(name) if name else None
        service = ivr.services.get(caller.switch)
        if flow is None or service is None:
            return False
        if caller.uuid in service.active:
            return False
        leg = board.tracker.get(caller.uuid)
        who = {"id": leg.caller_number, "name": leg.caller_name} if leg else {}
        gevent.spawn(_hand_over, board, service, caller, flow, who, {"overflow": d.kind})
        return True

    return take


def _hand_over(board: Switchboard, service: Any, caller: Any, flow: Any, who: dict,
               variables: dict) -> None:  # fmt: skip
    """Stop the queue's music first, so the flow's prompts neither wait behind it nor play
    nested inside it; then run the flow."""
    try:
        board.switches[caller.switch].api("uuid_break", caller.uuid, "all", check=False)
    except ESLError as exc:
        log.info("uuid_break before %s on %s failed: %s", flow.name, caller.uuid, exc)
    if not service.run_flow(caller.uuid, flow, who, variables):
        log.warning("%s: a flow already runs on this leg; %s not started", caller.uuid, flow.name)


def _lines(acd: AcdService) -> dict[str, Line]:
    """Agents' phones for desk calls; read from the core's own greenlet-safe state."""
    return {a.id: Line(a.cfg.contact, bool(a.active or a.offers or a.direct))
            for a in acd.acd.agents.values()}  # fmt: skip


def _journal_leg(store: Store, leg: Leg, event: Any) -> None:
    if event.name in LEG_JOURNAL:
        data = {"switch": leg.switch, "direction": leg.direction, "caller": leg.caller_number,
                "destination": leg.destination, "cause": leg.hangup_cause, "bridged_to": leg.bridged_to}  # fmt: skip
        store.journal.append("leg." + event.name[8:].lower(), leg.uuid, data, at=event_time(event))


def _record_at_bridge(board: Switchboard, recorder: Recorder, leg: Leg, event: Any) -> None:
    """CHANNEL_BRIDGE fires on the customer leg (the first uuid of uuid_bridge)."""
    if event.name != "CHANNEL_BRIDGE" or not leg.bridged_to:
        return
    agent_leg = board.tracker.legs.get(leg.bridged_to)
    if agent_leg is None or agent_leg.variables.get("calldesk_role") != "agent":
        return
    v = agent_leg.variables
    interaction = v.get("calldesk_interaction") or leg.uuid
    try:
        recorder.on_bridge(interaction, leg.uuid, agent_leg.uuid, queue=v.get("calldesk_queue"),
                           agent=v.get("calldesk_agent"))  # fmt: skip
    except ESLError as exc:  # e.g. the caller hung up as the bridge came up
        log.warning("recording not started for %s: %s", interaction, exc)
    except Exception:  # a recording failure must never touch the call
        log.exception("recording policy at bridge failed for %s", interaction)
