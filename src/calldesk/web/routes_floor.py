"""Routes for queues, interactions, supervision, recordings and flows."""

from __future__ import annotations

from flask import Response, request, send_file

from calldesk.auth import User
from calldesk.web.api import STAFF, Api
from calldesk.web.models import (
    ActionOut,
    FlowOut,
    ForceBody,
    HistoryQuery,
    HistoryRow,
    InteractionDetail,
    InteractionOut,
    InteractionsQuery,
    ModeBody,
    MoveBody,
    PriorityBody,
    PullBody,
    QueueOut,
    RecordingOut,
    RecordingsQuery,
    SessionOut,
    SuperviseBody,
    ValidateOut,
)  # fmt: skip


def register(api: Api) -> None:
    s = api.web.services

    # --- queues -------------------------------------------------------------------------
    @api.route("GET", "/api/queues", response=list[QueueOut])
    def queues(user: User) -> list:
        """Live figures of the queues the user may see."""
        return s.queues.list(user)

    @api.route("GET", "/api/queues/{name}/history", query=HistoryQuery, response=list[HistoryRow],
               statuses=(404,))  # fmt: skip
    def queue_history(user: User, name: str, query: HistoryQuery) -> list:
        """Offered, answered, abandoned and service level per step over the last minutes."""
        return s.queues.history(user, name, query.minutes, query.step)

    @api.route("POST", "/api/queues/{name}/pause", roles=STAFF, response=QueueOut,
               statuses=(404, 409))  # fmt: skip
    def queue_pause(user: User, name: str) -> dict:
        return s.queues.pause(user, name)

    @api.route("POST", "/api/queues/{name}/resume", roles=STAFF, response=QueueOut,
               statuses=(404, 409))  # fmt: skip
    def queue_resume(user: User, name: str) -> dict:
        return s.queues.resume(user, name)

    # --- interactions -------------------------------------------------------------------
    @api.route("GET", "/api/interactions", query=InteractionsQuery, response=list[InteractionOut])
    def interactions(user: User, query: InteractionsQuery) -> list:
        """Live and recently finished interactions the user may see."""
        return s.interactions.list(user, query.state, query.queue)

    @api.route("GET", "/api/interactions/{id}", response=InteractionDetail, statuses=(404,))
    def interaction(user: User, id: str) -> dict:
        """With its journal trail and the ACD's "why this agent" for each offer."""
        return s.interactions.get(user, id)

    @api.route("POST", "/api/interactions/{id}/move", roles=STAFF, body=MoveBody,
               response=ActionOut, statuses=(404, 409))  # fmt: skip
    def interaction_move(user: User, id: str, body: MoveBody) -> dict:
        return s.interactions.move(user, id, body.queue)

    @api.route("POST", "/api/interactions/{id}/priority", roles=STAFF, body=PriorityBody,
               response=ActionOut, statuses=(404, 409))  # fmt: skip
    def interaction_priority(user: User, id: str, body: PriorityBody) -> dict:
        return s.interactions.priority(user, id, body.priority)

    @api.route("POST", "/api/interactions/{id}/pull", roles=STAFF, body=PullBody,
               response=ActionOut, statuses=(404, 409))  # fmt: skip
    def interaction_pull(user: User, id: str, body: PullBody) -> dict:
        return s.interactions.pull(user, id, body.agent)

    # --- supervision --------------------------------------------------------------------
    @api.route("GET", "/api/supervision", roles=STAFF, response=list[SessionOut])
    def sessions(user: User) -> list:
        """Supervision sessions the user may see."""
        return s.supervision.list(user)

    @api.route("POST", "/api/supervision", roles=STAFF, body=SuperviseBody, response=SessionOut,
               statuses=(404, 409))  # fmt: skip
    def supervise(user: User, body: SuperviseBody) -> dict:
        """Ring the supervisor's phone and join the agent's call in a mode."""
        return s.supervision.start(user, body.agent, body.mode)

    @api.route("POST", "/api/supervision/{sid}/mode", roles=STAFF, body=ModeBody,
               response=SessionOut, statuses=(404, 409))  # fmt: skip
    def supervise_mode(user: User, sid: str, body: ModeBody) -> dict:
        return s.supervision.mode(user, sid, body.mode)

    @api.route("POST", "/api/supervision/{sid}/takeover", roles=STAFF, response=SessionOut,
               statuses=(404, 409))  # fmt: skip
    def supervise_takeover(user: User, sid: str) -> dict:
        return s.supervision.takeover(user, sid)

    @api.route("DELETE", "/api/supervision/{sid}", roles=STAFF, response=SessionOut,
               statuses=(404, 409))  # fmt: skip
    def supervise_stop(user: User, sid: str) -> dict:
        return s.supervision.stop(user, sid)

    @api.route("POST", "/api/agents/{id}/force", roles=STAFF, body=ForceBody, response=ActionOut,
               statuses=(404, 409))  # fmt: skip
    def agent_force(user: User, id: str, body: ForceBody) -> dict:
        """Force an agent of the supervisor's teams ready or not ready."""
        return s.supervision.force_state(user, id, body.state, body.reason)

    @api.route("POST", "/api/agents/{id}/force-logout", roles=STAFF, response=ActionOut,
               statuses=(404, 409))  # fmt: skip
    def agent_force_logout(user: User, id: str) -> dict:
        return s.supervision.force_logout(user, id)

    # --- recordings ---------------------------------------------------------------------
    @api.route("GET", "/api/recordings", query=RecordingsQuery, response=list[RecordingOut])
    def recordings(user: User, query: RecordingsQuery) -> list:
        """Recordings the user may hear (agents: their own)."""
        return s.recordings.list(user, query.interaction, query.agent, query.queue, query.limit)

    @api.route("GET", "/api/recordings/{id}", response=RecordingOut, statuses=(404,))
    def recording(user: User, id: str) -> dict:
        return s.recordings.get(user, id)

    @api.route("GET", "/api/recordings/{id}/audio", content="audio/wav", statuses=(206, 404, 416))
    def recording_audio(user: User, id: str) -> Response:
        """The WAV file; a Range request gets 206 and the part asked for. Journaled."""
        path = s.recordings.audio(user, id, request.headers.get("Range"))
        return send_file(path, mimetype="audio/wav", conditional=True)

    @api.route("POST", "/api/recordings/{id}/hold", roles=("admin",), response=RecordingOut,
               statuses=(404,))  # fmt: skip
    def recording_hold(user: User, id: str) -> dict:
        """Put a legal hold on a recording (retention skips it)."""
        return s.recordings.hold(user, id, True)

    @api.route("POST", "/api/recordings/{id}/release", roles=("admin",), response=RecordingOut,
               statuses=(404,))  # fmt: skip
    def recording_release(user: User, id: str) -> dict:
        return s.recordings.hold(user, id, False)

    # --- flows --------------------------------------------------------------------------
    @api.route("GET", "/api/flows", roles=STAFF, response=list[FlowOut])
    def flows(user: User) -> list:
        return s.flows.list(user)

    @api.route("POST", "/api/flows/validate", roles=STAFF, response=ValidateOut,
               body_content="application/yaml")  # fmt: skip
    def flow_validate(user: User, text: str) -> dict:
        """Validate a flow (YAML body) against this site without installing it."""
        return s.flows.validate(user, text)

    @api.route("GET", "/api/flows/{name}/graph.svg", roles=STAFF, content="image/svg+xml",
               statuses=(404,))  # fmt: skip
    def flow_graph(user: User, name: str) -> Response:
        return Response(s.flows.graph_svg(user, name), mimetype="image/svg+xml")

