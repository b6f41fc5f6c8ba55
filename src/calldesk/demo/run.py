"""The demo: the simulated switch, the real controller over ESL/TCP, simulated callers and agents.

Callers dial a DID, go through the flow (DTMF scripts), wait in queue with a patience, talk for
a while once bridged and hang up. Agents' phones answer after a moment; wrap-up and readiness
are the ACD's. At the end every caller is accounted for, both as the callers saw it and as the
journal says; `lost` counts interactions the two cannot place, and must be 0.
"""

from __future__ import annotations

import copy
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent

from calldesk import gctune
from calldesk.app import Controller, build
from calldesk.config import Config
from calldesk.demo.figures import journal_figures, recordings_figures, supervision_figures
from calldesk.demo.pace import Pace
from calldesk.demo.population import AgentPlan, CallerPlan, plan_agents, plan_callers
from calldesk.errors import ConfigError
from calldesk.esl.connection import SwitchSettings
from calldesk.sim import PhoneBehavior, SimSwitch
from calldesk.store import Store

DEMO_DID = "5550000"  # bound by ivrflows/hello.yaml


@dataclass
class CallerOutcome:
    plan: CallerPlan
    uuid: str = ""
    iid: str | None = None
    outcome: str = "pending"  # answered, abandoned, overflowed, ivr, pending
    enqueued_at: float | None = None
    queue: str = ""
    wait_s: float | None = None


@dataclass
class DemoRun:
    controller: Controller
    sim: SimSwitch
    callers: list[CallerOutcome] = field(default_factory=list)
    agents: list[AgentPlan] = field(default_factory=list)
    supervised: list[str] = field(default_factory=list)
    workers: list[gevent.Greenlet] = field(default_factory=list)
    pace: Pace | None = None
    timed_out: bool = False
    started_s: float = 0.0  # the sim clock when the callers' plans start counting

    def stop(self) -> None:
        if self.pace is not None:
            self.pace.stop()
        gevent.killall(self.workers)
        self.controller.stop()
        self.sim.stop()


def demo_config(config: Config, agents: int, workdir: Path) -> Config:
    """The configured site, with `agents` agents (extra ones join every queue), its store and
    recordings kept in `workdir`, and no overload shedding."""
    data = copy.deepcopy(config.data)
    data["recordings"] = {**data["recordings"], "dir": str(workdir / "recordings")}
    data["store"] = {"path": str(workdir / "calldesk.sqlite")}
    configured = list(data.get("agents") or [])
    queues = [q["name"] for q in data.get("queues") or []]
    chosen = configured[:agents]
    for i in range(len(chosen), agents):
        chosen.append(
            {
                "id": f"agent{i + 1:02d}",
                "contact": f"user/{2001 + i}",
                "queues": queues,
                "skills": {q: 3 for q in queues},
            }
        )
    data["agents"] = chosen
    data["switches"] = []
    # No overload shedding in the demo: its time scale multiplies the load, and a machine that
    # cannot keep up is reported by the pace check (`pace.fell_behind`), not by busy callers.
    data["intake"] = {**data.get("intake", {}), "shed_lag_s": 0.0}
    teams = data.get("teams") or []
    if teams:  # extra agents join the first team, so its supervisors may steer them too
        first = dict(teams[0])
        first["agents"] = sorted({*first.get("agents", []), *(a["id"] for a in chosen)})
        data["teams"] = [first, *teams[1:]]
    return Config(data, config.source, config.base_dir)


