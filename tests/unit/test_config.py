"""calldesk.yaml loading: layers in order, and every refusal names the key path."""

from __future__ import annotations

import pytest

from calldesk.config import load_config, parse_esl_url
from calldesk.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "calldesk.yaml"
    path.write_text(text)
    return path


def test_defaults_then_file_then_env_then_cli(tmp_path) -> None:
    path = write(tmp_path, "store: {path: file.sqlite}\nhttp: {port: 9000}\n")
    env = {"CALLDESK_HTTP_PORT": "9100", "CALLDESK_STORE_PATH": "env.sqlite"}
    cfg = load_config(path, env=env, overrides={"store.path": "cli.sqlite"})
    assert cfg["http"]["port"] == 9100
    assert cfg["store"]["path"] == "cli.sqlite"
    assert cfg["http"]["host"] == "127.0.0.1"  # default: loopback
    assert cfg.path("store.path") == tmp_path / "cli.sqlite"


def test_unknown_key_refused_with_path(tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "http: {prot: 80}\n"), env={})
    assert err.value.key_path == "http.prot" and "unknown key" in err.value.reason
    assert str(tmp_path) in str(err.value)


def test_wrong_type_refused_with_path(tmp_path) -> None:
    text = "switches:\n  - {name: fs1, password: s3cret-pw}\n  - {name: fs2, port: eighty, password: x9}\n"
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    assert err.value.key_path == "switches[1].port"
    assert "must be int" in err.value.reason


def test_default_passwords_refused(tmp_path) -> None:
    for pw in ("ClueCon", "1234"):
        with pytest.raises(ConfigError, match="well-known default"):
            load_config(write(tmp_path, f"switches: [{{name: fs1, password: '{pw}'}}]\n"), env={})


def test_password_from_environment(tmp_path) -> None:
    path = write(tmp_path, "switches: [{name: fs1, password_env: FS1_PW}]\n")
    assert load_config(path, env={"FS1_PW": "abc-987"})["switches"][0]["password"] == "abc-987"
    with pytest.raises(ConfigError, match="FS1_PW is not set") as err:
        load_config(path, env={})
    assert err.value.key_path == "switches[0].password_env"


def test_esl_url_env_gives_one_switch(tmp_path) -> None:
    cfg = load_config(None, env={"CALLDESK_ESL_URL": "esl://:pa%24s@10.0.0.5:8022"})
    assert cfg["switches"] == [
        {"name": "fs1", "host": "10.0.0.5", "port": 8022, "password": "pa$s", "password_env": "",
         "command_timeout": 5.0, "connect_timeout": 5.0}
    ]  # fmt: skip
    with pytest.raises(ConfigError):
        parse_esl_url("http://x")


def test_yaml_syntax_error_names_line(tmp_path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, "http:\n  port: [1, 2\n"), env={})
    assert "line" in err.value.key_path and "YAML syntax" in err.value.reason


def test_bad_env_value_refused() -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, env={"CALLDESK_HTTP_PORT": "lots"})
    assert err.value.key_path == "http.port"


def test_require_switch() -> None:
    with pytest.raises(ConfigError, match="no switch"):
        load_config(None, env={}, require_switch=True)
