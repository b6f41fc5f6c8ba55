"""Outbound campaigns (`calldesk.service.campaigns`): status, pause/resume, the agent's preview
(dial or skip it with a reason) and scheduled callbacks."""

from __future__ import annotations

from calldesk.auth import User
from calldesk.web.api import STAFF, Api
from calldesk.web.models import (
    CallbackBody,
    CallbackOut,
    CampaignOut,
    PreviewDialOut,
    PreviewOut,
    PreviewSkipOut,
    SkipBody,
)


def register(api: Api) -> None:
    c = api.web.services.campaigns

    @api.route("GET", "/api/campaigns", roles=STAFF, response=list[CampaignOut])
    def campaigns(user: User) -> list:
        """Every campaign this controller runs, with its live figures."""
        return c.list(user)

    @api.route(
        "POST", "/api/campaigns/{name}/pause", roles=STAFF, response=CampaignOut, statuses=(404,)
    )
    def campaign_pause(user: User, name: str) -> dict:
        """Stop new attempts; calls already up are not hung up."""
        return c.pause(user, name)

    @api.route(
        "POST", "/api/campaigns/{name}/resume", roles=STAFF, response=CampaignOut, statuses=(404,)
    )
    def campaign_resume(user: User, name: str) -> dict:
        return c.resume(user, name)

    @api.route(
        "POST",
        "/api/campaigns/{name}/callbacks",
        body=CallbackBody,
        response=CallbackOut,
        statuses=(400, 404),
    )
    def campaign_callback(user: User, name: str, body: CallbackBody) -> dict:
        """Schedule a callback the callee asked for: dialled at `at`, inside their window."""
        return c.callback(user, name, body.number, body.at, body.agent)

    @api.route("GET", "/api/agents/{id}/preview", response=PreviewOut, nullable=True)
    def agent_preview(user: User, id: str) -> dict | None:
        """The contact held for this agent (with its custom fields), or null."""
        return c.preview(user, id)

    @api.route("POST", "/api/preview/{preview}/dial", response=PreviewDialOut, statuses=(404,))
    def preview_dial(user: User, preview: str) -> dict:
        """Dial the previewed contact; the answer goes to this agent."""
        return c.dial(user, preview)

    @api.route(
        "POST",
        "/api/preview/{preview}/skip",
        body=SkipBody,
        response=PreviewSkipOut,
        statuses=(404,),
    )
    def preview_skip(user: User, preview: str, body: SkipBody) -> dict:
        """Skip the previewed contact with a reason; it is not dialled."""
        return c.skip(user, preview, body.reason)
