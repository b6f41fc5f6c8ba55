"""Every route of the API, declared on the registry. Handlers only translate: they call the
service API with the acting user and return what it returns."""

from __future__ import annotations

from typing import Any

from flask import Response

from calldesk.auth import User
from calldesk.web import (
    routes_calls,
    routes_campaigns,
    routes_customers,
    routes_digital,
    routes_floor,
)
from calldesk.web.api import Api, ApiError, current
from calldesk.web.models import (
    AgentLoginBody,
    AgentOut,
    CodesOut,
    DayOut,
    LoginBody,
    LoginOut,
    MeOut,
    OfferOut,
    OfferResult,
    Ok,
    PopsQuery,
    StateBody,
    TargetsOut,
    TargetsQuery,
    UserOut,
    WrapupBody,
)
from calldesk.web.models_digital import DigitalAccepted
from calldesk.web.sessions import COOKIE


def user_out(web: Any, u: User) -> dict[str, Any]:
    teams = web.services.access.directory.supervised_teams(u) if u.role != "agent" else set()
    if u.agent:
        teams |= web.services.access.directory.agent_teams(u.agent)
    return UserOut(
        id=u.id,
        role=u.role,  # type: ignore[arg-type]  # one of auth.ROLES, checked at load
        name=u.name or u.id,
        agent=u.agent,
        teams=sorted(teams),
    ).model_dump()


