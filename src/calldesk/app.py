"""Composition root: builds the store, the switches, the engine, its adapters and the services,
and wires every subscription. No logic: each behaviour lives in the module named here.

How events flow (every subscription is made below, none in a constructor):
- switch events -> each connection's leg tracker (`Switchboard`), which tells its subscribers:
  the leg journal, the intake (who owns a parked leg: the IVR, desk calls, ...), the voice
  adapter's leg watch, supervision, the recorder (and its bridge policy), the trunks' dialer and
  desk calls;
- each connection's inline handlers: the IVR's leg router (DTMF, completions to the running
  flow); resync listeners: the recorder (adopt or verify unfinished recordings), the IVR
  (resume runs) and the voice adapter (reconcile);
- the IVR's `enqueue` step -> the engine (inbox -> pure ACD core -> decisions) -> the voice
  adapter (originate, bridge, MOH) -> results back into the engine;
- every journal append (and, through `notify.tail`, other processes' appends) -> the notifier
  -> push, webhooks, live views;
- chat, SMS, email (`wire_digital`, when calldesk.yaml has `digital:`): the media's adapters ->
  the DigitalDesk (stored, threaded) -> the same flows as text -> the same engine; the desk and
  the web chat gateway follow the journal through the notifier;
- outbound campaigns (`build_runner`, when calldesk.yaml has trunks and `campaigns:`): a loop per
  campaign reads the journal (agents' states, answers connected) and paces through the trunks'
  dialer; each switch's events -> the dialer's leg ports (mod_avmd's beep for its AMD).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gevent

from calldesk.acd import Acd
from calldesk.auth import Directory
from calldesk.config import Config
from calldesk.control import ControlBus
from calldesk.customers.contexts import SqliteContexts
from calldesk.customers.follow import Follower
from calldesk.customers.screenpop import assemble
from calldesk.customers.service import CustomerService
from calldesk.customers.settings import Settings as CustomerSettings
from calldesk.deskcalls import DeskCalls
from calldesk.deskcalls.service import desk_lines
from calldesk.dialer.wiring import build_runner
from calldesk.digital.system import DigitalSystem, build_digital, check_flows
from calldesk.dispatch.controls import build_acd, register_controls
from calldesk.engine import DispatchSettings, Engine
from calldesk.esl.connection import SwitchConnection, SwitchSettings
from calldesk.featurecodes import FeatureCodes
from calldesk.interactions import Interactions
from calldesk.ivr.handover import FlowHandover
from calldesk.ivr.service import IvrService
from calldesk.ivr.wiring import IvrSystem, build_ivr, parks_by_switch
from calldesk.notify import Notifier, tail
from calldesk.recording.bridge import RecordAtBridge
from calldesk.recording.paths import PathTemplate
from calldesk.recording.policy import PolicySet
from calldesk.recording.recorder import Recorder
from calldesk.service import build_services
from calldesk.service.campaigns import CampaignsService, register_campaign_controls
from calldesk.store import Store
from calldesk.store.batch import BatchWriter
from calldesk.store.checkpoint import Checkpointer
from calldesk.store.journal import Entry
from calldesk.store.tx import GROUP_LINGER_S, GroupCommit
from calldesk.supervision.acd_actions import SupervisorActions
from calldesk.supervision.controls import register_supervision_controls
from calldesk.supervision.service import SupervisionService
from calldesk.supervision.settings import Settings as SupervisionSettings
from calldesk.telephony.admission import Admission
from calldesk.telephony.intake import Intake
from calldesk.telephony.journal import LegJournal
from calldesk.telephony.legs import event_time
from calldesk.telephony.shed import Shed
from calldesk.telephony.switchboard import Switchboard
from calldesk.trunks.config import parse_trunks
from calldesk.trunks.dialer import OutboundDialer
from calldesk.trunks.policy import parse_outbound
from calldesk.voice import OverflowHook, VoiceAdapter


@dataclass
class Controller:
    config: Config
    store: Store
    board: Switchboard
    acd: Engine  # the engine: inbox, pure core, persistence (its `.acd` is the core)
    voice: VoiceAdapter
    ivr: IvrSystem
    recorder: Recorder
    supervision: SupervisionService
    bus: ControlBus
    desk_calls: DeskCalls
    notifier: Notifier
    interactions: Interactions
    intake: Intake
    services: Any = None  # calldesk.service.Services
    feature_codes: FeatureCodes | None = None  # agents' phone codes (*41 log in ...)
    digital: DigitalSystem | None = None  # chat, SMS, email (`digital:` in calldesk.yaml)
    leg_rows: BatchWriter | None = None  # the leg journal's rows, committed in batches
    admission: Admission | None = None  # new callers shed while the controller is behind
    group_commit: GroupCommit | None = None  # hot-path writes committed once per loop tick
    checkpointer: Checkpointer | None = None  # WAL checkpoints in a thread, off the loop
    campaigns: Any = None  # calldesk.dialer.runner.CampaignRunner, when campaigns are configured
    greenlets: list[gevent.Greenlet] = field(default_factory=list)

    @property
    def call_control(self) -> Any:
        """Voice operations (hold, transfer, consult, 3-way): the service API's call control."""
        return self.services.call_control if self.services is not None else None

    def start(self, wait: float = 10.0) -> dict[str, bool]:
        """Repair recordings (those of a switch are judged at its resync), connect the switches
        (resync first), then start the services."""
        self.recorder.startup()
        if self.checkpointer is not None:
            self.checkpointer.start()
        if self.leg_rows is not None:
            self.leg_rows.start()
        ready = self.board.start(wait=wait)
        self.acd.start()
        self.ivr.start()
        self.supervision.load_active()
        if self.digital is not None:
            self.digital.start()
        self.greenlets.append(gevent.spawn(self.bus.run))
        self.greenlets.append(gevent.spawn(tail, self.notifier))  # others' journal entries, live
        if self.campaigns is not None:
            self.campaigns.start()
        return ready

    def stop(self) -> None:
        if self.campaigns is not None:
            self.campaigns.stop()  # no new attempts; calls up are left to the switch
        for g in self.greenlets:
            g.kill(block=False)
        if self.digital is not None:
            self.digital.stop()
        self.ivr.stop()
        self.acd.stop()
        self.board.stop()
        if self.leg_rows is not None:
            self.leg_rows.stop()  # commits every queued row before the store closes
        if self.group_commit is not None:
            self.group_commit.close()
        if self.checkpointer is not None:
            self.checkpointer.stop()
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
            custom_events=("avmd::beep",),  # the dialer's AMD hears mod_avmd's beep
        )
        for sw in config["switches"]
    ]


