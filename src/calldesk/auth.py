"""Users, roles, teams and the permission checks every supervisor or recording action passes.

Pure: built from the `users:` and `teams:` config lists, no IO. Config shape::

    users:
      - {id: sup1, name: Sam, role: supervisor, teams: [sales], contact: user/2001}
      - {id: a1, name: Ann, role: agent, agent: a1}            # agent: the ACD agent id (default: id)
      - {id: boss, role: admin, contact: user/2000}
    teams:
      - {id: sales, agents: [a1, a2], supervisors: [sup1], queues: [sales]}

A supervisor belongs to a team when the team lists them in `supervisors` (or `members`) or the
user lists the team in `teams`. Agents belong to a team through the team's `agents` list or their
own `teams`. `queues` lets a team's supervisors act on interactions waiting in those queues.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from calldesk.errors import CalldeskError, ConfigError

ROLES = ("agent", "supervisor", "admin")


class PermissionDenied(CalldeskError):
    """The user may not do this. The message says who, what and why."""


@dataclass(frozen=True)
class User:
    id: str
    role: str
    name: str = ""
    teams: frozenset[str] = frozenset()
    contact: str = ""  # dial string of the user's phone (supervisors)
    agent: str | None = None  # ACD agent id for role agent


@dataclass(frozen=True)
class Team:
    id: str
    agents: frozenset[str] = frozenset()
    supervisors: frozenset[str] = frozenset()
    queues: frozenset[str] = frozenset()


def _strs(value: Any, path: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(path, "must be a list of names")
    return frozenset(value)


def _text(item: Mapping[str, Any], key: str, path: str, required: bool = False) -> str:
    value = item.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{path}.{key}", "is required")
        return ""
    if not isinstance(value, str) or any(c in value for c in "\r\n\x00"):
        raise ConfigError(f"{path}.{key}", f"must be one line of text, not {value!r}")
    return value


@dataclass
class Directory:
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)

    @classmethod
    def from_config(cls, users: Iterable[Any], teams: Iterable[Any]) -> Directory:
        """Check and load the raw `users:` and `teams:` lists; errors name the key path."""
        d = cls()
        for i, raw in enumerate(teams):
            path = f"teams[{i}]"
            if not isinstance(raw, Mapping):
                raise ConfigError(path, "must be a mapping")
            unknown = set(raw) - {"id", "name", "agents", "supervisors", "members", "queues"}
            if unknown:
                raise ConfigError(f"{path}.{sorted(unknown)[0]}", "unknown key")
            tid = _text(raw, "id", path, required=True)
            if tid in d.teams:
                raise ConfigError(f"{path}.id", f"duplicate team {tid!r}")
            sups = _strs(raw.get("supervisors"), f"{path}.supervisors")
            d.teams[tid] = Team(
                tid,
                agents=_strs(raw.get("agents"), f"{path}.agents"),
                supervisors=sups | _strs(raw.get("members"), f"{path}.members"),
                queues=_strs(raw.get("queues"), f"{path}.queues"),
            )
        for i, raw in enumerate(users):
            path = f"users[{i}]"
            if not isinstance(raw, Mapping):
                raise ConfigError(path, "must be a mapping")
            unknown = set(raw) - {"id", "name", "role", "team", "teams", "contact", "agent"}
            if unknown:
                raise ConfigError(f"{path}.{sorted(unknown)[0]}", "unknown key")
            uid = _text(raw, "id", path, required=True)
            role = _text(raw, "role", path, required=True)
            if role not in ROLES:
                raise ConfigError(
                    f"{path}.role", f"must be one of {', '.join(ROLES)}, not {role!r}"
                )
            if uid in d.users:
                raise ConfigError(f"{path}.id", f"duplicate user {uid!r}")
            teams_ = _strs(raw.get("teams"), f"{path}.teams") | _strs(
                raw.get("team"), f"{path}.team"
            )
            for t in teams_:
                if t not in d.teams:
                    raise ConfigError(f"{path}.teams", f"unknown team {t!r}")
            agent = _text(raw, "agent", path) or (uid if role == "agent" else None)
            d.users[uid] = User(
                uid, role, _text(raw, "name", path), teams_, _text(raw, "contact", path), agent
            )
        return d

    # lookups
    def user(self, user_id: str) -> User:
        u = self.users.get(user_id)
        if u is None:
            raise PermissionDenied(f"unknown user {user_id!r}")
        return u

    def supervised_teams(self, user: User) -> set[str]:
        return {t.id for t in self.teams.values() if user.id in t.supervisors} | set(user.teams)

    def agent_teams(self, agent_id: str) -> set[str]:
        out = {t.id for t in self.teams.values() if agent_id in t.agents}
        for u in self.users.values():
            if u.agent == agent_id:
                out |= set(u.teams)
        return out

    def agents_of(self, user: User) -> set[str] | None:
        """Agent ids this user may act on; None means all (admin)."""
        if user.role == "admin":
            return None
        if user.role == "agent":
            return {user.agent} if user.agent else set()
        teams = self.supervised_teams(user)
        out = {a for t in teams for a in self.teams[t].agents}
        out |= {u.agent for u in self.users.values() if u.agent and u.teams & teams}
        return out

    def queues_of(self, user: User) -> set[str] | None:
        if user.role == "admin":
            return None
        if user.role != "supervisor":
            return set()
        return {q for t in self.supervised_teams(user) for q in self.teams[t].queues}

    # checks: each raises PermissionDenied with a clear reason, or returns the acting user
    def require_supervisor(self, user_id: str, action: str) -> User:
        u = self.user(user_id)
        if u.role not in ("supervisor", "admin"):
            raise PermissionDenied(
                f"{u.id} ({u.role}) may not {action}: supervisors and admins only"
            )
        return u

    def check_agent(self, user_id: str, agent_id: str, action: str) -> User:
        """A supervisor acts only on agents in their teams; admins on all; agents never."""
        u = self.require_supervisor(user_id, action)
        allowed = self.agents_of(u)
        if allowed is not None and agent_id not in allowed:
            raise PermissionDenied(
                f"{u.id} may not {action} agent {agent_id}: not in any of their teams "
                f"({', '.join(sorted(self.supervised_teams(u))) or 'none'})"
            )
        return u

    def check_queue(self, user_id: str, queue: str, action: str) -> User:
        u = self.require_supervisor(user_id, action)
        allowed = self.queues_of(u)
        if allowed is not None and queue not in allowed:
            raise PermissionDenied(
                f"{u.id} may not {action} in queue {queue}: not a queue of their teams"
            )
        return u

    def check_recording(
        self, user_id: str, agent: str | None, queue: str | None, action: str
    ) -> User:
        """Admins: every recording. Supervisors: their agents' or their queues'. Agents: their own."""
        u = self.user(user_id)
        if u.role == "admin":
            return u
        if u.role == "agent":
            if agent and agent == u.agent:
                return u
            raise PermissionDenied(f"{u.id} (agent) may {action} only their own recordings")
        agents, queues = self.agents_of(u) or set(), self.queues_of(u) or set()
        if (agent and agent in agents) or (queue and queue in queues):
            return u
        raise PermissionDenied(
            f"{u.id} may not {action} a recording of agent {agent or '-'} / queue {queue or '-'}: "
            "outside their teams"
        )
