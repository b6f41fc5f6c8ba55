"""Outbound routing: allow-list, premium/international blocks, failover and leg limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk.trunks import OutboundRouter, TrunkLegs, parse_outbound, parse_trunks
from calldesk.trunks.patterns import PatternError, compile_pattern

ENV = {"A_USER": "u", "A_PASS": "p4ssw0rd-long"}


def trunks(a_legs: int = 2, b_legs: int = 2, **b_extra):
    raw = [
        {
            "name": "alpha",
            "gateway": {"proxy": "sip.alpha.example", "auth": "registration",
                        "username_env": "A_USER", "password_env": "A_PASS"},
            "max_legs": a_legs,
        },
        {
            "name": "beta",
            "gateway": {"proxy": "198.51.100.20", "auth": "ip"},
            "acl": ["198.51.100.20"],
            "max_legs": b_legs,
            "number_format": "digits",
            **b_extra,
        },
    ]  # fmt: skip
    return parse_trunks(raw, env=ENV)


def router(outbound=None, **kw) -> OutboundRouter:
    return OutboundRouter(trunks(**kw), parse_outbound(outbound or {}))


def test_patterns():
    p = compile_pattern("+1NXXNXXXXXX")
    assert p.matches("+12125551234") and not p.matches("+11255512345")
    assert not p.matches("+121255512345")
    assert compile_pattern("+44*").matches("+44") and compile_pattern("+44*").matches("+4420")
    assert compile_pattern("+33[1-5]*").matches("+3312") and not compile_pattern(
        "+33[1-5]*"
    ).matches("+336")
    for bad in ("44*", "+4*4", "+", "+1[5-1]", "+1a"):
        with pytest.raises(PatternError):
            compile_pattern(bad)


def test_routes_a_domestic_number_on_the_first_trunk():
    d = router().route("+12125551234", TrunkLegs())
    assert d.ok and d.trunk == "alpha" and d.code == "routed"
    assert d.dial_string == "sofia/gateway/alpha/+12125551234"
    assert "allowed by +1*" in d.reason


@pytest.mark.parametrize(
    "number, code",
    [
        ("+19005551234", "premium"),  # NANP 900
        ("+12129761234", "premium"),  # NANP 976 exchange
        ("+18765551234", "international"),  # Jamaica is +1 but another country
        ("+442079460000", "international"),
        ("+449098790000", "premium"),  # UK 09: premium wins over international
        ("2125551234", "not_e164"),
        ("+1212555\n1234", "not_e164"),
    ],
)
def test_blocked_destinations(number, code):
    d = router().route(number, TrunkLegs())
    assert not d.ok and d.code == code and d.trunk is None and d.dial_string is None


def test_international_and_premium_only_when_explicitly_allowed():
    policy = parse_outbound({"allow_international": ["+4420*"], "allow_premium": ["+1900555XXXX"]})
    # the default trunks only route +1*: a UK number has no trunk even when allowed
    assert OutboundRouter(trunks(), policy).route("+442079460000", TrunkLegs()).code == "no_route"
    world = parse_trunks(
        [{"name": "world", "gateway": {"proxy": "198.51.100.9", "auth": "ip"},
          "acl": ["198.51.100.9"], "max_legs": 5, "routes": ["+1*", "+44*"]}],
        env={},
    )  # fmt: skip
    r = OutboundRouter(world, policy)
    assert r.route("+442079460000", TrunkLegs()).ok
    assert r.route("+441619460000", TrunkLegs()).code == "international"
    assert r.route("+19005551234", TrunkLegs()).ok
    assert r.route("+19005561234", TrunkLegs()).code == "premium"


def test_allow_list_narrows_domestic_dialling():
    r = router({"allow": ["+1212NXXXXXX"]})
    assert r.route("+12125551234", TrunkLegs()).ok
    d = r.route("+13105551234", TrunkLegs())
    assert d.code == "not_allowed" and "no allow-list pattern" in d.reason


def test_trunk_home_country_decides_what_is_international():
    policy = parse_outbound({"allow": ["+1*", "+44*"]})
    uk = parse_trunks(
        [{"name": "uk", "gateway": {"proxy": "198.51.100.9", "auth": "ip"},
          "acl": ["198.51.100.9"], "max_legs": 5, "country": "44"}],
        env={},
    )  # fmt: skip
    r = OutboundRouter(uk, policy)
    assert r.route("+442079460000", TrunkLegs()).ok
    assert r.route("+12125551234", TrunkLegs()).code == "no_route"


def test_failover_on_trunk_failure_causes():
    r = router()
    legs = TrunkLegs()
    first = r.route("+12125551234", legs)
    nxt = r.after_failure("+12125551234", "GATEWAY_DOWN", legs, tried=[first.trunk])
    assert nxt.ok and nxt.trunk == "beta"
    assert nxt.dial_string == "sofia/gateway/beta/12125551234"  # digits format
    assert nxt.skipped == (("alpha", "already tried"),)
    last = r.after_failure("+12125551234", "NORMAL_TEMPORARY_FAILURE", legs, ["alpha", "beta"])
    assert not last.ok and last.code == "exhausted"


@pytest.mark.parametrize("cause", ["USER_BUSY", "NO_ANSWER", "CALL_REJECTED", "UNALLOCATED_NUMBER"])
def test_no_failover_on_the_callees_answer(cause):
    d = router().after_failure("+12125551234", cause, TrunkLegs(), tried=["alpha"])
    assert not d.ok and d.code == "no_failover" and cause in d.reason


def test_leg_limits_skip_a_full_trunk_then_refuse():
    r = router(a_legs=1, b_legs=1)
    legs = TrunkLegs()
    d1 = r.route("+12125551234", legs)
    legs.started(d1.trunk, "leg-1")
    d2 = r.route("+12125551234", legs)
    assert d2.trunk == "beta" and d2.skipped == (("alpha", "at its leg limit (1/1)"),)
    legs.started(d2.trunk, "leg-2")
    d3 = r.route("+12125551234", legs)
    assert not d3.ok and d3.code == "all_at_limit"
    legs.ended("leg-1")
    assert r.route("+12125551234", legs).trunk == "alpha"


def test_leg_counter_folds_events_idempotently():
    legs = TrunkLegs()
    create = {"Event-Name": "CHANNEL_CREATE", "Unique-ID": "u1", "variable_calldesk_trunk": "alpha"}
    legs.apply(create)
    legs.apply(create)  # a re-fired event counts once
    legs.apply({"Event-Name": "CHANNEL_CREATE", "Unique-ID": "u2"})  # not a trunk leg
    assert legs.active("alpha") == 1
    legs.apply({"Event-Name": "CHANNEL_DESTROY", "Unique-ID": "u1"})
    legs.apply({"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": "u1"})
    assert legs.active("alpha") == 0


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), max_size=40))
def test_leg_counter_never_goes_negative_and_matches_live_set(ops):
    legs, live = TrunkLegs(), set()
    for start, n in ops:
        uuid = f"u{n}"
        if start:
            legs.started("alpha", uuid)
            live.add(uuid)
        else:
            legs.ended(uuid)
            live.discard(uuid)
        assert legs.active("alpha") == len(live)
