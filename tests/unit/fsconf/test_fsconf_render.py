"""Rendering the FreeSWITCH configuration from the example calldesk.yaml, and its refusals."""

from __future__ import annotations

import copy
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from calldesk.acd.config import parse_acd
from calldesk.config import load_config
from calldesk.errors import ConfigError
from calldesk.fsconf import FsconfError, check_dir, check_files, render_config
from calldesk.fsconf.credentials import SipCredentials
from calldesk.fsconf.model import build_from_config, known_flow_names
from calldesk.fsconf.render import default_templates_dir, render_templates
from calldesk.store.database import Store

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "calldesk.yaml"
ENV = {
    "CALLDESK_ESL_PASSWORD": "Esl-Strong-Pass-9",
    "CARRIER_A_USERNAME": "acct-7",
    "CARRIER_A_PASSWORD": "Carrier-A-Pass-1",
}


@pytest.fixture
def store():
    s = Store.open(":memory:")
    yield s
    s.close()


def config_from(tmp_path: Path, mutate=None):
    data = yaml.safe_load(EXAMPLE.read_text())
    if mutate:
        mutate(data)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "calldesk.yaml"
    path.write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "ivrflows", tmp_path / "ivrflows")
    return load_config(path, env={})


def render(tmp_path, store, mutate=None, env=ENV, templates=None, out="fs"):
    cfg = config_from(tmp_path, mutate)
    return render_config(
        cfg, tmp_path / out, env=env, credentials=SipCredentials(store.db), templates=templates
    )


def xml(result, rel: str) -> ET.Element:
    return ET.parse(result.out / rel).getroot()


def params(el) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in el.iter("param")}


def test_example_is_consistent_with_the_acd_and_the_flows():
    data = yaml.safe_load(EXAMPLE.read_text())
    acd = parse_acd({"queues": data["queues"], "agents": data["agents"]})
    assert {a.contact for a in acd.agents} == {f"user/100{i}" for i in range(1, 6)}
    flows = known_flow_names(ROOT / "ivrflows")
    dids = [d for t in data["trunks"] for d in t["dids"]]
    assert dids and all(d["flow"] in flows for d in dids)
    # secrets only by name
    text = EXAMPLE.read_text()
    assert "password:" not in text and "ClueCon" not in text


def test_render_writes_a_complete_wellformed_tree(tmp_path, store):
    result = render(tmp_path, store)
    for rel in ("freeswitch.xml", "vars.xml", "autoload_configs/modules.conf.xml",
                "autoload_configs/local_stream.conf.xml", "dialplan/calldesk_public.xml",
                "directory/calldesk.xml", "sip_profiles/agents.xml", "sip_profiles/trunks.xml"):  # fmt: skip
        xml(result, rel)  # parses
    root = xml(result, "freeswitch.xml")
    assert {s.get("name") for s in root.iter("section")} >= {
        "configuration",
        "dialplan",
        "directory",
    }
    mods = {m.get("module") for m in xml(result, "autoload_configs/modules.conf.xml").iter("load")}
    assert {"mod_event_socket", "mod_sofia", "mod_dptools", "mod_loopback", "mod_commands",
            "mod_dialplan_xml", "mod_local_stream", "mod_tone_stream", "mod_say_en"} <= mods  # fmt: skip
    assert check_dir(result.out) == []
    assert (result.out / "directory/calldesk.xml").stat().st_mode & 0o007 == 0


def test_event_socket_listens_on_loopback_with_password_and_acl(tmp_path, store):
    result = render(tmp_path, store)
    p = params(xml(result, "autoload_configs/event_socket.conf.xml"))
    assert p["listen-ip"] == "127.0.0.1" and p["listen-port"] == "8021"
    assert p["password"] == ENV["CALLDESK_ESL_PASSWORD"]
    assert p["apply-inbound-acl"] == "calldesk_esl"
    lists = {
        lst.get("name"): lst for lst in xml(result, "autoload_configs/acl.conf.xml").iter("list")
    }
    assert lists["calldesk_esl"].get("default") == "deny"
    carriers = [n.get("cidr") for n in lists["calldesk_carriers"].iter("node")]
    assert carriers == ["203.0.113.0/28", "198.51.100.20/32", "198.51.100.21/32"]


