"""Supervision: listen, whisper, barge, takeover and mode switches on agents' calls, and the
supervisor's hand on agents (force a state, force a logout). The checks are the supervision
package's (`Directory.check_agent`), audited there; here they all take the acting user."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from calldesk.auth import User
from calldesk.service.access import Access
from calldesk.service.errors import Invalid, NotFound, Refused
from calldesk.supervision.acd_actions import ActionRefused, SupervisorActions
from calldesk.supervision.modes import parse_mode
from calldesk.supervision.service import ACTIVE, RINGING, Session, SupervisionService
from calldesk.supervision.session import SupervisionError

ALIASES = {"listen": "monitor"}  # the HTTP contract's word for the CLI's monitor


def session_view(s: Session) -> dict[str, Any]:
    row = asdict(s)
    row.pop("pending", None)
    return row


def _mode(mode: str) -> str:
    try:
        return parse_mode(ALIASES.get(mode, mode)).value
    except ValueError as exc:
        raise Invalid("mode", str(exc)) from None


def _refused(exc: Exception) -> Exception:
    text = str(exc)
    return (NotFound if text.startswith("no ") else Refused)(text)


class SupervisionApi:
    def __init__(self, access: Access, sessions: SupervisionService,
                 actions: SupervisorActions) -> None:  # fmt: skip
        self.access, self.sessions, self.actions = access, sessions, actions

    def start(self, user: User, agent: str, mode: str = "monitor") -> dict[str, Any]:
        """Rings the supervisor's phone and answers once it joined (or why it did not)."""
        self.access.supervisor(user, "supervise", agent)
        mode = _mode(mode)
        try:
            s = self.sessions.start(user.id, agent, mode)
            self.sessions._wait(lambda: s.status != RINGING, self.sessions.settings.answer_timeout + 5)
        except SupervisionError as exc:
            raise _refused(exc) from None
        if s.status != ACTIVE:
            raise Refused(f"not joined: {s.end_reason or s.status}")
        return session_view(s)

    def mode(self, user: User, session: str, mode: str) -> dict[str, Any]:
        self.access.supervisor(user, "change a supervision mode", session)
        try:
            return session_view(self.sessions.change_mode(user.id, session, _mode(mode)))
        except SupervisionError as exc:
            raise _refused(exc) from None

    def takeover(self, user: User, session: str) -> dict[str, Any]:
        return self.mode(user, session, "takeover")

    def stop(self, user: User, session: str) -> dict[str, Any]:
        self.access.supervisor(user, "stop a supervision", session)
        try:
            return session_view(self.sessions.stop(user.id, session))
        except SupervisionError as exc:
            raise _refused(exc) from None

    def list(self, user: User) -> list[dict[str, Any]]:
        self.access.supervisor(user, "list supervision sessions", "supervision")
        return [session_view(s) for s in self.sessions.visible(user.id)]

    def force_state(self, user: User, agent: str, state: str, reason: str | None = None) -> dict:
        self.access.supervisor(user, "force the state of", agent)
        if state not in ("ready", "not_ready"):
            raise Invalid("state", f"must be ready or not_ready, not {state!r}")
        try:
            return self.actions.set_state(user.id, agent, state, reason or "supervisor")
        except ActionRefused as exc:
            raise _refused(exc) from None

    def force_logout(self, user: User, agent: str) -> dict[str, Any]:
        self.access.supervisor(user, "log out", agent)
        try:
            return self.actions.logout(user.id, agent)
        except ActionRefused as exc:
            raise _refused(exc) from None
