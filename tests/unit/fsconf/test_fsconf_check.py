"""`fsconf check` on good and tampered output, and the CLI end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from calldesk.cli.main import cli
from calldesk.fsconf import check_dir

ROOT = Path(__file__).resolve().parents[3]
ENV = {
    "CALLDESK_ESL_PASSWORD": "Esl-Strong-Pass-9",
    "CARRIER_A_USERNAME": "acct-7",
    "CARRIER_A_PASSWORD": "Carrier-A-Pass-1",
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    data = yaml.safe_load((ROOT / "calldesk.yaml").read_text())
    data["store"]["path"] = str(tmp / "store.sqlite")
    (tmp / "calldesk.yaml").write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "ivrflows", tmp / "ivrflows")
    runner = CliRunner()
    res = runner.invoke(
        cli,
        ["-c", str(tmp / "calldesk.yaml"), "fsconf", "render", "--out", str(tmp / "fs")],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    assert "5 agent phone(s), 2 trunk(s), 3 DID(s)" in res.output
    return tmp / "fs"


@pytest.fixture
def copy_of(rendered, tmp_path) -> Path:
    out = tmp_path / "fs"
    shutil.copytree(rendered, out)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_check_passes_on_rendered_output(rendered):
    assert check_dir(rendered) == []
    res = CliRunner().invoke(cli, ["fsconf", "check", str(rendered)])
    assert res.exit_code == 0 and "ok" in res.output


def test_cli_render_refuses_with_the_key_and_writes_nothing(tmp_path):
    data = yaml.safe_load((ROOT / "calldesk.yaml").read_text())
    data["store"]["path"] = str(tmp_path / "s.sqlite")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "ivrflows", tmp_path / "ivrflows")
    res = CliRunner().invoke(
        cli,
        ["-c", str(tmp_path / "c.yaml"), "fsconf", "render", "--out", str(tmp_path / "fs")],
        env=dict(ENV, CALLDESK_ESL_PASSWORD="ClueCon"),
    )
    assert res.exit_code != 0
    assert "freeswitch.esl_password_env" in res.output and "default password" in res.output
    assert not (tmp_path / "fs").exists()


@pytest.mark.parametrize(
    "rel, old, new, expect",
    [
        ("autoload_configs/event_socket.conf.xml", 'value="Esl-Strong-Pass-9"', 'value="ClueCon"',
         "default password"),
        ("autoload_configs/event_socket.conf.xml", 'value="127.0.0.1"', 'value="0.0.0.0"', None),
        ("autoload_configs/event_socket.conf.xml",
         '<param name="apply-inbound-acl" value="calldesk_esl"/>', "", "no inbound ACL"),
        ("sip_profiles/trunks.xml", '<param name="apply-inbound-acl" value="calldesk_carriers"/>',
         "", "neither auth nor a carrier ACL"),
        ("sip_profiles/agents.xml", '"log-auth-failures" value="true"',
         '"log-auth-failures" value="false"', "fail2ban"),
        ("sip_profiles/agents.xml", '"accept-blind-auth" value="false"',
         '"accept-blind-auth" value="true"', "accepts anyone"),
        ("dialplan/calldesk_public.xml", '<action application="park"/>', "", "end with park"),
        ("dialplan/calldesk_agents.xml", '<action application="park"/>',
         '<action application="bridge" data="sofia/gateway/carrier-a/$1"/>', "bypassing"),
        ("autoload_configs/modules.conf.xml", '<load module="mod_event_socket"/>', "",
         "not loaded"),
        ("freeswitch.xml", '</document>', "", "not well-formed"),
        ("freeswitch.xml", 'data="directory/*.xml"', 'data="users/*.xml"', "matches no file"),
        # what FreeSWITCH 1.10 itself needs (the reason names the source's behaviour)
        ("sip_profiles/trunks.xml", '<param name="liberal-dtmf" value="true"/>', "",
         "SIP INFO digits are dropped"),
        ("sip_profiles/agents.xml", '<param name="liberal-dtmf" value="true"/>', "",
         "SIP INFO digits are dropped"),
        ("sip_profiles/agents.xml", '<param name="manage-presence" value="false"/>',
         '<param name="apply-register-acl" value="calldesk_esl"/>', "without a password"),
        ("sip_profiles/agents.xml", '<param name="manage-presence" value="false"/>',
         '<param name="apply-inbound-acl" value="calldesk_esl"/>', "skip digest auth"),
        ("sip_profiles/agents.xml", '"context" value="calldesk_agents"', '"context" value="default"',
         "in no dialplan file"),
        ("sip_profiles/trunks.xml", '"context" value="calldesk_public"', '"context" value="public"',
         "in no dialplan file"),
        ("directory/calldesk.xml", 'value="alice"/>\n              <variable name="user_context" '
         'value="calldesk_agents"/>', 'value="alice"/>\n              <variable '
         'name="user_context" value="agents"/>', "in no dialplan file"),
        ("directory/calldesk.xml", '<param name="dial-string"', '<param name="x-dial-string"',
         "no dial-string"),
        ("directory/calldesk.xml", '<domain name="$${domain}">', '<domain name="example.org">',
         "user/NNNN would not resolve"),
        ("vars.xml", 'cmd="set" data="sound_prefix=', 'cmd="set" data="x_sound_prefix=',
         "sound_prefix is not set"),
        ("vars.xml", 'data="hold_music=local_stream://moh"', 'data="hold_music=local_stream://music"',
         "names no stream"),
        ("autoload_configs/local_stream.conf.xml", '<directory name="moh"', '<directory name="music"',
         "names no stream"),
        ("autoload_configs/modules.conf.xml", '<load module="mod_flite"/>', "", "not loaded"),
        # issue 10: no RTP timer -> bridges, DTMF and BYE 5 s late; no languages -> silent say
        ("sip_profiles/agents.xml", '<param name="rtp-timer-name" value="soft"/>', "",
         "without an RTP timer"),
        ("sip_profiles/trunks.xml", '<param name="rtp-timer-name" value="soft"/>',
         '<param name="rtp-timer-name" value="none"/>', "without an RTP timer"),
        ("freeswitch.xml", '<section name="languages"', '<section name="x-languages"',
         "Open of languages and phrases failed"),
        ("freeswitch.xml", "<macros/>", "", "phrases/macros"),
        ("autoload_configs/modules.conf.xml", '<load module="mod_say_en"/>', "",
         "mod_say_en, which is not loaded"),
    ],
)  # fmt: skip
def test_check_catches_tampering(copy_of, rel, old, new, expect):
    edit(copy_of / rel, old, new)
    if expect is None:  # listen beyond loopback: fine only because the ACL denies by default
        assert check_dir(copy_of) == []
        edit(copy_of / "autoload_configs/acl.conf.xml",
             '<list name="calldesk_esl" default="deny">', '<list name="calldesk_esl" default="allow">')  # fmt: skip
        expect = "deny by default"
    problems = check_dir(copy_of)
    assert problems, "tampering went unnoticed"
    assert any(expect in str(p) for p in problems), problems
    res = CliRunner().invoke(cli, ["fsconf", "check", str(copy_of)])
    assert res.exit_code != 0 and expect in res.output


def test_check_catches_a_weak_user_password_and_a_missing_file(copy_of):
    text = (copy_of / "directory/calldesk.xml").read_text()
    start = text.index('name="password" value="') + len('name="password" value="')
    end = text.index('"', start)
    (copy_of / "directory/calldesk.xml").write_text(text[:start] + "1234" + text[end:])
    (copy_of / "autoload_configs/local_stream.conf.xml").unlink()
    problems = [str(p) for p in check_dir(copy_of)]
    assert any("user[1001].password" in p and "default password" in p for p in problems)
    assert any("local_stream.conf.xml" in p and "missing" in p for p in problems)


def test_check_on_a_missing_directory(tmp_path):
    assert check_dir(tmp_path / "nope")[0].reason == "not a directory"


def test_agents_acl_goes_to_the_directory_and_an_unknown_list_is_caught(tmp_path):
    data = yaml.safe_load((ROOT / "calldesk.yaml").read_text())
    data["store"]["path"] = str(tmp_path / "s.sqlite")
    data["freeswitch"]["agents_acl"] = ["10.20.0.0/16"]
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "ivrflows", tmp_path / "ivrflows")
    res = CliRunner().invoke(
        cli,
        ["-c", str(tmp_path / "c.yaml"), "fsconf", "render", "--out", str(tmp_path / "fs")],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    directory = tmp_path / "fs/directory/calldesk.xml"
    assert '<param name="auth-acl" value="calldesk_agents"/>' in directory.read_text()
    assert check_dir(tmp_path / "fs") == []
    edit(
        directory, 'value="calldesk_agents"/>\n    </params>', 'value="agents_lan"/>\n    </params>'
    )
    problems = [str(p) for p in check_dir(tmp_path / "fs")]
    assert any("auth-acl" in p and "'agents_lan' is not defined" in p for p in problems), problems


def test_env_secrets_need_the_dollar_form_and_an_esl_fallback(tmp_path):
    data = yaml.safe_load((ROOT / "calldesk.yaml").read_text())
    data["store"]["path"] = str(tmp_path / "s.sqlite")
    data["freeswitch"]["secrets"] = "env"
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(data))
    shutil.copytree(ROOT / "ivrflows", tmp_path / "ivrflows")
    res = CliRunner().invoke(
        cli,
        ["-c", str(tmp_path / "c.yaml"), "fsconf", "render", "--out", str(tmp_path / "fs")],
        env=ENV,
    )
    assert res.exit_code == 0, res.output
    vars_xml = tmp_path / "fs/vars.xml"
    assert check_dir(tmp_path / "fs") == []
    edit(vars_xml, "=$CARRIER_A_PASSWORD", "=CARRIER_A_PASSWORD")  # no $: FreeSWITCH ignores it
    problems = [str(p) for p in check_dir(tmp_path / "fs")]
    assert any("name=$VARIABLE" in p for p in problems), problems
    text = vars_xml.read_text()
    start = text.index('<X-PRE-PROCESS cmd="set" data="calldesk_esl_password=')
    vars_xml.write_text(text[:start] + text[text.index("\n", start) + 1 :])
    problems = [str(p) for p in check_dir(tmp_path / "fs")]
    assert any("event_socket" in p and "ClueCon" in p for p in problems), problems