def test_every_agent_has_a_strong_password_stable_across_renders(tmp_path, store):
    first = render(tmp_path, store, out="a")
    users = {
        u.get("id"): params(u)["password"]
        for u in xml(first, "directory/calldesk.xml").iter("user")
    }
    # the five agents, then the supervisor (sam, 3001) and the admin (ops, 3000)
    assert set(users) == {"1001", "1002", "1003", "1004", "1005", "3001", "3000"}
    assert all(len(pw) >= 20 and pw not in ("1234", "ClueCon") for pw in users.values())
    assert len(set(users.values())) == 7
    again = render(tmp_path / "x", store, out="b")
    users2 = {
        u.get("id"): params(u)["password"]
        for u in xml(again, "directory/calldesk.xml").iter("user")
    }
    assert users2 == users
    var = {
        v.get("name"): v.get("value")
        for v in next(xml(first, "directory/calldesk.xml").iter("user")).iter("variable")
    }
    assert var["calldesk_agent"] == "alice" and var["user_context"] == "calldesk_agents"


def test_profiles_log_auth_failures_and_trunk_gateways(tmp_path, store):
    result = render(tmp_path, store)
    agents = params(xml(result, "sip_profiles/agents.xml").find("profile/settings"))
    trunks_profile = xml(result, "sip_profiles/trunks.xml").find("profile")
    trunks = params(trunks_profile.find("settings"))
    for p in (agents, trunks):
        assert p["log-auth-failures"] == "true" and p["auth-calls"] == "true"
    assert agents["context"] == "calldesk_agents" and agents["hold-music"] == "$${hold_music}"
    assert trunks["apply-inbound-acl"] == "calldesk_carriers"
    gws = {g.get("name"): params(g) for g in trunks_profile.iter("gateway")}
    assert gws["carrier-a"]["register"] == "true"
    assert gws["carrier-a"]["username"] == "acct-7"
    assert gws["carrier-a"]["password"] == "Carrier-A-Pass-1"
    assert gws["carrier-b"]["register"] == "false"
    moh = xml(result, "autoload_configs/local_stream.conf.xml").find("directory")
    assert moh.get("name") == "moh"


def test_both_profiles_accept_sip_info_dtmf(tmp_path, store):
    # sofia.c sofia_handle_sip_i_info queues an INFO digit (application/dtmf-relay, what the live
    # test's SIPp caller sends) only with dtmf_type info or liberal-dtmf; a caller that offers
    # telephone-event negotiates RFC 2833, so without liberal-dtmf the IVR never hears the digit
    result = render(tmp_path, store)
    for rel in ("sip_profiles/agents.xml", "sip_profiles/trunks.xml"):
        assert params(xml(result, rel).find("profile/settings"))["liberal-dtmf"] == "true"


def test_agents_acl_restricts_digest_auth_instead_of_waiving_it(tmp_path, store):
    # In sofia, apply-register-acl auto-registers the listed addresses with no digest
    # (sofia_reg_handle_sip_i_register: REG_AUTO_REGISTER) and apply-inbound-acl lets their calls
    # in unauthenticated (sofia_handle_sip_i_invite). The directory's auth-acl refuses the digest
    # from anywhere else (sofia_reg_parse_auth) and keeps the password.
    result = render(tmp_path, store, lambda d: d["freeswitch"].update(agents_acl=["10.20.0.0/16"]))
    agents = params(xml(result, "sip_profiles/agents.xml").find("profile/settings"))
    assert "apply-register-acl" not in agents and "apply-inbound-acl" not in agents
    assert agents["auth-calls"] == "true"
    domain = xml(result, "directory/calldesk.xml").find("domain")
    assert params(domain.find("params"))["auth-acl"] == "calldesk_agents"
    lists = {
        lst.get("name"): lst for lst in xml(result, "autoload_configs/acl.conf.xml").iter("list")
    }
    assert [n.get("cidr") for n in lists["calldesk_agents"].iter("node")] == ["10.20.0.0/16"]
    assert check_dir(result.out) == []
    no_acl = render(tmp_path / "b", store)
    domain = xml(no_acl, "directory/calldesk.xml").find("domain")
    assert "auth-acl" not in params(domain.find("params"))


