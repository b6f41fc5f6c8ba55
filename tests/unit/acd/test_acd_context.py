"""Routing by customer context (calldesk.acd.context): sticky agent, priority from customer
fields, the language spoken last time; each rule in the "why this agent" trace; config keys."""

from __future__ import annotations

import pytest
from tests.unit.acd.helpers import agent, arrive, make, offers, only_offer

from calldesk.acd import QueueConfig
from calldesk.acd import events as ev
from calldesk.acd.config import parse_acd
from calldesk.acd.context import ContextRules, PriorityRule
from calldesk.errors import ConfigError


def _q(**rules: object) -> QueueConfig:
    return QueueConfig("q", context=ContextRules(**rules))  # type: ignore[arg-type]


def _serve(acd, iid: str, now: float) -> str:  # type: ignore[no-untyped-def]
    """Accept the pending offer of `iid`, end it and finish the wrap-up; returns the agent."""
    o = [x for x in acd.offers.values() if x.interaction == iid][0]
    acd.handle(ev.OfferAccepted(o.id), now)
    acd.handle(ev.InteractionEnded(iid), now + 1)
    return o.agent


def test_sticky_prefers_the_last_agent_named_by_the_context() -> None:
    acd = make([_q(sticky_s=20)], [agent("a1", "q"), agent("a2", "q")])
    # a1 idles longest and would get it by longest_idle: the context names a2
    o = only_offer(arrive(acd, "i1", "q", 10, context={"customer": "cu-1", "last_agent": "a2"}))
    assert o.agent == "a2"
    assert o.why.rule == "sticky"
    assert "sticky: a2 served this customer last, held 20 s" in o.why.context
    assert "context=[sticky: a2" in str(o.why)


def test_sticky_waits_for_a_busy_last_agent_then_widens() -> None:
    acd = make([_q(sticky_s=15)], [agent("a1", "q"), agent("a2", "q")])
    acd.handle(ev.AgentNotReady("a2"), 5)  # logged in but not free
    assert offers(arrive(acd, "i1", "q", 10, context={"last_agent": "a2"})) == []
    assert acd.handle(ev.Tick(), 24.9) == []
    o = only_offer(acd.handle(ev.Tick(), 25))
    assert o.agent == "a1" and o.why.rule == "longest_idle"
    assert "sticky: a2 not free in time, widened" in o.why.context


def test_sticky_agent_free_within_the_window_gets_it() -> None:
    acd = make([_q(sticky_s=15)], [agent("a1", "q"), agent("a2", "q")])
    acd.handle(ev.AgentNotReady("a2"), 5)
    assert offers(arrive(acd, "i1", "q", 10, context={"last_agent": "a2"})) == []
    o = only_offer(acd.handle(ev.AgentReady("a2"), 12))
    assert o.agent == "a2" and o.why.rule == "sticky"


def test_sticky_widens_at_once_when_the_last_agent_is_logged_out() -> None:
    acd = make([_q(sticky_s=30)], [agent("a1", "q"), agent("a2", "q")])
    acd.handle(ev.AgentLogout("a2"), 5)
    o = only_offer(arrive(acd, "i1", "q", 10, context={"last_agent": "a2"}))
    assert o.agent == "a1"
    assert "sticky: a2 is not logged in, widened" in o.why.context


def test_sticky_from_the_cores_memory_of_the_customer_record() -> None:
    acd = make([_q(sticky_s=30)], [agent("a1", "q"), agent("a2", "q")])
    acd.handle(ev.AgentNotReady("a1"), 5)
    only_offer(arrive(acd, "i1", "q", 10, context={"customer": "cu-7"}))
    assert _serve(acd, "i1", 11) == "a2"
    acd.handle(ev.AgentReady("a1"), 20)  # a1 now idles longest
    acd.handle(ev.Tick(), 40)
    # another number, same customer record: a2 again, not a1
    o = only_offer(arrive(acd, "i2", "q", 50, customer="+1555", context={"customer": "cu-7"}))
    assert o.agent == "a2" and o.why.rule == "sticky"


def test_priority_from_customer_fields_orders_the_line() -> None:
    rules = (
        PriorityRule("tier", 5, "gold"),
        PriorityRule("open_complaint", 10),
    )
    acd = make([_q(priority=rules)], [agent("a1", "q")], ready=False)
    arrive(acd, "plain", "q", 1, context={"fields": {"tier": "std"}})
    arrive(acd, "gold", "q", 2, context={"fields": {"tier": "gold"}})
    arrive(acd, "angry", "q", 3, context={"fields": {"open_complaint": True, "tier": "gold"}})
    assert acd.interactions["angry"].priority == 15
    assert acd.interactions["gold"].priority == 5
    assert acd.interactions["plain"].priority == 0
    o = only_offer(acd.handle(ev.AgentLogin("a1", ready=True), 4))
    assert o.interaction == "angry"
    assert o.why.context == ("priority +5: tier='gold'", "priority +10: open_complaint=True")


def test_language_spoken_last_time_requires_its_skill() -> None:
    q = _q(languages={"es": "spanish"})
    acd = make([q], [agent("a1", "q"), agent("a2", "q", skills={"spanish": 2})])
    o = only_offer(arrive(acd, "i1", "q", 10, context={"language": "es"}))
    assert o.agent == "a2" and o.why.considered == ("a2",)
    assert "language es: skill spanish required" in o.why.context
    o = only_offer(arrive(acd, "i2", "q", 11, context={"language": "de"}))
    assert o.agent == "a1"
    assert "language de: no skill configured, any agent" in o.why.context


def test_no_rules_no_notes() -> None:
    acd = make([QueueConfig("q")], [agent("a1", "q")])
    o = only_offer(arrive(acd, "i1", "q", 1, context={"last_agent": "a1", "language": "es"}))
    assert o.why.context == () and "context=" not in str(o.why)


def test_config_keys_parse_and_refuse_with_their_path() -> None:
    base = {"skills": ["spanish"], "agents": [{"id": "a1", "contact": "user/1", "queues": ["q"]}]}
    cfg = parse_acd(
        {
            **base,
            "queues": [
                {
                    "name": "q",
                    "context": {
                        "sticky_s": 20,
                        "priority": [{"field": "tier", "equals": "gold", "add": 5}],
                        "languages": {"es": "spanish"},
                    },
                }
            ],
        },
        "acd.",
    )
    rules = cfg.queues[0].context
    assert rules.sticky_s == 20 and rules.priority == (PriorityRule("tier", 5, "gold"),)
    assert rules.languages == {"es": "spanish"}
    bad = [
        ({"sticky_s": -1}, "acd.queues[0].context.sticky_s"),
        ({"sticky": 3}, "acd.queues[0].context.sticky"),
        ({"priority": [{"field": "tier"}]}, "acd.queues[0].context.priority[0].add"),
        ({"priority": [{"add": 1}]}, "acd.queues[0].context.priority[0].field"),
        ({"languages": {"fr": "french"}}, "acd.queues[0].context.languages.fr"),
        ({"priority": {"tier": 1}}, "acd.queues[0].context.priority"),
    ]
    for ctx, key in bad:
        with pytest.raises(ConfigError) as err:
            parse_acd({**base, "queues": [{"name": "q", "context": ctx}]}, "acd.")
        assert str(err.value).startswith(f"{key}:"), (ctx, str(err.value))
