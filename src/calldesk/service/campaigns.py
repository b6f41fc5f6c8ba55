"""Outbound campaigns through the service API: status, pause/resume (supervisors and admins),
the preview desk (an agent on their own previews; supervisors on their teams' agents), and
scheduled callbacks. The runner (`calldesk.dialer.runner`) does the work."""

from __future__ import annotations

from typing import Any

from calldesk.auth import User
from calldesk.service.access import Access
from calldesk.service.errors import Invalid, NotFound, Refused


class CampaignsService:
    def __init__(self, access: Access, runner: Any) -> None:
        self.access, self.runner = access, runner  # runner None: no campaigns in this process

    def _runner(self) -> Any:
        if self.runner is None:
            raise Refused("no campaigns run in this process (no trunks or no campaigns:)")
        return self.runner

    def _known(self, name: str) -> Any:
        r = self.runner
        if r is None or name not in r.adapters:
            raise NotFound(f"no campaign {name!r}")
        return r

    def list(self, user: User) -> list[dict[str, Any]]:
        self.access.supervisor(user, "campaigns.list", "campaigns")
        r = self.runner
        return [] if r is None else [r.status(n) for n in sorted(r.adapters)]

    def pause(self, user: User, name: str) -> dict[str, Any]:
        self.access.supervisor(user, "campaign.pause", name)
        return self._known(name).set_paused(name, True, user.id)

    def resume(self, user: User, name: str) -> dict[str, Any]:
        self.access.supervisor(user, "campaign.resume", name)
        return self._known(name).set_paused(name, False, user.id)

    def preview(self, user: User, agent: str) -> dict[str, Any] | None:
        self.access.agent(user, agent, "preview for")
        r = self.runner
        p = r.preview_for(agent) if r is not None else None
        return p.as_dict() if p is not None else None

    def _held(self, user: User, pid: str, action: str) -> Any:
        r = self.runner
        if r is None or pid not in r.previews:
            raise NotFound(f"no preview {pid!r} (dialled, skipped or timed out)")
        self.access.agent(user, r.previews[pid].agent, action)
        return r

    def dial(self, user: User, pid: str) -> dict[str, Any]:
        return self._held(user, pid, "dial the preview of").dial_preview(pid, user.id)

    def skip(self, user: User, pid: str, reason: str) -> dict[str, Any]:
        return self._held(user, pid, "skip the preview of").skip_preview(pid, reason, user.id)

    def callback(
        self, user: User, name: str, number: str, at: float | None, agent: str = ""
    ) -> dict[str, Any]:
        """An agent schedules callbacks for themselves (or any agent, unnamed); supervisors
        for their teams' agents."""
        if agent:
            self.access.agent(user, agent, "schedule a callback for")
        r = self._known(name)
        try:
            return r.callback(name, number, at, agent, user.id)
        except KeyError:
            raise Invalid("number", f"{number} is not a contact of campaign {name}") from None


def register_campaign_controls(bus: Any, services: Any) -> None:
    """`calldesk campaigns pause|resume NAME` through the store inbox (`calldesk.control`)."""

    def cmd(paused: bool) -> Any:
        def handler(args: dict[str, Any], actor: str) -> dict[str, Any]:
            c, user, name = services.campaigns, services.user(actor), str(args.get("name", ""))
            v = c.pause(user, name) if paused else c.resume(user, name)
            return {
                "campaign": v["name"],
                "state": "paused" if v["paused"] else "active",
                "live": v["live"],
            }

        return handler

    bus.register("campaign.pause", cmd(True))
    bus.register("campaign.resume", cmd(False))