def start_demo(
    config: Config,
    *,
    calls: int,
    agents: int,
    time_scale: float,
    seed: int,
    workdir: Path | None = None,
    calls_per_minute: float | None = None,
) -> DemoRun:
    workdir = Path(workdir or tempfile.mkdtemp(prefix="calldesk-demo-"))
    config = demo_config(config, agents, workdir)
    password = secrets.token_urlsafe(18)
    sim = SimSwitch(  # nothing reads its event history: keep none
        password=password, time_scale=time_scale, recordings_dir=workdir / "recordings", history=0
    )
    sim.dialplan.add_did(DEMO_DID)
    sim.start()
    store = Store.open(workdir / "calldesk.sqlite")
    controller = build(
        config,
        store=store,
        switches=[SwitchSettings("sim", "127.0.0.1", sim.port, password, command_timeout=5.0)],
        clock=sim.clock.epoch,
        time_scale=time_scale,
        check_trunks=False,  # the simulated switch has no trunks; DIDs come from the flows
    )
    if not all(controller.start(wait=10).values()):
        raise RuntimeError("the controller could not connect to the simulated switch")
    if controller.ivr.library.for_number(DEMO_DID) is None:  # every caller would be lost
        controller.stop()
        sim.stop()
        raise ConfigError(
            "flows.dir",
            f"no flow in {config.path('flows.dir').resolve()} binds the demo's number {DEMO_DID}: run the "
            "demo from the project folder (its ivrflows/hello.yaml does), or give -c a "
            "configuration whose flows do",
            config.source,
        )
    gctune.tune()  # as `serve` does (calldesk.gctune)
    plans = plan_agents([(a["id"], a["contact"]) for a in config["agents"]], seed=seed)
    for a in plans:
        sim.add_phone(a.contact, PhoneBehavior.answer(after=a.answer_after_s))
        controller.acd.login(a.agent, ready=True)
    run = DemoRun(controller, sim, agents=plans, pace=Pace(time_scale).start())
    run.workers += [gevent.spawn(_agent, run, a.agent) for a in plans]
    supervisor = next(
        (u for u in config["users"] if u.get("role") == "supervisor" and u.get("contact")), None
    )
    if supervisor is not None:
        sim.add_phone(supervisor["contact"], PhoneBehavior.answer(after=1.0))
        run.workers.append(gevent.spawn(_supervisor, run, supervisor["id"]))
    # About 85% occupancy: each agent handles a call every ~60 s (45 s talk + wrap-up + ringing).
    cpm = calls_per_minute or max(0.5, 0.85 * agents)
    for plan in plan_callers(calls, did=DEMO_DID, flow="hello", seed=seed, calls_per_minute=cpm):
        run.callers.append(CallerOutcome(plan))
    run.started_s = sim.clock.now()
    run.workers += [gevent.spawn(_caller, run, caller) for caller in run.callers]
    return run


def _sleep_sim(sim: SimSwitch, seconds: float) -> None:
    sim.clock.sleep(max(0.0, seconds))


def _caller(run: DemoRun, c: CallerOutcome) -> None:
    sim, board, view = run.sim, run.controller.board, run.controller.acd.view
    voice = run.controller.voice
    _sleep_sim(sim, c.plan.arrive_s)
    if run.pace is not None:
        run.pace.caller_placed(run.started_s + c.plan.arrive_s, sim.clock.now())
    arrived = sim.clock.epoch()
    c.uuid = sim.inject_call(
        did=c.plan.did, caller_id=c.plan.caller_id, caller_name=c.plan.name, dtmf=c.plan.dtmf
    )
    hung_up_by_us = False
    while True:  # polls the controller's own view of the call, as a wallboard would
        leg = board.tracker.get(c.uuid)
        c.iid = c.iid or voice.interaction_at(c.uuid)  # the caller's interaction, once queued
        interaction = view.interaction(c.iid) if c.iid else None
        if interaction is not None and c.enqueued_at is None:
            c.enqueued_at, c.queue = interaction.arrived_at, interaction.queue
        if leg is not None and leg.bridged_at is not None:
            c.outcome = "answered"
            agent_leg = board.tracker.get(leg.bridged_to or "")
            answered = (
                agent_leg.answered_at if agent_leg and agent_leg.answered_at else leg.bridged_at
            )
            if c.enqueued_at is not None:
                c.wait_s = max(0.0, answered - c.enqueued_at)  # queue entry to the agent answering
            _sleep_sim(sim, c.plan.talk_s)
            sim.hangup(c.uuid)
            return
        if leg is not None and not leg.alive or (leg is None and sim.get_leg(c.uuid) is None):
            c.outcome = "abandoned" if hung_up_by_us else ("overflowed" if c.enqueued_at else "ivr")
            return
        # Patience is for the queue (as in Erlang A) and runs out only while nobody's phone rings
        # for this caller: a demo caller does not hang up on an agent who is picking up (that
        # race has its own tests in tests/integration/dispatch).
        waiting = interaction is not None and interaction.state.value == "waiting"
        if (
            not hung_up_by_us
            and waiting
            and sim.clock.epoch() - (c.enqueued_at or arrived) >= c.plan.patience_s
        ):
            hung_up_by_us = sim.hangup(c.uuid)
        gevent.sleep(0.01)


