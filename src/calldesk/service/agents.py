"""Agents: state, offers, wrap-up, screen pops and the agent's day. Every method takes the
acting user first and checks it (`Access`) before the engine sees anything.

The engine is the ACD service (`login`, `logout`, `ready`, `not_ready`, `post`); each returns
the reasons the core ignored the request, which become a `Refused` (409). Live state is read
from the notifier-fed `LiveViews`, never from the core's own objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from calldesk.acd import events as ev
from calldesk.auth import User
from calldesk.service.access import Access
from calldesk.service.errors import WAIT_S, Invalid, NotFound, Refused, decide
from calldesk.store.journal import Journal
from calldesk.views import LiveViews

Engine = Any  # calldesk.engine.Engine: login/logout/ready/not_ready/post(…, wait=) -> list[str]


Rows = list[dict[str, Any]]  # (the method `list` shadows the builtin in the class)


class AgentsService:
    def __init__(
        self,
        access: Access,
        engine: Engine,
        views: LiveViews,
        journal: Journal,
        codes: dict[str, list[str]],
        teams_of: Callable[[str], set[str]],
        names: dict[str, str],
        decline_leg: Callable[[str], None] | None = None,
        pops: Callable[[str, int], list[dict]] | None = None,
    ) -> None:
        self.access, self.engine, self.views, self.journal = access, engine, views, journal
        self.codes, self.teams_of, self.names = codes, teams_of, names
        self.decline_leg = decline_leg  # hangs a ringing voice offer's agent leg up
        self.pops = pops
        self._teams: dict[str, list[str]] = {}  # agent -> its teams, sorted (see `teams`)
        self._teams_key: Any = None
        self.digital: Any = None  # calldesk.service.digital.DigitalService, when serve has one

    def _known(self, agent: str) -> None:
        if agent not in self.names:
            raise NotFound(f"unknown agent {agent!r}")

    def _done(
        self, user: User, action: str, agent: str, ignored: Sequence[str], **data: Any
    ) -> dict:
        if ignored:
            raise Refused(f"{action} {agent}: {'; '.join(ignored)}")
        self.journal.append(f"api.{action}", agent, {"by": user.id, **data}, self.access.clock())
        return self.get(user, agent)

    # reading
    def teams(self, agent: str) -> list[str]:
        """The agent's teams, sorted; remembered while the directory has the same users and
        teams (each lookup walks every team and every user: every read of an agent asks)."""
        d = self.access.directory
        key = (id(d.users), len(d.users), id(d.teams), len(d.teams))
        if key != self._teams_key:
            self._teams, self._teams_key = {}, key
        found = self._teams.get(agent)
        if found is None:
            found = self._teams[agent] = sorted(self.teams_of(agent))
        return list(found)

    def view(self, agent: str) -> dict[str, Any]:
        v = self.views.agent(agent)
        return {
            "id": agent,
            "name": self.names.get(agent, agent),
            "state": v.state,
            "reason": v.reason,
            "since": self.views.clock() - v.time_in_state_s,
            "time_in_state_s": v.time_in_state_s,
            "queues": list(self.views.agent_queues(agent)),
            "teams": self.teams(agent),
            "interactions": sorted(self.views.agent_items.get(agent, ())),
            "handled": v.handled,
            "wrapup_until": self.views.wrapup_until.get(agent) if v.state == "wrap_up" else None,
            "wrapups": self.views.wrapups_of(agent),
        }

    def list(self, user: User) -> Rows:
        allowed = self.access.agents_of(user)
        return [self.view(a) for a in self.names if allowed is None or a in allowed]

    def get(self, user: User, agent: str) -> dict[str, Any]:
        self._known(agent)
        self.access.agent(user, agent, "see")
        return self.view(agent)

    # state
    def login(self, user: User, agent: str, ready: bool = False) -> dict[str, Any]:
        self._known(agent)
        self.access.agent(user, agent, "log in")
        return self._done(
            user, "login", agent, decide(self.engine.login, agent, ready, wait=WAIT_S), ready=ready
        )

    def logout(self, user: User, agent: str) -> dict[str, Any]:
        self._known(agent)
        self.access.agent(user, agent, "log out")
        return self._done(user, "logout", agent, decide(self.engine.logout, agent, wait=WAIT_S))

    def set_state(self, user: User, agent: str, state: str, reason: str | None = None) -> dict:
        self._known(agent)
        self.access.agent(user, agent, "set the state of")
        if state == "ready":
            return self._done(
                user, "state", agent, decide(self.engine.ready, agent, wait=WAIT_S), state=state
            )
        if state != "not_ready":
            raise Invalid("state", f"must be ready or not_ready, not {state!r}")
        reason = reason or "break"
        if reason not in self.codes["not_ready_reasons"]:
            raise Invalid(
                "reason",
                f"unknown reason {reason!r} (known: {', '.join(self.codes['not_ready_reasons'])})",
            )
        ignored = decide(self.engine.not_ready, agent, reason, wait=WAIT_S)
        return self._done(user, "state", agent, ignored, state=state, reason=reason)

    # offers
    def offer(self, user: User, agent: str) -> dict[str, Any] | None:
        self._known(agent)
        self.access.agent(user, agent, "see the offers of")
        o = self.views.offer_of(agent)
        if o is None:
            return None
        data = self._data(o.interaction)
        caller = data.get("caller")
        name = caller.get("name") if isinstance(caller, dict) else None
        return {
            "id": o.id,
            "interaction": o.interaction,
            "medium": o.medium,
            "queue": o.queue,
            "customer": {"name": str(name or ""), "number": o.customer},
            "data": data,
            "lease_until": o.lease_until,
        }

    def _data(self, iid: str) -> dict[str, Any]:
        """What the interaction carries for the agent (the flow's data, the caller), as the
        engine's read-only view has it."""
        view = getattr(self.engine, "view", None)
        it = view.interaction(iid) if view is not None else None
        return dict(it.data) if it is not None else {}

    def _offer(self, user: User, offer: str, action: str) -> Any:
        o = self.views.offers.get(offer)
        if o is None:
            raise NotFound(f"no live offer {offer!r} (answered, expired or unknown)")
        self.access.agent(user, o.agent, action)
        return o

    def accept(self, user: User, offer: str) -> dict[str, Any]:
        o = self._offer(user, offer, "accept offers for")
        if o.medium == "voice":
            raise Refused(f"offer {offer} is a call: answer it on the phone that rings")
        if self.digital is not None:  # chat, SMS, email: the hand-off with the transcript
            handoff = self.digital.accept(offer, o.agent)
            self._done(user, "accept", o.agent, [], offer=offer)
            return {"offer": offer, "accepted": True, **handoff}
        ignored = decide(self.engine.post, ev.OfferAccepted(offer), wait=WAIT_S)
        self._done(user, "accept", o.agent, ignored, offer=offer)
        return {"offer": offer, "interaction": o.interaction, "accepted": True}

    def decline(self, user: User, offer: str) -> dict[str, Any]:
        """A decline is a refusal like a rejected ring: the ACD's RONA rules apply."""
        o = self._offer(user, offer, "decline offers for")
        ignored = decide(self.engine.post, ev.OfferRefused(offer, "reject"), wait=WAIT_S)
        if not ignored and o.medium == "voice" and self.decline_leg is not None:
            self.decline_leg(offer)
        self._done(user, "decline", o.agent, ignored, offer=offer)
        return {"offer": offer, "interaction": o.interaction, "accepted": False}

    def wrapup(
        self, user: User, agent: str, disposition: str, notes: str = "", interaction: str | None = None
    ) -> dict:
        """Ends the wrap-up of `interaction` (the others go on: the agent is ready only when
        none is left), or every wrap-up the agent has when none is named."""
        self._known(agent)
        self.access.agent(user, agent, "end the wrap-up of")
        if disposition not in self.codes["dispositions"]:
            raise Invalid(
                "disposition",
                f"unknown disposition {disposition!r} (known: "
                f"{', '.join(self.codes['dispositions'])})",
            )
        ignored = decide(self.engine.post, ev.WrapUpDone(agent, interaction), wait=WAIT_S)
        extra = {"interaction": interaction} if interaction else {}
        return self._done(
            user, "wrapup", agent, ignored, disposition=disposition, notes=notes, **extra
        )

    def screen_pops(self, user: User, agent: str, limit: int = 10) -> Rows:
        self._known(agent)
        self.access.agent(user, agent, "see the screen pops of")
        return self.pops(agent, limit) if self.pops else []

    def day(self, user: User, agent: str) -> dict[str, Any]:
        self._known(agent)
        self.access.agent(user, agent, "see the day of")
        return self.views.day(agent)
