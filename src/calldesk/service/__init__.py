"""The service API: one object per area, every method taking the acting `User` first.

The HTTP API (`calldesk.web`) and the CLI's control commands (through `calldesk.control`, the
store inbox) both call these; neither holds logic of its own. `build_services(controller)`
composes them from a running controller; errors are `calldesk.service.errors`'.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gevent

from calldesk.auth import Directory, User
from calldesk.dispatch.controls import acd_config
from calldesk.engine.persist import EngineStore
from calldesk.errors import CalldeskError, ConfigError
from calldesk.recording.access import RecordingAccess
from calldesk.recording.index import RecordingIndex
from calldesk.service.access import OPERATOR, Access, with_agent_users
from calldesk.service.agents import AgentsService
from calldesk.service.campaigns import CampaignsService
from calldesk.service.customers import CustomersService, ReportsService
from calldesk.service.errors import Refused
from calldesk.service.flows import FlowsService
from calldesk.service.interactions import InteractionsService
from calldesk.service.queues import QueuesService
from calldesk.service.recordings import RecordingsService
from calldesk.service.supervision import SupervisionApi
from calldesk.supervision.acd_actions import SupervisorActions
from calldesk.views import LiveViews

log = logging.getLogger(__name__)


@dataclass
class Services:
    access: Access
    views: LiveViews
    agents: AgentsService
    queues: QueuesService
    interactions: InteractionsService
    supervision: SupervisionApi
    recordings: RecordingsService
    flows: FlowsService
    codes: dict[str, list[str]]
    call_control: Any = None  # calldesk.callcontrol.CallControl once the voice operations land
    customers: Any = None  # calldesk.service.customers.CustomersService
    reports: Any = None  # calldesk.service.customers.ReportsService
    digital: Any = None  # calldesk.service.digital.DigitalService (serve with `digital:`)
    campaigns: Any = None  # CampaignsService (outbound); its runner is None without campaigns

    def user(self, user_id: str) -> User:
        return self.access.user(user_id)


DEFAULT_CODES = {
    "not_ready_reasons": ["break", "lunch", "training", "meeting", "login"],
    "dispositions": ["resolved", "follow_up", "escalated", "wrong_number"],
}


def parse_codes(raw: Mapping[str, Any]) -> dict[str, list[str]]:
    out = {}
    for key in ("not_ready_reasons", "dispositions"):
        value = raw.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v and v.isprintable() for v in value)
        ):
            raise ConfigError(f"codes.{key}", "must be a non-empty list of one-line names")
        out[key] = list(value)
    return out


def _hangup_offer_leg(board: Any) -> Any:
    """A declined call offer: hang up the agent's ringing leg (the dispatcher's originate then
    ends as CALL_REJECTED, which the core already counted as this refusal)."""

    def hang(offer: str) -> None:
        for leg in list(board.tracker.legs.values()):
            if leg.variables.get("calldesk_offer") == offer and leg.alive:
                conn = board.switches.get(leg.switch)
                if conn is not None:
                    gevent.spawn(_kill, conn, leg.uuid)

    return hang


def _kill(conn: Any, uuid: str) -> None:
    try:
        conn.api("uuid_kill", uuid, "CALL_REJECTED", check=False)
    except CalldeskError as exc:
        log.info("declined offer: uuid_kill %s failed: %s", uuid, exc)


class _Missing:
    """An area this process was composed without (a unit test's bare engine)."""

    def __init__(self, area: str) -> None:
        self.area = area

    def __getattr__(self, name: str) -> Any:
        def refuse(*args: Any, **kw: Any) -> Any:
            raise Refused(f"{self.area} is not available in this process")

        return refuse


def compose(
    config_data: Mapping[str, Any],
    store: Any,
    engine: Any,
    *,
    notifier: Any = None,
    directory: Directory | None = None,
    supervision: Any = None,
    library: Any = None,
    board: Any = None,
    recordings_dir: Path | None = None,
) -> Services:
    """The services over the engine (`calldesk.engine.Engine`) and whatever else this process has. Live
    views catch up from the journal, then follow `notifier` (or the store journal's)."""
    clock = engine.clock
    cfg = acd_config(config_data)
    directory = directory or Directory.from_config(
        config_data.get("users") or [], config_data.get("teams") or []
    )
    with_agent_users(directory, [(a.id, a.name) for a in cfg.agents])
    access = Access(directory, store.journal, clock)
    views = LiveViews(cfg, clock, lease_s=cfg.policy.lease_s).load(store.journal)
    notifier = notifier or store.journal.notifier
    if notifier is not None:
        views.attach(notifier)
    codes = parse_codes(config_data.get("codes") or DEFAULT_CODES)
    actions = SupervisorActions(engine, directory, store.journal, clock=clock)
    names = {a.id: a.name or a.id for a in cfg.agents}
    hang = _hangup_offer_leg(board) if board is not None else None
    agents = AgentsService(
        access,
        engine,
        views,
        store.journal,
        codes,
        directory.agent_teams,
        names,
        hang,
        EngineStore(store).screen_pops,
    )
    reports = ReportsService(
        store,
        {q.name: q.sl_seconds for q in cfg.queues},
        clock,
        lambda user: access.queues_of(user, views.agent_queues),
    )
    queues = QueuesService(
        access,
        engine,
        views,
        store.journal,
        {q.name: (q.sl_seconds, q.sl_target) for q in cfg.queues},
        reports.queue_history,  # the wallboard's chart: the report's figures
    )
    recordings: Any = _Missing("recordings")
    if recordings_dir is not None:
        rec = RecordingAccess(RecordingIndex(store.db), directory, store.journal, recordings_dir)
        recordings = RecordingsService(rec, clock)
    sup: Any = (
        SupervisionApi(access, supervision, actions) if supervision else _Missing("supervision")
    )
    flows: Any = FlowsService(access, library) if library is not None else _Missing("flows")
    return Services(
        access,
        views,
        agents,
        queues,
        InteractionsService(access, views, store.journal, actions),
        sup,
        recordings,
        flows,
        codes,
        customers=CustomersService.over(store, access, config_data, clock),
        reports=reports,
        digital=_Missing("digital (chat, SMS, email: configure digital:)"),
        campaigns=CampaignsService(access, None),
    )


def build_services(controller: Any, dialer: Any = None) -> Services:
    """The services of a built controller (`calldesk.app.build`), with call control (the voice
    operations) following the controller's legs."""
    from calldesk.callcontrol import CallControl, EnginePort

    c = controller
    s = compose(
        c.config.data,
        c.store,
        c.acd,
        notifier=c.notifier,
        directory=c.supervision.directory,
        supervision=c.supervision,
        library=c.ivr.library,
        board=c.board,
        recordings_dir=c.config.path("recordings.dir"),
    )
    s.call_control = CallControl(
        EnginePort(c.acd, c.voice),
        c.board,
        s.access.directory,
        c.store.journal,
        dialer,
        c.acd.clock,
        c.acd.settings.time_scale,
    ).attach()
    if getattr(c, "digital", None) is not None:
        from calldesk.service.digital import DigitalService

        s.digital = DigitalService(s.access, c.digital.desk)
        s.agents.digital = s.digital
    return s


__all__ = ["OPERATOR", "Services", "build_services", "compose", "parse_codes"]