def test_supervisor_and_admin_phones_are_directory_users(tmp_path, store):
    # supervision originates `user/3001`; mod_dptools' user endpoint looks the user up in the
    # directory (user_outgoing_channel): without a <user id="3001"> it fails SUBSCRIBER_ABSENT
    result = render(tmp_path, store)
    root = xml(result, "directory/calldesk.xml")
    users = {u.get("id"): u for u in root.iter("user")}
    sam = {v.get("name"): v.get("value") for v in users["3001"].iter("variable")}
    assert sam["calldesk_user"] == "sam" and sam["user_context"] == "calldesk_agents"
    assert "calldesk_agent" not in sam
    assert len(params(users["3000"])["password"]) >= 20
    assert root.find("domain").get("name") == "$${domain}"  # where user/3001 is looked up

    def shares_a_phone(d):
        d["users"][0]["contact"] = "user/1001"  # sam's contact is alice's phone

    shared = render(tmp_path / "b", store, shares_a_phone)
    ids = [u.get("id") for u in xml(shared, "directory/calldesk.xml").iter("user")]
    assert ids.count("1001") == 1 and "3001" not in ids
    err = refused(tmp_path / "c", store, lambda d: d["users"][0].update(name="x ${system(rm)}"))
    assert err.key_path == "users[0].name"


def test_modules_and_sounds_the_ivr_and_queue_need(tmp_path, store):
    result = render(tmp_path, store)
    mods = [m.get("module") for m in xml(result, "autoload_configs/modules.conf.xml").iter("load")]
    # text prompts play as `say:` with tts_engine=flite (switch_ivr_play_file -> speak_text)
    assert "mod_flite" in mods and "mod_say_en" in mods
    sets = dict(
        pi.get("data").split("=", 1)
        for pi in xml(result, "vars.xml").iter("X-PRE-PROCESS")
        if pi.get("cmd") == "set"
    )
    assert sets["sound_prefix"] == "$${sounds_dir}/en/us/callie"
    assert sets["hold_music"] == "local_stream://moh"


def test_wideband_codecs_load_their_module(tmp_path, store):
    result = render(tmp_path, store, lambda d: d["freeswitch"].update(codecs=["G722", "PCMU"]))
    mods = [m.get("module") for m in xml(result, "autoload_configs/modules.conf.xml").iter("load")]
    assert mods.count("mod_spandsp") == 1  # G722 is mod_spandsp's, not the core's


