"""Who may act on what: the role and team checks every service method passes first.

An agent acts only on itself and its own interactions; a supervisor on the agents and queues of
its teams; an admin on everything. Every refusal is journaled (`access.denied`) and raised as
`PermissionDenied` naming who, what and why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from calldesk.auth import Directory, PermissionDenied, User
from calldesk.store.journal import Journal

# The CLI's default actor: whoever can write the store file is trusted with all of it.
OPERATOR = User("cli", "admin", "local operator")


def with_agent_users(directory: Directory, agents: Iterable[tuple[str, str]]) -> Directory:
    """Every ACD agent that no `users:` entry maps is an agent user of the same id, so that it
    can log in to the desktop once it has a password (`calldesk users set-password`)."""
    mapped = {u.agent for u in directory.users.values() if u.agent}
    for agent_id, name in agents:
        if agent_id not in mapped and agent_id not in directory.users:
            directory.users[agent_id] = User(agent_id, "agent", name, agent=agent_id)
    return directory


class Access:
    def __init__(self, directory: Directory, journal: Journal, clock: Callable[[], float]) -> None:
        self.directory = directory
        self.journal = journal
        self.clock = clock

    def user(self, user_id: str) -> User:
        if user_id == OPERATOR.id and user_id not in self.directory.users:
            return OPERATOR
        return self.directory.user(user_id)

    def deny(self, user: User, action: str, subject: str, reason: str) -> PermissionDenied:
        self.journal.append(
            "access.denied", subject, {"user": user.id, "role": user.role, "action": action,
                                       "reason": reason}, self.clock(),
        )  # fmt: skip
        return PermissionDenied(reason)

    # scopes: None means everything
    def agents_of(self, user: User) -> set[str] | None:
        return self.directory.agents_of(user) if user.id in self.directory.users else None

    def queues_of(
        self, user: User, agent_queues: Callable[[str], Iterable[str]]
    ) -> set[str] | None:
        """Queues a user may see: an agent its own agent's queues."""
        if user.role == "admin":
            return None
        if user.role == "agent":
            return set(agent_queues(user.agent)) if user.agent else set()
        return self.directory.queues_of(user) or set()

    # checks
    def agent(self, user: User, agent: str, action: str) -> None:
        allowed = self.agents_of(user)
        if allowed is None or agent in allowed:
            return
        if user.role == "agent":
            reason = f"{user.id} (agent) may {action} only themselves, not agent {agent}"
        else:
            reason = f"{user.id} may not {action} agent {agent}: not in any of their teams"
        raise self.deny(user, action, agent, reason)

    def supervisor(self, user: User, action: str, subject: str) -> None:
        if user.role not in ("supervisor", "admin"):
            raise self.deny(user, action, subject,
                            f"{user.id} ({user.role}) may not {action}: supervisors and admins only")  # fmt: skip

    def admin(self, user: User, action: str, subject: str) -> None:
        if user.role != "admin":
            raise self.deny(user, action, subject,
                            f"{user.id} ({user.role}) may not {action}: admins only")  # fmt: skip

    def queue(self, user: User, queue: str, action: str, manage: bool = True,
              agent_queues: Callable[[str], Iterable[str]] = lambda a: ()) -> None:  # fmt: skip
        """`manage`: pause/resume and the like (supervisors of the queue's teams, admins);
        otherwise reading (an agent may read its own queues)."""
        if manage:
            self.supervisor(user, action, queue)
        allowed = self.queues_of(user, agent_queues)
        if allowed is not None and queue not in allowed:
            raise self.deny(user, action, queue,
                            f"{user.id} may not {action} queue {queue}: not one of their queues")  # fmt: skip

    def interaction(self, user: User, iid: str, agent: str | None, queue: str | None,
                    action: str) -> None:  # fmt: skip
        """Its agent's scope, or (supervisors) its queue's."""
        if user.role == "admin":
            return
        if user.role == "agent":
            if agent and agent == user.agent:
                return
            raise self.deny(user, action, iid,
                            f"{user.id} (agent) may {action} only their own interactions")  # fmt: skip
        agents = self.agents_of(user) or set()
        queues = self.directory.queues_of(user) or set()
        if (agent and agent in agents) or (queue and queue in queues):
            return
        raise self.deny(user, action, iid,
                        f"{user.id} may not {action} interaction {iid}: outside their teams")  # fmt: skip
