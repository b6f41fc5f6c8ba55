"""Role checks on every operation of the service API, on a fake engine (no switch): for each
operation and each user, either the engine saw the request or a PermissionDenied said why,
and every refusal is journaled."""

from __future__ import annotations

from typing import Any

import gevent
import pytest

from calldesk.auth import PermissionDenied
from calldesk.notify import Notifier
from calldesk.service import compose
from calldesk.service.errors import Invalid, NotFound, Refused
from calldesk.store import Store

SITE = {
    "queues": [{"name": "sales"}, {"name": "support"}],
    "agents": [{"id": "a1", "contact": "user/1001", "queues": ["sales"]},
               {"id": "a2", "contact": "user/1002", "queues": ["support"]},
               {"id": "a3", "contact": "user/1003", "queues": ["support"]}],
    "users": [{"id": "sup1", "role": "supervisor", "teams": ["red"]},
              {"id": "sup2", "role": "supervisor", "teams": ["blue"]},
              {"id": "boss", "role": "admin"}],
    "teams": [{"id": "red", "agents": ["a1", "a2"], "queues": ["sales"]},
              {"id": "blue", "agents": ["a3"], "queues": ["support"]}],
}  # fmt: skip


class FakeEngine:
    """What the service API calls on the ACD service; journals like the core does."""

    def __init__(self, store: Store) -> None:
        self.store, self.calls = store, []
        self.clock = lambda: 100.0

    def _log(self, name: str, subject: str, **data: Any) -> list[str]:
        self.calls.append((name, subject))
        return []

    def login(self, agent: str, ready: bool = False, wait: float | None = None) -> list[str]:
        self.store.journal.append("agent.state", agent, {"state": "available" if ready
                                                         else "not_ready"}, 100.0)  # fmt: skip
        return self._log("login", agent)

    def logout(self, agent: str, wait: float | None = None) -> list[str]:
        return self._log("logout", agent)

    def ready(self, agent: str, wait: float | None = None) -> list[str]:
        return self._log("ready", agent)

    def not_ready(self, agent: str, reason: str = "break", wait: float | None = None) -> list[str]:
        return self._log("not_ready", agent)

    def pause(self, queue: str, wait: float | None = None) -> list[str]:
        return self._log("pause", queue)

    def resume(self, queue: str, wait: float | None = None) -> list[str]:
        return self._log("resume", queue)

    def post(self, *items: Any, wait: float | None = None) -> list[str]:
        for item in items:
            self.calls.append((type(item).__name__, getattr(item, "agent", "")
                               or getattr(item, "offer", "")))  # fmt: skip
        return []


@pytest.fixture
def world(tmp_path):
    store = Store.open(tmp_path / "s.sqlite")
    store.journal.notifier = Notifier()
    engine = FakeEngine(store)
    s = compose(SITE, store, engine)
    j = store.journal
    j.append(
        "interaction.arrived", "i1", {"queue": "sales", "medium": "chat", "customer": "c"}, 99.0
    )
    j.append("interaction.offered", "i1", {"queue": "sales", "agent": "a1", "offer": "i1/o1",
                                           "why": "longest idle"}, 99.5)  # fmt: skip
    return s, engine, store


ROLES = {"a1": "self", "a2": "other agent", "sup1": "a1's supervisor", "sup2": "other team",
         "boss": "admin"}  # fmt: skip
# operation -> who may do it to agent a1 / queue sales / interaction i1
OPS: dict[str, tuple[Any, set[str]]] = {
    "agent.get": (lambda s, u: s.agents.get(u, "a1"), {"a1", "sup1", "boss"}),
    "agent.login": (lambda s, u: s.agents.login(u, "a1", True), {"a1", "sup1", "boss"}),
    "agent.logout": (lambda s, u: s.agents.logout(u, "a1"), {"a1", "sup1", "boss"}),
    "agent.ready": (lambda s, u: s.agents.set_state(u, "a1", "ready"), {"a1", "sup1", "boss"}),
    "agent.not_ready": (
        lambda s, u: s.agents.set_state(u, "a1", "not_ready", "lunch"),
        {"a1", "sup1", "boss"},
    ),
    "agent.offer": (lambda s, u: s.agents.offer(u, "a1"), {"a1", "sup1", "boss"}),
    "offer.accept": (lambda s, u: s.agents.accept(u, "i1/o1"), {"a1", "sup1", "boss"}),
    "offer.decline": (lambda s, u: s.agents.decline(u, "i1/o1"), {"a1", "sup1", "boss"}),
    "agent.wrapup": (lambda s, u: s.agents.wrapup(u, "a1", "resolved"), {"a1", "sup1", "boss"}),
    "agent.pops": (lambda s, u: s.agents.screen_pops(u, "a1"), {"a1", "sup1", "boss"}),
    "agent.day": (lambda s, u: s.agents.day(u, "a1"), {"a1", "sup1", "boss"}),
    "queue.get": (lambda s, u: s.queues.get(u, "sales"), {"a1", "sup1", "boss"}),
    "queue.history": (lambda s, u: s.queues.history(u, "sales"), {"a1", "sup1", "boss"}),
    "queue.pause": (lambda s, u: s.queues.pause(u, "sales"), {"sup1", "boss"}),
    "queue.resume": (lambda s, u: s.queues.resume(u, "sales"), {"sup1", "boss"}),
    "interaction.get": (lambda s, u: s.interactions.get(u, "i1"), {"a1", "sup1", "boss"}),
    "flows.list": (lambda s, u: s.flows.list(u), set()),  # no library here: refused for all
}


