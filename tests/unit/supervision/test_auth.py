"""Users, roles and teams: supervisors act on their teams' agents, admins on all, agents never."""

from __future__ import annotations

import pytest

from calldesk.auth import Directory, PermissionDenied
from calldesk.errors import ConfigError

USERS = [
    {"id": "boss", "name": "Admin", "role": "admin", "contact": "user/2000"},
    {"id": "sup1", "role": "supervisor", "teams": ["red"], "contact": "user/2001"},
    {"id": "sup2", "role": "supervisor", "contact": "user/2002"},
    {"id": "a1", "role": "agent", "team": "red"},
    {"id": "ann", "role": "agent", "agent": "a3", "teams": ["blue"]},
]
TEAMS = [
    {"id": "red", "agents": ["a2"], "queues": ["sales"]},
    {"id": "blue", "supervisors": ["sup2"], "queues": ["support"]},
]


@pytest.fixture
def d() -> Directory:
    return Directory.from_config(USERS, TEAMS)


def test_team_membership_both_ways(d: Directory) -> None:
    assert d.agents_of(d.user("sup1")) == {"a1", "a2"}  # a1 via the user's team, a2 via the team
    assert d.agents_of(d.user("sup2")) == {"a3"}
    assert d.agents_of(d.user("boss")) is None
    assert d.agent_teams("a3") == {"blue"} and d.queues_of(d.user("sup1")) == {"sales"}


def test_supervisor_acts_only_on_own_teams(d: Directory) -> None:
    assert d.check_agent("sup1", "a1", "monitor").id == "sup1"
    with pytest.raises(
        PermissionDenied, match=r"sup1 may not monitor agent a3: not in any of their teams \(red\)"
    ):
        d.check_agent("sup1", "a3", "monitor")
    assert d.check_agent("boss", "a3", "barge").role == "admin"
    assert d.check_queue("sup2", "support", "move").id == "sup2"
    with pytest.raises(PermissionDenied, match="queue sales"):
        d.check_queue("sup2", "sales", "move")


def test_agents_never_supervise(d: Directory) -> None:
    with pytest.raises(
        PermissionDenied, match=r"a1 \(agent\) may not monitor: supervisors and admins only"
    ):
        d.check_agent("a1", "a1", "monitor")
    with pytest.raises(PermissionDenied, match="unknown user"):
        d.check_agent("ghost", "a1", "monitor")


@pytest.mark.parametrize(
    "users, teams, path",
    [
        ([{"id": "x", "role": "root"}], [], "users[0].role"),
        ([{"role": "agent"}], [], "users[0].id"),
        ([{"id": "x", "role": "agent", "teams": ["nope"]}], [], "users[0].teams"),
        ([{"id": "x", "role": "agent"}, {"id": "x", "role": "agent"}], [], "users[1].id"),
        ([{"id": "x", "role": "agent", "contact": "user/1\n"}], [], "users[0].contact"),
        ([], [{"id": "t", "agents": "a1,a2", "colour": 1}], "teams[0].colour"),
        ([], [{"id": "t", "agents": [1]}], "teams[0].agents"),
    ],
)
def test_config_refusals(users, teams, path) -> None:
    with pytest.raises(ConfigError) as err:
        Directory.from_config(users, teams)
    assert err.value.key_path == path
