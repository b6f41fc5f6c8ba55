"""Voice operations on an interaction's call (`calldesk.callcontrol.CallControl`): hold, mute,
DTMF, hangup, blind transfer, consult then complete/cancel/3-way. Call control checks that
the interaction is the agent's own (or a team's, for supervisors) and journals each one."""

from __future__ import annotations

from typing import Any

from calldesk.auth import User
from calldesk.service.errors import NotFound, Refused
from calldesk.web.api import Api
from calldesk.web.models import CallOut, DtmfBody, MuteBody, TargetBody

SIMPLE = (
    "hold",
    "unhold",
    "hangup",
    "consult/complete",
    "consult/cancel",
    "consult/conference",
    "conference",  # the first path of the 3-way, kept as an alias of consult/conference
)
METHOD = {
    "consult/complete": "consult_complete",
    "consult/cancel": "consult_cancel",
    "consult/conference": "conference",
}
SUMMARY = {
    "consult/conference": "Join the customer, the agent and the consulted party (3-way).",
    "conference": "Alias of /consult/conference: the 3-way conference.",
}


def register(api: Api) -> None:
    s = api.web.services

    def cc(iid: str) -> Any:
        if s.call_control is None:
            raise Refused("call control is not available in this process")
        if iid not in s.views.interactions:
            raise NotFound(f"no interaction {iid!r}")
        return s.call_control

    def out(iid: str, result: dict[str, Any]) -> dict[str, Any]:
        return {"interaction": iid, **(result or {})}

    for op in SIMPLE:
        name = METHOD.get(op, op)

        def view(user: User, id: str, _name: str = name) -> dict:
            return out(id, getattr(cc(id), _name)(user, id))

        view.__name__ = f"call_{op.replace('/', '_')}"
        view.__doc__ = SUMMARY.get(
            op, f"{op.replace('/', ' ').capitalize()} the interaction's call."
        )
        api.route("POST", f"/api/interactions/{{id}}/{op}", response=CallOut, statuses=(404, 409))(
            view
        )

    @api.route(
        "POST", "/api/interactions/{id}/mute", body=MuteBody, response=CallOut, statuses=(404, 409)
    )
    def call_mute(user: User, id: str, body: MuteBody) -> dict:
        """Mute (or unmute) the agent towards the customer."""
        return out(id, cc(id).mute(user, id, body.on))

    @api.route(
        "POST", "/api/interactions/{id}/dtmf", body=DtmfBody, response=CallOut, statuses=(404, 409)
    )
    def call_dtmf(user: User, id: str, body: DtmfBody) -> dict:
        """Send DTMF digits to the far end."""
        return out(id, cc(id).dtmf(user, id, body.digits))

    @api.route(
        "POST",
        "/api/interactions/{id}/transfer",
        body=TargetBody,
        response=CallOut,
        statuses=(404, 409),
    )
    def call_transfer(user: User, id: str, body: TargetBody) -> dict:
        """Blind transfer to a queue, an agent or an allowed number."""
        return out(id, cc(id).transfer(user, id, body.target.model_dump()))

    @api.route(
        "POST",
        "/api/interactions/{id}/consult",
        body=TargetBody,
        response=CallOut,
        statuses=(404, 409),
    )
    def call_consult(user: User, id: str, body: TargetBody) -> dict:
        """Call a queue, agent or number while the customer holds."""
        return out(id, cc(id).consult(user, id, body.target.model_dump()))
