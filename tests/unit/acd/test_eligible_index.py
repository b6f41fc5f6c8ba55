"""The eligible-agent index (calldesk.acd.eligible): what a walk over the open agents gives."""

from __future__ import annotations

from tests.unit.acd.helpers import agent

from calldesk.acd.agents import Agent
from calldesk.acd.capacity import CapacityRules
from calldesk.acd.eligible import EligibleSets


def open_agent(aid: str, idle_since: float, skills: dict[str, int] | None = None) -> Agent:
    a = Agent(agent(aid, "q", skills=skills or {}))
    a.logged_in = a.ready = True
    a.idle_since = idle_since
    return a


def test_longest_idle_count_and_first_ids_follow_updates() -> None:
    sets = EligibleSets(CapacityRules())
    agents = {a.id: a for a in (open_agent("b", 5.0), open_agent("a", 5.0), open_agent("c", 1.0))}
    s = sets.get("q", "voice", (), agents)
    assert s.longest_idle().id == "c"  # idle longest
    assert s.first_ids(2) == ("a", "b") and len(s.members) == 3
    c = agents["c"]
    c.idle_since = 9.0  # took a call and is idle again, later: the router refreshes it
    sets.update(c, is_open=True)
    assert s.longest_idle().id == "a"  # ties on idle time go by id, as min() over (since, id)
    sets.update(agents["a"], is_open=False)  # rang, busy
    assert s.longest_idle().id == "b" and s.first_ids(5) == ("b", "c")


def test_skills_and_media_make_their_own_sets() -> None:
    sets = EligibleSets(CapacityRules())
    agents = {"a": open_agent("a", 1.0, {"es": 3}), "b": open_agent("b", 2.0)}
    spanish = sets.get("q", "voice", (("es", 2),), agents)
    anyone = sets.get("q", "voice", (), agents)
    assert list(spanish.members) == ["a"] and len(anyone.members) == 2
    sets.update(agents["a"], is_open=False)
    assert spanish.longest_idle() is None and anyone.longest_idle().id == "b"


def test_stale_heap_entries_are_rebuilt_away() -> None:
    sets = EligibleSets(CapacityRules())
    a = open_agent("a", 0.0)
    s = sets.get("q", "voice", (), {"a": a})
    for t in range(1, 500):  # many refreshes: the heap is rebuilt, never grows without end
        a.idle_since = float(t)
        sets.update(a, is_open=True)
    assert len(s._heap) <= 2 * len(s.members) + 64 + 1
    assert s.longest_idle() is a