def wire_voice(
    engine: Engine,
    board: Switchboard,
    *,
    on_overflow: OverflowHook | None = None,
    dial: Callable[..., Any] | None = None,
    interactions: Interactions | None = None,
) -> VoiceAdapter:
    """The engine's voice adapter, registered, and its subscriptions to the switches."""
    voice = VoiceAdapter(engine, board, on_overflow=on_overflow, dial=dial,
                         interactions=interactions)
    engine.add_adapter("voice", voice)
    board.tracker.subscribe(voice.watch.on_leg)
    for conn in board.switches.values():
        conn.add_resync_listener(voice.on_resync)
    return voice


def wire_ivr(board: Switchboard, intake: Intake, services: Mapping[str, IvrService]) -> None:
    """The IVR owns the customer legs the intake gives it; each service's leg router hears its
    switch's events inline, and its resync listener resumes saved runs."""
    intake.own("ivr", parks_by_switch(services))
    for name, service in services.items():
        board.switches[name].add_handler(service.router.on_event, inline=True)
        board.switches[name].add_resync_listener(service.on_resync)


def wire_acd(
    acd: Acd,
    board: Switchboard,
    store: Store,
    clock: Callable[[], float],
    settings: DispatchSettings | None = None,
    **voice: Any,
) -> tuple[Engine, VoiceAdapter]:
    """An engine with its voice adapter (tests, benchmarks); `voice`: `wire_voice`'s options."""
    engine = Engine(acd, store, clock, settings)
    return engine, wire_voice(engine, board, **voice)


