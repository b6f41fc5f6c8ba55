"""ACD configuration from plain dicts: accepted shapes and refusals with key paths."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from calldesk.acd.config import parse_acd
from calldesk.errors import ConfigError

GOOD: dict[str, Any] = {
    "skills": ["billing", "fr"],
    "queues": [
        {"name": "support", "skills": [{"name": "billing", "level": 2}], "strategy": "best_skill",
         "overflow": [{"after_s": 30, "action": "add_queue", "target": "backup"},
                      {"after_s": 90, "action": "voicemail", "target": "vm-support"}]},
        {"name": "backup", "skills": ["fr"], "wrap_up_s": 15, "breakout": {"1": "callback"}},
    ],
    "agents": [
        {"id": "alice", "contact": "user/1001", "skills": {"billing": 4, "fr": 2},
         "queues": ["support", "backup"], "capacity": {"voice": 1, "chat": 2}},
        {"id": "bob", "contact": "sip:bob@example.com", "queues": ["backup"]},
    ],
    "capacity": {"limits": {"email": 3}, "blocks": [["voice", "chat"]]},
    "policy": {"rona_after": 3, "lease_s": 25},
}  # fmt: skip


def test_good_config_parses() -> None:
    cfg = parse_acd(GOOD)
    support, backup = cfg.queues
    assert support.skills == (("billing", 2),) and support.strategy == "best_skill"
    assert support.overflow[0].target == "backup" and backup.skills == (("fr", 1),)
    assert cfg.agents[0].capacity == {"voice": 1, "chat": 2}
    assert cfg.rules.limits["email"] == 3 and cfg.rules.blocks == {("voice", "chat")}
    assert cfg.policy.rona_after == 3 and cfg.policy.lease_s == 25


def _refused(mutate: Any, prefix: str = "") -> ConfigError:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ConfigError) as e:
        parse_acd(data, prefix)
    return e.value


@pytest.mark.parametrize(
    ("mutate", "key_path", "words"),
    [
        (lambda d: d["agents"][1].pop("contact"), "agents[1].contact", "no contact"),
        (lambda d: d["agents"][0]["queues"].append("sales"), "agents[0].queues[2]", "unknown queue"),
        (lambda d: d["agents"][0]["skills"].update(de=3), "agents[0].skills.de", "unknown skill"),
        (lambda d: d["queues"][0]["skills"].append({"name": "xx"}), "queues[0].skills[1].name",
         "unknown skill"),
        (lambda d: d["queues"][0]["skills"][0].update(level=7), "queues[0].skills[0].level", "1..5"),
        (lambda d: d["queues"][0]["skills"][0].update(level="high"), "queues[0].skills[0].level",
         "integer"),
        (lambda d: d["queues"][0]["overflow"][0].update(target="nowhere"),
         "queues[0].overflow[0].target", "unknown queue"),
        (lambda d: d["queues"][0]["overflow"][0].update(action="teleport"),
         "queues[0].overflow[0].action", "expected one of"),
        (lambda d: d["queues"][0].update(strategy="fastest"), "queues[0].strategy", "expected one"),
        (lambda d: d["queues"][1].update(wrap_up_s="10s"), "queues[1].wrap_up_s", "number"),
        (lambda d: d["queues"][1].update(colour="red"), "queues[1].colour", "unknown key"),
        (lambda d: d["queues"].append({"name": "support"}), "queues[2].name", "duplicate"),
        (lambda d: d["agents"].append({"id": "bob", "contact": "x"}), "agents[2].id", "duplicate"),
        (lambda d: d["agents"][0]["capacity"].update(fax=1), "agents[0].capacity.fax", "medium"),
        (lambda d: d["capacity"].update(blocks=[["voice"]]), "capacity.blocks[0]", "expected"),
        (lambda d: d["policy"].update(rona_after=1.5), "policy.rona_after", "integer"),
        (lambda d: d.update(agents={"id": "x"}), "agents", "list"),
        (lambda d: d["queues"][0].update(overflow=[{"after_s": 90, "action": "widen_skills"},
                                                   {"after_s": 30, "action": "widen_skills"}]),
         "queues[0].overflow", "increasing"),
    ],
)  # fmt: skip
def test_refusals_name_the_key_path(mutate: Any, key_path: str, words: str) -> None:
    err = _refused(mutate)
    assert err.key_path == key_path and words in err.reason


def test_prefix_is_part_of_the_key_path() -> None:
    err = _refused(lambda d: d["agents"][1].pop("contact"), prefix="acd.")
    assert err.key_path == "acd.agents[1].contact"
    assert str(err).startswith("acd.agents[1].contact:")


def test_without_a_skill_list_agent_skills_are_the_known_ones() -> None:
    data = copy.deepcopy(GOOD)
    del data["skills"]
    parse_acd(data)
    data["queues"][0]["skills"].append({"name": "klingon", "level": 1})
    with pytest.raises(ConfigError, match="unknown skill 'klingon'"):
        parse_acd(data)
