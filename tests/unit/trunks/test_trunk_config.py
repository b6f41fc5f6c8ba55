"""Trunk parsing: what is accepted, and every refusal with its key path."""

from __future__ import annotations

import copy

import pytest

from calldesk.errors import ConfigError
from calldesk.trunks import parse_outbound, parse_trunks

ENV = {"CARRIER_A_USER": "acct1", "CARRIER_A_PASSWORD": "s3cr3t-Xy"}
FLOWS = {"bank", "support"}

GOOD = [
    {
        "name": "carrier-a",
        "gateway": {
            "proxy": "sip.carrier-a.example:5060",
            "auth": "registration",
            "username_env": "CARRIER_A_USER",
            "password_env": "CARRIER_A_PASSWORD",
        },
        "codecs": ["PCMU", "PCMA"],
        "max_legs": 30,
        "acl": ["203.0.113.0/24", "198.51.100.7"],
        "dids": [{"number": "+15551230000", "flow": "bank"}],
    },
    {
        "name": "carrier-b",
        "gateway": {"proxy": "198.51.100.20", "auth": "ip"},
        "max_legs": 10,
        "acl": ["198.51.100.20"],
        "routes": ["+1NXXNXXXXXX"],
        "dids": [{"number": "+15559870000", "flow": "support", "answer": "pre_answer"}],
    },
]


def parse(raw, env=ENV, flows=FLOWS):
    return parse_trunks(raw, env=env, known_flows=flows, source="calldesk.yaml")


def refused(raw, env=ENV, flows=FLOWS) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse(raw, env, flows)
    return info.value


def test_good_trunks_parse_with_secrets_from_the_environment():
    a, b = parse(GOOD)
    assert a.gateway.username == "acct1" and a.gateway.password == "s3cr3t-Xy"
    assert a.acl == ("203.0.113.0/24", "198.51.100.7/32")
    assert a.routes[0].text == "+1*" and a.country == "1"
    assert b.gateway.auth == "ip" and not b.has_auth
    assert b.dids[0].answer == "pre_answer"
    assert b.dial_number("+15551234567") == "+15551234567"


def test_missing_credentials_env_var_is_refused():
    err = refused(GOOD, env={"CARRIER_A_USER": "acct1"})
    assert err.key_path == "trunks[0].gateway.password_env"
    assert "CARRIER_A_PASSWORD is not set" in err.reason
    assert err.source == "calldesk.yaml"


def test_a_secret_written_in_the_file_is_refused():
    raw = copy.deepcopy(GOOD)
    raw[0]["gateway"]["password"] = "hunter2"
    err = refused(raw)
    assert err.key_path == "trunks[0].gateway.password"
    assert "password_env" in err.reason


def test_did_mapped_to_no_flow_is_refused():
    raw = copy.deepcopy(GOOD)
    raw[1]["dids"][0]["flow"] = "nope"
    err = refused(raw)
    assert err.key_path == "trunks[1].dids[0].flow"
    assert "unknown flow 'nope'" in err.reason
    raw[1]["dids"][0] = {"number": "+15559870000"}
    assert refused(raw).key_path == "trunks[1].dids[0].flow"
    raw[1]["dids"][0] = "+15559870000"
    assert refused(raw).key_path == "trunks[1].dids[0]"


def test_trunk_with_neither_acl_nor_auth_is_refused():
    raw = copy.deepcopy(GOOD)
    del raw[1]["acl"]
    err = refused(raw)
    assert err.key_path == "trunks[1].acl"
    assert "neither auth nor an ACL" in err.reason


def test_registration_trunk_without_acl_is_accepted():
    raw = copy.deepcopy(GOOD)
    del raw[0]["acl"]
    assert parse(raw)[0].acl == ()


@pytest.mark.parametrize(
    "mutate, path",
    [
        (lambda r: r[0]["acl"].append("0.0.0.0/0"), "trunks[0].acl[2]"),
        (lambda r: r[0]["acl"].append("carrier.example"), "trunks[0].acl[2]"),
        (lambda r: r[0].pop("max_legs"), "trunks[0].max_legs"),
        (lambda r: r[0].update(max_legs=0), "trunks[0].max_legs"),
        (lambda r: r[0]["gateway"].update(auth="none"), "trunks[0].gateway.auth"),
        (lambda r: r[0]["gateway"].update(proxy="sip.example\n"), "trunks[0].gateway.proxy"),
        (lambda r: r[1]["gateway"].update(password_env="X"), "trunks[1].gateway.password_env"),
        (lambda r: r[1].update(name="carrier-a"), "trunks[1].name"),
        (lambda r: r[1].update(name="Bad Name"), "trunks[1].name"),
        (lambda r: r[1]["dids"][0].update(number="15559870000"), "trunks[1].dids[0].number"),
        (lambda r: r[1]["dids"][0].update(number="+15551230000"), "trunks[1].dids[0].number"),
        (lambda r: r[1].update(routes=["1555*"]), "trunks[1].routes[0]"),
        (lambda r: r[1].update(codecs=["PCMU;evil"]), "trunks[1].codecs[0]"),
        (lambda r: r[1].update(colour="red"), "trunks[1].colour"),
        (lambda r: r[0].pop("gateway"), "trunks[0].gateway"),
    ],
)
def test_refusals_name_the_key(mutate, path):
    raw = copy.deepcopy(GOOD)
    mutate(raw)
    assert refused(raw).key_path == path


def test_env_value_with_markup_is_refused():
    env = dict(ENV, CARRIER_A_PASSWORD='a"/><evil')
    assert refused(GOOD, env=env).key_path == "trunks[0].gateway.password_env"


def test_flow_check_can_be_skipped():
    raw = copy.deepcopy(GOOD)
    raw[1]["dids"][0]["flow"] = "later"
    assert parse_trunks(raw, env=ENV)[1].dids[0].flow == "later"


def test_outbound_defaults_and_refusals():
    policy = parse_outbound({})
    assert [p.text for p in policy.allow] == ["+1*"]
    assert "NORMAL_TEMPORARY_FAILURE" in policy.failover_causes
    assert "USER_BUSY" not in policy.failover_causes
    for raw, path in [
        ({"home_country": "0"}, "outbound.home_country"),
        ({"allow": ["44*"]}, "outbound.allow[0]"),
        ({"failover_causes": ["USER_BUSY"]}, "outbound.failover_causes[0]"),
        ({"colour": 1}, "outbound.colour"),
    ]:
        with pytest.raises(ConfigError) as info:
            parse_outbound(raw)
        assert info.value.key_path == path
