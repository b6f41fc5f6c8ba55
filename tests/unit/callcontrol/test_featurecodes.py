"""Agent feature codes: the pure decision, and the rendered dialplan that parks them for
calldesk with the variables the decision reads."""

from __future__ import annotations

import re

import pytest
from tests.unit.fsconf.test_fsconf_render import render, store, xml  # noqa: F401 - fixture

from calldesk.featurecodes import CODES, Act, Refuse, decide, read_feature
from calldesk.featurecodes.decide import AgentView, Feature

IN = AgentView(True, "available")
OUT = AgentView(False, "logged_out")
REASONS = ("break", "lunch", "training")


def test_read_feature_only_for_agent_feature_legs() -> None:
    assert read_feature({"calldesk_kind": "agent_call"}) is None
    f = read_feature({"calldesk_kind": "agent_feature", "calldesk_feature": "not_ready",
                      "calldesk_from_agent": "alice", "calldesk_feature_arg": "2"})  # fmt: skip
    assert f == Feature("not_ready", "alice", "2")
    unset = read_feature({"calldesk_kind": "agent_feature", "calldesk_feature": "ready",
                          "calldesk_from_agent": "${calldesk_agent}"})  # fmt: skip
    assert unset is not None and unset.agent == ""


@pytest.mark.parametrize(
    "feature, arg, view, want",
    [("login", "", OUT, Act("login", "alice", prompt="logged_in")),
     ("logout", "", IN, Act("logout", "alice", prompt="logged_out")),
     ("ready", "", AgentView(True, "not_ready"), Act("ready", "alice")),
     ("not_ready", "", IN, Act("not_ready", "alice", "break")),
     ("not_ready", "2", IN, Act("not_ready", "alice", "lunch")),
     ("wrapup", "", AgentView(True, "wrap_up"), Act("wrapup", "alice"))],
)  # fmt: skip
def test_each_code_acts(feature, arg, view, want) -> None:  # type: ignore[no-untyped-def]
    assert decide(Feature(feature, "alice", arg), view, REASONS) == want


@pytest.mark.parametrize(
    "feature, agent, arg, view, why",
    [("login", "alice", "", IN, "already logged in"),
     ("ready", "alice", "", OUT, "not logged in"),
     ("wrapup", "alice", "", IN, "not in wrap-up"),
     ("not_ready", "alice", "9", IN, "no not-ready reason number 9"),
     ("not_ready", "alice", "x", IN, "not one digit"),
     ("ready", "", "", None, "no calldesk agent"),
     ("dance", "alice", "", IN, "unknown feature")],
)  # fmt: skip
def test_refusals_say_why(feature, agent, arg, view, why) -> None:  # type: ignore[no-untyped-def]
    d = decide(Feature(feature, agent, arg), view, REASONS)
    assert isinstance(d, Refuse) and why in d.why


def test_rendered_dialplan_routes_each_code_to_calldesk(tmp_path, store) -> None:  # noqa: F811
    result = render(tmp_path, store)
    exts = {e.get("name"): e for e in xml(result, "dialplan/calldesk_agents.xml").iter("extension")}
    names = list(exts)
    for feature, code in CODES.items():
        ext = exts[f"agent_feature_{feature}"]
        expr = ext.find("condition").get("expression")  # type: ignore[union-attr]
        dialled = code + ("3" if feature == "not_ready" else "")
        m = re.match(expr, dialled)
        assert m, (feature, expr)
        data = [a.get("data") for a in ext.iter("action")]
        assert "calldesk_kind=agent_feature" in data and f"calldesk_feature={feature}" in data
        assert "calldesk_from_agent=${calldesk_agent}" in data
        assert "calldesk_role=feature" in data  # not an off-queue call of the agent
        assert [a.get("application") for a in ext.iter("action")][-1] == "park"
        # before the catch-all and the outbound pattern, so they win
        assert names.index(f"agent_feature_{feature}") < names.index("outbound")
        for other in ("supervisor_listen", "supervisor_whisper", "supervisor_barge"):
            other_expr = exts[other].find("condition").get("expression")  # type: ignore[union-attr]
            assert not re.match(other_expr, dialled)
    arg = [a.get("data") for a in exts["agent_feature_not_ready"].iter("action")]
    assert "calldesk_feature_arg=$1" in arg