@pytest.mark.parametrize("op", sorted(OPS))
@pytest.mark.parametrize("uid", sorted(ROLES))
def test_every_operation_checks_the_acting_user(world, op: str, uid: str) -> None:
    s, engine, store = world
    call, allowed = OPS[op]
    user = s.user(uid)
    before = store.journal.count("access.denied")
    if uid in allowed:
        call(s, user)
        return
    with pytest.raises((PermissionDenied, Refused)) as exc:
        call(s, user)
    if isinstance(exc.value, PermissionDenied):
        assert store.journal.count("access.denied") == before + 1
        assert engine.calls == []  # the engine never saw it


def test_lists_are_scoped(world) -> None:
    s, _, _ = world
    ids = {u: [a["id"] for a in s.agents.list(s.user(u))] for u in ROLES}
    assert ids == {"a1": ["a1"], "a2": ["a2"], "sup1": ["a1", "a2"], "sup2": ["a3"],
                   "boss": ["a1", "a2", "a3"]}  # fmt: skip
    assert [q["name"] for q in s.queues.list(s.user("a2"))] == ["support"]
    assert [q["name"] for q in s.queues.list(s.user("sup2"))] == ["support"]
    assert [i["id"] for i in s.interactions.list(s.user("a1"))] == ["i1"]  # offered to a1
    assert s.interactions.list(s.user("a2")) == [] and s.interactions.list(s.user("sup2")) == []


def test_bad_values_and_unknown_names(world) -> None:
    s, engine, _ = world
    boss = s.user("boss")
    with pytest.raises(Invalid) as e:
        s.agents.set_state(boss, "a1", "not_ready", "nap")
    assert e.value.field == "reason"
    with pytest.raises(Invalid):
        s.agents.wrapup(boss, "a1", "shrug")
    with pytest.raises(NotFound):
        s.agents.get(boss, "zed")
    with pytest.raises(NotFound):
        s.queues.pause(boss, "nope")
    with pytest.raises(NotFound):
        s.agents.accept(boss, "i9/o9")
    with pytest.raises(PermissionDenied):
        s.user("stranger")
    assert s.user("cli").role == "admin"  # the store's own operator (the CLI's default actor)


def test_a_decline_is_a_refusal_the_core_counts(world) -> None:
    s, engine, store = world
    out = s.agents.decline(s.user("a1"), "i1/o1")
    assert out == {"offer": "i1/o1", "interaction": "i1", "accepted": False}
    assert ("OfferRefused", "i1/o1") in engine.calls
    assert [e.data["by"] for e in store.journal.read(kind="api.decline")] == ["a1"]
    s.agents.accept(s.user("a1"), "i1/o1")  # a chat offer is accepted here, not on a phone
    assert ("OfferAccepted", "i1/o1") in engine.calls


def test_an_undecided_state_change_is_pending_not_an_error(world) -> None:
    """The engine has the request but did not decide within the wait: it will carry it out,
    so the answer is 202 `pending` (a 503 would invite a retry that does it twice)."""
    from calldesk.service.errors import Pending
    from calldesk.web.api import map_error

    s, engine, _ = world

    def slow(*args: Any, **kw: Any) -> list[str]:
        raise gevent.Timeout()

    engine.ready = slow
    with pytest.raises(Pending) as e:
        s.agents.set_state(s.user("a1"), "a1", "ready")
    err = map_error(e.value)
    assert (err.status, err.error) == (202, "pending") and "push" in err.detail


def test_an_agents_teams_follow_the_directory(world) -> None:
    from calldesk.auth import Team, User

    s, _, _ = world
    assert s.agents.get(s.user("boss"), "a1")["teams"] == ["red"]
    d = s.access.directory
    d.teams["green"] = Team("green", agents=frozenset({"a1"}))
    assert s.agents.get(s.user("boss"), "a1")["teams"] == ["green", "red"]
    d.users["ann"] = User("ann", "agent", teams=frozenset({"blue"}), agent="a1")
    assert s.agents.get(s.user("boss"), "a1")["teams"] == ["blue", "green", "red"]