def test_the_live_test_site_renders_what_its_sipp_scenarios_need(store):
    # tests/live/calldesk-live.yaml: SIPp calls the DID on 5080 from 127.0.0.1 and presses 1 by
    # SIP INFO; SIPp registers as 1001 on 5060 with realm 127.0.0.1
    cfg = load_config(ROOT / "tests/live/calldesk-live.yaml", env={})
    files = render_templates(
        default_templates_dir(),
        build_from_config(cfg, env=ENV, credentials=SipCredentials(store.db)).context(),
    )
    assert check_files(files) == []
    trunks = ET.fromstring(files["sip_profiles/trunks.xml"])
    settings = params(trunks.find("profile/settings"))
    assert settings["liberal-dtmf"] == "true"
    assert settings["apply-inbound-acl"] == "calldesk_carriers"
    acl = ET.fromstring(files["autoload_configs/acl.conf.xml"])
    carriers = next(lst for lst in acl.iter("list") if lst.get("name") == "calldesk_carriers")
    assert [n.get("cidr") for n in carriers.iter("node")] == ["127.0.0.1/32"]
    vars_xml = files["vars.xml"]
    assert 'data="domain=127.0.0.1"' in vars_xml and 'data="calldesk_sip_ip=127.0.0.1"' in vars_xml
    ids = [u.get("id") for u in ET.fromstring(files["directory/calldesk.xml"]).iter("user")]
    assert ids == ["1001"]
    public = ET.fromstring(files["dialplan/calldesk_public.xml"])
    did = next(e for e in public.iter("extension") if e.get("name") == "did_15550000000")
    assert re.fullmatch(did.find("condition").get("expression"), "15550000000")


def test_dids_set_calldesk_variables_then_answer_and_park(tmp_path, store):
    result = render(tmp_path, store)
    ctx = xml(result, "dialplan/calldesk_public.xml").find("context")
    assert ctx.get("name") == "calldesk_public"
    exts = {e.get("name"): e for e in ctx.iter("extension")}
    bank = [(a.get("application"), a.get("data")) for a in exts["did_15551230000"].iter("action")]
    sets = dict(d.split("=", 1) for app, d in bank if app == "set")
    assert sets["calldesk_did"] == "+15551230000" and sets["calldesk_flow"] == "bank"
    assert sets["calldesk_trunk"] == "carrier-a"
    apps = [app for app, _ in bank]
    assert apps[-2:] == ["answer", "park"]
    assert ("limit", "hash calldesk_trunk carrier-a 30 !NORMAL_CIRCUIT_CONGESTION") in bank
    hello = [a.get("application") for a in exts["did_15550000000"].iter("action")]
    assert hello[-2:] == ["pre_answer", "park"]
    assert list(exts)[-1] == "unknown_did"


def test_agent_and_supervisor_extensions_park_for_the_controller(tmp_path, store):
    result = render(tmp_path, store)
    exts = {e.get("name"): e for e in xml(result, "dialplan/calldesk_agents.xml").iter("extension")}
    assert {
        "agent_1001",
        "supervisor_listen",
        "supervisor_whisper",
        "supervisor_barge",
        "outbound",
    } <= set(exts)
    listen = exts["supervisor_listen"]
    assert listen.find("condition").get("expression") == r"^\*1([0-9A-Za-z_.\-]+)$"
    data = [a.get("data") for a in listen.iter("action")]
    assert "calldesk_supervisor_action=listen" in data
    for name in ("agent_1002", "supervisor_barge", "outbound"):
        assert [a.get("application") for a in exts[name].iter("action")][-1] == "park"
    assert "calldesk_target_agent=bob" in [a.get("data") for a in exts["agent_1002"].iter("action")]


def test_limits_from_config(tmp_path, store):
    def more(d):
        d["freeswitch"].update(max_sessions=123, sessions_per_second=7)

    p = params(xml(render(tmp_path, store, more), "autoload_configs/switch.conf.xml"))
    assert p["max-sessions"] == "123" and p["sessions-per-second"] == "7"


def test_every_sip_profile_has_a_soft_rtp_timer(tmp_path, store):
    res = render(tmp_path, store)
    profiles = [p for rel in ("sip_profiles/agents.xml", "sip_profiles/trunks.xml")
                for p in xml(res, rel).iter("profile")]  # fmt: skip
    assert len(profiles) == 2
    for prof in profiles:
        assert params(prof.find("settings"))["rtp-timer-name"] == "soft", prof.get("name")