# A demo agent put in not-ready for missed offers (RONA) notices and goes ready again after this
# long, as a person at a desk would; a slow or stalled machine makes rings time out now and then.
RONA_BACK_S = 15.0


def _agent(run: DemoRun, agent: str) -> None:
    acd, sim = run.controller.acd, run.sim
    while True:
        a = acd.view.agent(agent)
        if a is not None and a.state.value == "not_ready" and a.reason == "missed":
            _sleep_sim(sim, RONA_BACK_S)
            acd.ready(agent, wait=None)
        gevent.sleep(0.05)


def _supervisor(run: DemoRun, user: str) -> None:
    """The supervisor joins the first bridged call: listens, coaches the agent, then barges in."""
    board, svc, sim = run.controller.board, run.controller.supervision, run.sim
    while True:
        agent = next(
            (
                leg.variables.get("calldesk_agent")
                for leg in list(board.tracker.legs.values())
                if leg.variables.get("calldesk_role") == "agent" and leg.bridged_to
            ),
            None,
        )
        if agent:
            break
        gevent.sleep(0.05)
    try:
        session = svc.start(user, agent, "monitor")
        # gevent documents Timeout(s, False) as a silent timeout; its stubs do not allow False
        with gevent.Timeout(sim.clock.wall(30.0) + 2, False):  # type: ignore[arg-type]
            while session.status == "ringing":
                gevent.sleep(0.02)
        for mode in ("whisper", "barge"):
            _sleep_sim(sim, 3.0)
            if session.status != "active":
                break
            svc.change_mode(user, session.id, mode)
        _sleep_sim(sim, 3.0)
        if session.status == "active":
            svc.stop(user, session.id)
        run.supervised.append(agent)
    except Exception as exc:  # the demo goes on; the journal says what happened
        run.supervised.append(f"refused: {exc}")


def finished(run: DemoRun) -> bool:
    return all(c.outcome != "pending" for c in run.callers) and agents_settled(run)


def agents_settled(run: DemoRun) -> bool:
    states = [a.state.value for a in run.controller.acd.view.agents()]
    return all(s == "available" for s in states)


def sl_seconds_of(run: DemoRun) -> dict[str, float]:
    return {q["name"]: float(q.get("sl_seconds", 20)) for q in run.controller.config["queues"]}


def caller_figures(callers: list[CallerOutcome], sl_seconds: dict[str, float]) -> dict[str, Any]:
    """Outcome counts, service level (answered within the queue's threshold over offered) and
    ASA, as the callers saw them. The live view and the summary both use this."""
    count = {
        k: sum(1 for c in callers if c.outcome == k)
        for k in ("answered", "abandoned", "overflowed", "ivr", "pending")
    }
    offered = count["answered"] + count["abandoned"] + count["overflowed"]
    waits = [
        (c.wait_s, c.queue) for c in callers if c.outcome == "answered" and c.wait_s is not None
    ]
    in_sl = sum(1 for w, q in waits if w <= sl_seconds.get(q, 20.0))
    return {
        **count,
        "offered": offered,
        "service_level": round(in_sl / offered, 4) if offered else None,
        "asa_s": round(sum(w for w, _ in waits) / len(waits), 3) if waits else 0.0,
    }