def wire_digital(notifier: Notifier, digital: DigitalSystem) -> DigitalSystem:
    """Chat, SMS and email (`calldesk.digital.system.build_digital`): the desk follows the ACD
    through the journal, and the chat gateway tells the visitor's widget."""
    notifier.subscribe(digital.desk.on_journal)  # offered, answered, requeued, ended
    notifier.subscribe(digital.chat.on_journal)  # receipts and state to the visitor's widget
    return digital


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
    notifier.follow(store.journal)  # and what other processes (the CLI) append: see `start`
    # Hot-path writes (IVR runs, interactions, customers, leg rows, the engine's batches) share
    # one commit, `GROUP_LINGER_S` after the first of them at most (store.tx).
    checkpointer = Checkpointer(store.db.conn, store.path)  # started with the controller
    # Right after a group commit, the checkpointer may let the WAL start over (store.checkpoint).
    group_commit = GroupCommit(store.db.conn, gevent.spawn, later=gevent.spawn_later,
                               linger_s=GROUP_LINGER_S, on_commit=checkpointer.after_commit)
    interactions = Interactions(store.db)
    board = Switchboard([SwitchConnection(s) for s in (switches or switch_settings(config))])
    tracker = board.tracker
    # The leg journal's rows are queued by the reader and committed in batches off it.
    leg_rows = BatchWriter(store.journal, defer=True)
    tracker.subscribe(LegJournal(leg_rows).on_leg)
    settings = dispatch or DispatchSettings(time_scale=time_scale)
    # New callers are shed (busy) while the controller reads the switches' events too late.
    admission = Admission.from_config(config["intake"], settings.time_scale)

    def admit(leg: Any, event: Any) -> bool:
        taken = admission.admit(event_time(event), clock())
        board.switches[leg.switch].pace(admission.behind)  # late events: intake comes first
        return taken

    intake = Intake(admit=admit)
    tracker.subscribe(intake.on_leg)
    shed = Shed(board, leg_rows, prompt=config["intake"]["busy_prompt"],
                lag=lambda: admission.lag_s / settings.time_scale)
    intake.own("shed", shed.on_park)

    dialer = None  # outbound calls (callbacks, external transfers) go through trunks if any
    trunks: tuple[Any, ...] = ()
    if check_trunks and config["trunks"]:
        policy = parse_outbound(config["outbound"], config.source)
        trunks = parse_trunks(
            config["trunks"], env=os.environ, home_country=policy.home_country,
            source=config.source,
        )
        dialer = OutboundDialer.build(
            trunks, policy, board, store.journal, clock, settings.time_scale
        )
        tracker.subscribe(dialer.on_leg)

    recorder = Recorder(
        board,
        store,
        config.path("recordings.dir"),
        PolicySet.from_config(config["recordings"].get("policies")),
        PathTemplate(config["recordings"]["template"]),
        clock=clock,
    )
    tracker.subscribe(recorder.on_leg)
    record_at_bridge = RecordAtBridge(board, recorder)
    tracker.subscribe(record_at_bridge.on_leg)
    for conn in board.switches.values():  # after the tracker's: recordings judged by live legs
        conn.add_resync_listener(recorder.on_resync)

    # Customers: every arrival is attached to the customer its identities name (off the engine's
    # worker), and each screen pop carries that customer's context and last contacts.
    country = CustomerSettings.from_config(config["customers"]).country
    if contexts is None:  # what flows learn about a caller, in SQLite: it survives a restart
        contexts = SqliteContexts(store, clock, country=country)
    customers = CustomerService(store, CustomerSettings.from_config(config["customers"]))
    follower = Follower(customers)

    def follow(e: Entry) -> None:
        if e.kind == "interaction.arrived":
            gevent.spawn(follower.on_entry, e)

    notifier.subscribe(follow)
    pop_context = None
    if isinstance(contexts, SqliteContexts):
        sqlite_contexts = contexts

        def pop_context(iid: str) -> dict[str, Any]:
            return assemble(customers, sqlite_contexts, iid)

    acd = build_acd(config.data)
    engine = Engine(acd, store, clock, settings, enrich_pop=pop_context)
    ivr = build_ivr(config, store, board, engine, contexts=contexts, recorder=recorder,
                    clock=clock, dialer=dialer, interactions=interactions)
    wire_ivr(board, intake, ivr.services)
    if check_trunks:
        ivr.library.poll()
        parse_trunks(
            config["trunks"], env=os.environ, known_flows=ivr.library.names(), source=config.source
        )

    directory = Directory.from_config(config["users"], config["teams"])
    actions = SupervisorActions(engine, directory, store.journal, clock=clock)
    supervision = SupervisionService(
        board,
        store,
        directory,
        SupervisionSettings.from_config(config.data.get("supervision")),
        clock=clock,
        on_agent_released=actions.release_agent,
    )
    tracker.subscribe(supervision.on_leg)
    desk_calls = DeskCalls(
        board, store, lambda: desk_lines(engine.view), directory, supervision=supervision,
        dialer=dialer, clock=clock, time_scale=settings.time_scale,
    )
    intake.own("desk", desk_calls.on_park)
    tracker.subscribe(desk_calls.on_leg)
    feature_codes = FeatureCodes(board, engine, store.journal, clock=clock)
    intake.own("feature", feature_codes.on_park)
    # Last, as before the redesign: the ACD hears of a leg after every other listener.
    voice = wire_voice(
        engine, board, on_overflow=FlowHandover(board, ivr, config["flows"]["voicemail"]),
        dial=dialer.dial if dialer is not None else None, interactions=interactions,
    )

    # A bridge a restart missed: the policy runs once the resync's legs have their roles.
    voice.learned.subscribe(record_at_bridge.after_resync)

    bus = ControlBus(store, clock)
    controller = Controller(config, store, board, engine, voice, ivr, recorder, supervision, bus,
                            desk_calls, notifier, interactions, intake, feature_codes=feature_codes,
                            leg_rows=leg_rows, admission=admission, group_commit=group_commit,
                            checkpointer=checkpointer)
    # The service API (role-checked operations, live views, call control); the store inbox is
    # one adapter of it, the HTTP API (calldesk.web, started by `serve`) another.
    if config.data.get("digital"):  # the same flows as text, on the same engine
        digital = build_digital(config["digital"], store, engine, ivr.library, ivr.runner, clock,
                                os.environ, runs=ivr.runs)
        if check_trunks:  # the flows were loaded above
            check_flows(digital.settings, ivr.library.names())
        controller.digital = wire_digital(notifier, digital)
    # Outbound campaigns: a loop per campaign, started and stopped with the controller; each
    # follows the journal (agents' states, answers taken) and paces through the trunks' dialer.
    controller.campaigns = build_runner(
        config, store=store, trunks=trunks, dialer=dialer, board=board, ivr=ivr, engine=engine,
        clock=clock, time_scale=settings.time_scale,
    )
    if controller.campaigns is not None:  # mod_avmd's beep, for the dialer's AMD
        for conn in board.switches.values():
            # Inline: it only sets a flag; in a lane it cost a greenlet for every event.
            conn.add_handler(controller.campaigns.legs.on_event, inline=True)
    controller.services = build_services(controller, dialer=dialer)
    controller.services.campaigns = CampaignsService(controller.services.access,
                                                     controller.campaigns)
    register_controls(bus, controller.services)
    register_campaign_controls(bus, controller.services)
    register_supervision_controls(bus, controller.services)
    return controller
