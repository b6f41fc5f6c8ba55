"""The `digital:` settings (every refusal names its key) and the pure idle policy."""

from __future__ import annotations

import pytest

from calldesk.config import load_config
from calldesk.digital.idle import IdlePolicy, idle_decision
from calldesk.digital.model import Conversation
from calldesk.digital.settings import load_digital
from calldesk.errors import ConfigError


def test_defaults_and_per_queue_overrides():
    s = load_digital(
        {
            "flows": {"chat": "support"},
            "idle": {
                "remind_after_s": 200,
                "close_after_s": 600,
                "queues": {"vip": {"close_after_s": 1200}},
            },
        }
    )
    assert s.flows == {"chat": "support"}
    assert s.idle_for("sales") == IdlePolicy(remind_after_s=200, close_after_s=600)
    assert s.idle_for("vip").close_after_s == 1200 and s.idle_for("vip").remind_after_s == 200


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"colour": 1}, "digital.colour"),
        ({"flows": {"fax": "x"}}, "digital.flows.fax"),
        ({"flows": {"chat": ""}}, "digital.flows.chat"),
        ({"reply_timeout_s": -1}, "digital.reply_timeout_s"),
        ({"idle": {"remind_after_s": "soon"}}, "digital.idle.remind_after_s"),
        ({"idle": {"remind_after_s": 600, "close_after_s": 300}}, "digital.idle.close_after_s"),
        ({"idle": {"queues": {"vip": {"remind": 3}}}}, "digital.idle.queues.vip.remind"),
    ],
)
def test_bad_settings_name_the_key(data, key):
    with pytest.raises(ConfigError) as exc:
        load_digital(data)
    assert str(exc.value).startswith(key)


def test_calldesk_yaml_accepts_a_digital_section(tmp_path):
    path = tmp_path / "calldesk.yaml"
    path.write_text("digital:\n  flows: {chat: support}\n")
    cfg = load_config(path, env={})
    assert load_digital(cfg["digital"]).flows == {"chat": "support"}


def _conv(**kw) -> Conversation:
    return Conversation("chat-1", "chat", "v", 0.0, state="connected", **kw)


def test_idle_counts_from_the_last_message_to_a_silent_customer():
    p = IdlePolicy(remind_after_s=60, close_after_s=120)
    assert idle_decision(_conv(last_in_at=10, last_out_at=20), p, 79) is None
    assert idle_decision(_conv(last_in_at=10, last_out_at=20), p, 80) == "remind"
    assert idle_decision(_conv(last_in_at=10, last_out_at=20, reminded_at=80), p, 100) is None
    assert idle_decision(_conv(last_in_at=10, last_out_at=20, reminded_at=80), p, 140) == "close"
    assert idle_decision(_conv(last_in_at=30, last_out_at=20), p, 10_000) is None  # agent's turn
    queued = Conversation("chat-2", "chat", "v", 0.0, state="queued", last_out_at=20)
    assert idle_decision(queued, p, 10_000) is None
    assert idle_decision(_conv(last_out_at=20), IdlePolicy(0, 0), 10_000) is None
