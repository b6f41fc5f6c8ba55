"""Supervisor actions on the real (pure) ACD core: permissions first, journal always."""

from __future__ import annotations

import pytest

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.agents import AgentState
from calldesk.auth import Directory, PermissionDenied
from calldesk.store import Store
from calldesk.supervision.acd_actions import ActionRefused, SupervisorActions

DIRECTORY = Directory.from_config(
    [{"id": "sup1", "role": "supervisor", "teams": ["red"]}, {"id": "sup2", "role": "supervisor", "teams": ["blue"]},
     {"id": "boss", "role": "admin"}, {"id": "a1", "role": "agent", "teams": ["red"]}],
    [{"id": "red", "agents": ["a1", "a2"], "queues": ["sales"]}, {"id": "blue", "agents": ["a3"], "queues": ["support"]}],
)  # fmt: skip


@pytest.fixture
def env():
    core = Acd([QueueConfig("sales"), QueueConfig("support")],
               [AgentConfig(a, f"user/{a}", queues=("sales",)) for a in ("a1", "a2", "a3")])  # fmt: skip
    for n, a in enumerate(("a1", "a2", "a3")):
        core.handle(ev.AgentLogin(a, ready=True), float(n))
    store = Store.open(":memory:")
    t = iter(range(100, 1000))
    yield (
        core,
        store,
        SupervisorActions(core, DIRECTORY, store.journal, clock=lambda: float(next(t))),
    )
    store.close()


def test_force_not_ready_ready_and_logout(env) -> None:
    core, store, acts = env
    acts.set_state("sup1", "a1", "not_ready", reason="coaching")
    assert (
        core.agents["a1"].state is AgentState.NOT_READY and core.agents["a1"].reason == "coaching"
    )
    acts.set_state("sup1", "a1", "ready")
    assert core.agents["a1"].state is AgentState.AVAILABLE
    acts.logout("boss", "a3")
    assert core.agents["a3"].state is AgentState.LOGGED_OUT
    entries = [
        (e.kind, e.subject, e.data["by"]) for e in store.journal.read(kind_prefix="supervision.")
    ]
    assert entries == [("supervision.agent_state", "a1", "sup1"), ("supervision.agent_state", "a1", "sup1"),
                       ("supervision.logout", "a3", "boss")]  # fmt: skip


def test_refusals(env) -> None:
    core, store, acts = env
    with pytest.raises(PermissionDenied, match="sup2 may not log out agent a1"):
        acts.logout("sup2", "a1")
    with pytest.raises(PermissionDenied, match="supervisors and admins only"):
        acts.set_state("a1", "a2", "not_ready")
    with pytest.raises(ActionRefused, match="ready or not_ready"):
        acts.set_state("sup1", "a1", "lunch")
    assert core.agents["a1"].state is AgentState.AVAILABLE
    assert store.journal.count("supervision.refused") == 2


def test_queue_actions_check_the_queue_then_reach_the_core(env) -> None:
    core, store, acts = env
    core.handle(ev.AgentNotReady("a1"), 5.0)
    core.handle(ev.AgentNotReady("a2"), 5.0)
    core.handle(ev.AgentLogout("a3"), 5.0)
    core.handle(ev.InteractionArrived("i1", "sales"), 6.0)
    core.handle(ev.InteractionArrived("i2", "sales"), 7.0)
    with pytest.raises(PermissionDenied, match="queue sales"):
        acts.move("sup2", "i1", "support")
    with pytest.raises(PermissionDenied, match="queue support"):
        acts.move("sup1", "i1", "support")  # may act on sales, not move into support
    with pytest.raises(ActionRefused, match="no interaction"):
        acts.set_priority("sup1", "nope", 5)
    acts.set_priority("sup1", "i2", 9)
    assert core.interactions["i2"].priority == 9
    acts.pull("sup1", "i1", "a2")
    assert core.interactions["i1"].pulled_to == "a2"
    acts.set_state("sup1", "a2", "ready")
    assert [(o.agent, o.interaction) for o in core.offers.values()] == [("a2", "i1")]
    with pytest.raises(ActionRefused, match="not waiting"):
        acts.move("boss", "i1", "support")
    acts.move("boss", "i2", "support")
    assert core.interactions["i2"].queue == "support"
    with pytest.raises(ActionRefused, match="logged out"):  # the core's own reason
        acts.pull("boss", "i2", "a3")
    kinds = [e.kind for e in store.journal.read(kind_prefix="supervision.")]
    assert kinds == ["supervision.refused", "supervision.refused", "supervision.priority",
                     "supervision.pull", "supervision.agent_state", "supervision.move",
                     "supervision.refused"]  # fmt: skip


def test_release_after_takeover(env) -> None:
    core, store, acts = env
    offer = core.handle(ev.InteractionArrived("i1", "sales"), 6.0)[0]
    core.handle(ev.OfferAccepted(offer.id), 7.0)
    assert acts.release_agent(offer.agent, "i1") == []
    assert core.agents[offer.agent].state is AgentState.AVAILABLE  # no wrap-up time configured
    assert core.interactions["i1"].agent is None
    assert acts.release_agent(offer.agent, "i1") != []  # already released: the core says why
    assert store.journal.count("supervision.release") == 2