def summary(run: DemoRun) -> dict[str, Any]:
    """Caller-side figures, and the same recomputed from the journal under `journal`."""
    sl_seconds = sl_seconds_of(run)
    fig = caller_figures(run.callers, sl_seconds)
    journal = journal_figures(run.controller.store, sl_seconds)
    agents = list(run.controller.acd.view.agents())
    open_states = ("waiting", "offered", "dialing", "connected", "retry")
    alive = {leg.uuid for leg in run.controller.board.tracker.legs.values() if leg.alive}
    voice = run.controller.voice
    stuck = [
        i.id
        for i in run.controller.acd.view.interactions()
        if i.state.value in open_states
        and ((leg := voice.legs_of(i.id)[0]) is None or leg.uuid not in alive)
    ]
    return {
        "calls": len(run.callers),
        "offered": fig["offered"],
        "answered": fig["answered"],
        "abandoned": fig["abandoned"],
        "overflowed": fig["overflowed"],
        "ended_in_ivr": fig["ivr"],
        "lost": fig["pending"] + abs(fig["offered"] - journal["offered"]),
        "agents_available_at_end": sum(1 for a in agents if a.state.value == "available"),
        "agents": len(run.agents),
        "service_level": fig["service_level"],
        "asa_s": fig["asa_s"],
        "recordings": recordings_figures(
            run.controller.store, run.controller.config.path("recordings.dir")
        ),
        "supervision": supervision_figures(run.controller.store),
        "journal": journal,
        # Open in the ACD with no live leg left: stranded by the controller.
        "stuck": len(stuck),
        "stuck_ids": stuck[:20],
        "timed_out": run.timed_out,
        "pace": run.pace.figures() if run.pace is not None else {},
    }


def failed(result: dict[str, Any]) -> list[str]:
    """Why the run does not count as a clean one (empty: it does)."""
    why = []
    if result["lost"]:
        why.append(f"{result['lost']} interaction(s) lost")
    if result.get("stuck"):
        why.append(f"{result['stuck']} interaction(s) stuck open with no live leg")
    if result["agents_available_at_end"] != result["agents"]:
        why.append(
            f"{result['agents'] - result['agents_available_at_end']} agent(s) not available at end"
        )
    if result.get("timed_out"):
        why.append("timed out before every caller was done")
    return why


def run_demo(
    config: Config,
    *,
    calls: int,
    agents: int,
    time_scale: float,
    seed: int = 1,
    tick: Callable[[DemoRun], None] | None = None,
    timeout_s: float = 600.0,
    workdir: Path | None = None,
    addons: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """`addons` (e.g. calldesk.demo.digital.DigitalDemo) run other media in the same controller:
    each has start(run), done(), summary(store) -> {medium: figures} and stop()."""
    run = start_demo(
        config, calls=calls, agents=agents, time_scale=time_scale, seed=seed, workdir=workdir
    )
    try:
        for addon in addons:
            addon.start(run)
        deadline = gevent.get_hub().loop.now() + timeout_s
        while not finished(run) or not all(a.done() for a in addons):
            if gevent.get_hub().loop.now() >= deadline:
                run.timed_out = True
                break
            if tick:
                tick(run)
            gevent.sleep(0.25)
        if tick:
            tick(run)
        result = summary(run)
        if any(getattr(a, "media", None) for a in addons):
            media = {"voice": {k: result[k] for k in ("offered", "answered", "abandoned", "lost")}}
            for addon in addons:
                media.update(addon.summary(run.controller.store))
            media = {k: v for k, v in media.items() if v}
            result["media"] = media
        return result
    finally:
        for addon in addons:
            addon.stop()
        run.stop()