def test_languages_section_has_one_language_per_configured_language(tmp_path, store):
    def two(d):
        d["freeswitch"]["languages"] = [
            "en",
            {"name": "fr", "sound_prefix": "/usr/share/freeswitch/sounds/fr/ca/june"},
        ]

    res = render(tmp_path, store, two)
    root = xml(res, "freeswitch.xml")
    sec = [s for s in root.iter("section") if s.get("name") == "languages"]
    assert len(sec) == 1
    langs = {lang.get("name"): lang for lang in sec[0].iter("language")}
    assert set(langs) == {"en", "fr"}
    assert langs["en"].get("say-module") == "en"
    assert langs["en"].get("sound-prefix") == "$${sound_prefix}"
    assert langs["fr"].get("sound-prefix") == "/usr/share/freeswitch/sounds/fr/ca/june"
    for lang in langs.values():  # switch_xml_locate_language needs phrases > macros
        assert lang.find("phrases/macros") is not None
        assert lang.get("tts-engine") == "flite"
    loaded = [m.get("module") for m in xml(res, "autoload_configs/modules.conf.xml").iter("load")]
    assert "mod_say_en" in loaded and "mod_say_fr" in loaded


@pytest.mark.parametrize("langs, key, why", [
    ([], "freeswitch.languages", "non-empty"),
    (["xx"], "freeswitch.languages[0].say_module", "no mod_say_xx"),
    (["fr"], "freeswitch.languages[0].sound_prefix", "sound files"),
    (["en", "en"], "freeswitch.languages[1].name", "twice"),
    (["en<"], "freeswitch.languages[0].name", "language code"),
])  # fmt: skip
def test_bad_languages_are_refused_by_key(tmp_path, store, langs, key, why):
    err = refused(tmp_path, store, lambda d: d["freeswitch"].update(languages=langs))
    assert err.key_path == key and why in err.reason


def test_sessions_per_second_is_sized_from_the_traffic(tmp_path, store):
    def traffic(cps, contact=None, override=None):
        def mutate(d):
            d["freeswitch"].pop("sessions_per_second", None)
            d["freeswitch"]["peak_calls_per_second"] = cps
            if override is not None:
                d["freeswitch"]["sessions_per_second"] = override
            if contact:
                d["agents"][0]["contact"] = contact

        return mutate

    def sps(name, mutate):
        res = render(tmp_path / name, store, mutate)
        return int(params(xml(res, "autoload_configs/switch.conf.xml"))["sessions-per-second"])

    # 20 calls/s with phones (user/): caller + agent leg = 2 sessions; x1.5; +1 for the N-1 rule
    assert sps("a", traffic(20)) == 61
    # an agent over loopback/ counts twice: 3 sessions a call
    assert sps("b", traffic(20, contact="loopback/5552000/public")) == 91
    assert sps("c", traffic(1)) == 30  # never below FreeSWITCH's own default
    assert sps("d", traffic(20, override=7)) == 7  # the override key wins


def test_peak_calls_per_second_must_be_a_positive_number(tmp_path, store):
    err = refused(tmp_path, store, lambda d: d["freeswitch"].update(peak_calls_per_second="x"))
    assert err.key_path == "freeswitch.peak_calls_per_second"


def test_env_secrets_mode_keeps_secrets_out_of_the_files(tmp_path, store):
    result = render(tmp_path, store, lambda d: d["freeswitch"].update(secrets="env"))
    text = "".join(p.read_text() for p in result.files)
    assert ENV["CALLDESK_ESL_PASSWORD"] not in text and ENV["CARRIER_A_PASSWORD"] not in text
    assert 'cmd="env-set" data="calldesk_esl_password=$CALLDESK_ESL_PASSWORD"' in text
    assert check_dir(result.out) == []


# --- refusals ------------------------------------------------------------------------------
def refused(tmp_path, store, mutate=None, env=ENV) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        render(tmp_path, store, mutate, env=env)
    assert not (tmp_path / "fs").exists()  # nothing written
    return info.value