def register(api: Api) -> None:
    web = api.web
    s = web.services

    @api.route("GET", "/api/openapi.json", public=True, response=dict[str, Any])
    def openapi() -> dict:
        """This document."""
        from calldesk.web.openapi import document

        return document(api)

    # --- session ------------------------------------------------------------------------
    @api.route(
        "POST", "/api/login", body=LoginBody, response=LoginOut, public=True, statuses=(401, 429)
    )
    def login(body: LoginBody) -> Response:
        """Log in with a password; sets the session cookie and returns the CSRF token."""
        address = web.address()
        wait = web.limiter.blocked(body.user, address)
        if wait is not None:
            web.journal("auth.login_limited", body.user, {"address": address})
            raise ApiError(429, "rate_limited", f"too many failed logins; retry in {wait:.0f} s")
        known = body.user in s.access.directory.users
        if not (web.credentials.check_password(body.user, body.password) and known):
            web.limiter.failed(body.user, address)
            web.journal("auth.login_failed", body.user, {"address": address})
            raise ApiError(401, "unauthorized", "wrong user or password")
        web.limiter.succeeded(body.user)
        session = web.sessions.open(body.user)
        web.journal("auth.login", body.user, {"address": address, "via": "password"})
        out = {"user": user_out(web, s.user(body.user)), "csrf_token": session.csrf}
        resp = Response(LoginOut.model_validate(out).model_dump_json(), mimetype="application/json")
        resp.set_cookie(
            COOKIE, session.id, httponly=True, samesite="Strict", secure=web.tls, path="/"
        )
        return resp

    @api.route("POST", "/api/logout", response=Ok)
    def logout(user: User) -> Response:
        """End the browser session."""
        sid = current().cookies.get(COOKIE)
        if sid:
            web.sessions.close(sid)
        resp = Response('{"ok": true}', mimetype="application/json")
        resp.delete_cookie(COOKIE, path="/")
        return resp

    @api.route("GET", "/api/me", response=MeOut)
    def me(user: User) -> dict:
        """Who is asking, and (for a browser session) the session's CSRF token, so that a new
        tab of a logged-in browser can make changes without logging in again."""
        request = current()
        sid = request.cookies.get(COOKIE)
        session = (
            web.sessions.get(sid) if sid and not request.headers.get("Authorization") else None
        )
        return {**user_out(web, user), "csrf_token": session.csrf if session else None}

    @api.route("GET", "/api/config/codes", response=CodesOut)
    def codes(user: User) -> dict:
        """Not-ready reasons and dispositions from the configuration."""
        return s.codes

    @api.route("GET", "/api/targets", query=TargetsQuery, response=TargetsOut)
    def targets(user: User, query: TargetsQuery) -> dict:
        """Where a call may be transferred: queues, agents (with their state), numbers."""
        q = query.q.lower()
        queues = [n for n in s.queues.sl if q in n.lower()]
        agents = [
            {"id": a, "name": n, "state": s.views.agent(a).state}
            for a, n in s.agents.names.items()
            if q in a.lower() or q in n.lower()
        ]
        return {"queues": queues, "agents": agents, "numbers": []}

    # --- agents -------------------------------------------------------------------------
    @api.route("GET", "/api/agents", response=list[AgentOut])
    def agents(user: User) -> list:
        """Agents the user may see (an agent: itself; a supervisor: its teams)."""
        return s.agents.list(user)

    @api.route("GET", "/api/agents/{id}", response=AgentOut, statuses=(404,))
    def agent(user: User, id: str) -> dict:
        return s.agents.get(user, id)

    @api.route(
        "POST",
        "/api/agents/{id}/login",
        body=AgentLoginBody,
        response=AgentOut,
        statuses=(404, 409),
    )
    def agent_login(user: User, id: str, body: AgentLoginBody) -> dict:
        """Log the agent in (not ready, reason login, unless ready)."""
        return s.agents.login(user, id, body.ready)

    @api.route("POST", "/api/agents/{id}/logout", response=AgentOut, statuses=(404, 409))
    def agent_logout(user: User, id: str) -> dict:
        return s.agents.logout(user, id)

    @api.route(
        "POST", "/api/agents/{id}/state", body=StateBody, response=AgentOut, statuses=(404, 409)
    )
    def agent_state(user: User, id: str, body: StateBody) -> dict:
        """Ready, or not ready with a reason code from the configuration."""
        return s.agents.set_state(user, id, body.state, body.reason)

    @api.route("GET", "/api/agents/{id}/offer", response=OfferOut, nullable=True, statuses=(404,))
    def agent_offer(user: User, id: str) -> dict | None:
        """The agent's current offer, or null."""
        return s.agents.offer(user, id)

    @api.route(
        "POST",
        "/api/offers/{offer}/accept",
        response=OfferResult | DigitalAccepted,
        statuses=(404, 409),
    )
    def offer_accept(user: User, offer: str) -> dict:
        """Take the offer (a call is taken by answering the phone that rings); for chat, SMS
        and email the answer carries the transcript and what the flow collected."""
        return s.agents.accept(user, offer)

    @api.route("POST", "/api/offers/{offer}/decline", response=OfferResult, statuses=(404, 409))
    def offer_decline(user: User, offer: str) -> dict:
        """Refuse the offer; counts like a rejected ring (RONA rules apply)."""
        return s.agents.decline(user, offer)

    @api.route(
        "POST", "/api/agents/{id}/wrapup", body=WrapupBody, response=AgentOut, statuses=(404, 409)
    )
    def agent_wrapup(user: User, id: str, body: WrapupBody) -> dict:
        """End the wrap-up with a disposition code and notes: of the `interaction` named (the
        agent is ready once none is left), or every wrap-up the agent has."""
        return s.agents.wrapup(user, id, body.disposition, body.notes, body.interaction)

    @api.route(
        "GET",
        "/api/agents/{id}/pops",
        query=PopsQuery,
        response=list[dict[str, Any]],
        statuses=(404,),
    )
    def agent_pops(user: User, id: str, query: PopsQuery) -> list:
        """The agent's latest screen pops (queue, customer, IVR data, journey)."""
        return s.agents.screen_pops(user, id, query.limit)

    @api.route("GET", "/api/agents/{id}/day", response=DayOut, statuses=(404,))
    def agent_day(user: User, id: str) -> dict:
        """Handled today, average handling time, time in each state today."""
        return s.agents.day(user, id)

    routes_floor.register(api)
    routes_calls.register(api)
    routes_customers.register(api)
    routes_digital.register(api)
    routes_campaigns.register(api)