@pytest.mark.parametrize("pw", ["ClueCon", "1234", "short"])
def test_default_or_weak_esl_password_is_refused(tmp_path, store, pw):
    err = refused(tmp_path, store, env=dict(ENV, CALLDESK_ESL_PASSWORD=pw))
    assert err.key_path.startswith("freeswitch.esl_password_env")
    assert err.source and err.source.endswith("calldesk.yaml")


def test_esl_beyond_loopback_without_acl_is_refused(tmp_path, store):
    err = refused(tmp_path, store, lambda d: d["freeswitch"].update(esl_listen_ip="0.0.0.0"))
    assert err.key_path == "freeswitch.esl_listen_ip" and "without an ACL" in err.reason

    def with_acl(d):
        d["freeswitch"].update(esl_listen_ip="0.0.0.0", esl_acl=["10.0.0.5"])

    result = render(tmp_path / "ok", store, with_acl)
    assert params(xml(result, "autoload_configs/event_socket.conf.xml"))["listen-ip"] == "0.0.0.0"


def test_trunk_without_acl_or_auth_is_refused(tmp_path, store):
    err = refused(tmp_path, store, lambda d: d["trunks"][1].pop("acl"))
    assert err.key_path == "trunks[1].acl"


def test_missing_trunk_credentials_and_unknown_flow_are_refused(tmp_path, store):
    env = {k: v for k, v in ENV.items() if k != "CARRIER_A_PASSWORD"}
    assert refused(tmp_path, store, env=env).key_path == "trunks[0].gateway.password_env"
    err = refused(tmp_path / "b", store, lambda d: d["trunks"][0]["dids"][0].update(flow="nowhere"))
    assert err.key_path == "trunks[0].dids[0].flow"


def test_unsafe_agent_name_is_refused(tmp_path, store):
    err = refused(tmp_path, store, lambda d: d["agents"][0].update(name="x ${system(rm)}"))
    assert err.key_path == "agents[0].name"


def _bad_templates(tmp_path: Path, name: str, text: str) -> Path:
    tpl = tmp_path / "tpl"
    shutil.copytree(default_templates_dir(), tpl)
    (tpl / name).write_text(text)
    return tpl


def test_template_syntax_error_names_file_and_line(tmp_path, store):
    tpl = _bad_templates(tmp_path, "vars.xml.j2", "<include>\n\n  {% if fs.domain %}\n</include>\n")
    with pytest.raises(FsconfError) as info:
        render(tmp_path, store, templates=tpl)
    (p,) = info.value.problems
    assert p.file.endswith("vars.xml.j2") and p.where.startswith("line ")
    assert "syntax error" in p.reason


def test_template_undefined_value_names_file_and_line(tmp_path, store):
    tpl = _bad_templates(
        tmp_path, "vars.xml.j2", '<include>\n  <x a="{{ fs.nope }}"/>\n</include>\n'
    )
    with pytest.raises(FsconfError) as info:
        render(tmp_path, store, templates=tpl)
    (p,) = info.value.problems
    assert p.file == "vars.xml.j2" and p.where == "line 2" and "nope" in p.reason
    assert not (tmp_path / "fs").exists()


def test_a_template_that_renders_insecure_xml_is_refused(tmp_path, store):
    src = (default_templates_dir() / "sip_profiles/agents.xml.j2").read_text()
    tpl = _bad_templates(
        tmp_path,
        "sip_profiles/agents.xml.j2",
        src.replace('"log-auth-failures" value="true"', '"log-auth-failures" value="false"'),
    )
    with pytest.raises(FsconfError) as info:
        render(tmp_path, store, templates=tpl)
    assert any("log-auth-failures" in p.where for p in info.value.problems)


def test_mutating_the_example_does_not_leak_between_tests():
    data = yaml.safe_load(EXAMPLE.read_text())
    assert copy.deepcopy(data)["freeswitch"]["esl_listen_ip"] == "127.0.0.1"
