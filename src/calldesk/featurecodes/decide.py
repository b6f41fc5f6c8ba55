"""What a feature code dialled on an agent's phone asks for. Pure: the parked leg's variables
and a view of the agent in, one decision out.

The rendered dialplan (`calldesk_agents.xml.j2`) sets `calldesk_kind=agent_feature`,
`calldesk_feature` (login, logout, ready, not_ready, wrapup) and, for not-ready, the reason digit
in `calldesk_feature_arg`. The phone's own agent comes from the directory (`calldesk_agent`):
a phone acts only for its agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FEATURES = ("login", "logout", "ready", "not_ready", "wrapup")
# Default codes the dialplan template renders (freeswitch.agent_* keys would override them).
CODES = {"login": "*41", "logout": "*42", "ready": "*43", "not_ready": "*44", "wrapup": "*45"}


@dataclass(frozen=True)
class Feature:
    name: str
    agent: str  # "" when the phone belongs to no agent
    arg: str = ""


@dataclass(frozen=True)
class AgentView:
    logged_in: bool
    state: str  # available | busy | wrap_up | not_ready | logged_out (AgentState values)


@dataclass(frozen=True)
class Act:
    """Do it: `action` is the AcdService verb (login, logout, ready, not_ready, wrapup)."""

    action: str
    agent: str
    reason: str = ""  # not_ready's reason code
    prompt: str = "ok"  # which confirmation to speak


@dataclass(frozen=True)
class Refuse:
    why: str
    prompt: str = "invalid"


Decision = Act | Refuse


def read_feature(variables: Mapping[str, str]) -> Feature | None:
    if variables.get("calldesk_kind") != "agent_feature":
        return None
    agent = (variables.get("calldesk_from_agent") or variables.get("calldesk_agent") or "").strip()
    if agent.startswith("${"):  # an unset directory variable expands to nothing, or stays
        agent = ""
    return Feature(
        variables.get("calldesk_feature", ""), agent, variables.get("calldesk_feature_arg", "")
    )


def decide(f: Feature, agent: AgentView | None, reasons: Sequence[str]) -> Decision:
    """`reasons`: the not-ready reason codes in order; digit N picks the N-th (none: the first)."""
    if f.name not in FEATURES:
        return Refuse(f"unknown feature {f.name!r}")
    if not f.agent or agent is None:
        return Refuse("this phone belongs to no calldesk agent")
    if f.name == "login":
        if agent.logged_in:
            return Refuse(f"agent {f.agent} is already logged in", prompt="already")
        return Act("login", f.agent, prompt="logged_in")
    if not agent.logged_in:
        return Refuse(f"agent {f.agent} is not logged in", prompt="not_logged_in")
    if f.name == "logout":
        return Act("logout", f.agent, prompt="logged_out")
    if f.name == "ready":
        return Act("ready", f.agent)
    if f.name == "wrapup":
        if agent.state != "wrap_up":
            return Refuse(f"agent {f.agent} is not in wrap-up ({agent.state})")
        return Act("wrapup", f.agent)
    arg = f.arg.strip()
    if arg and (not arg.isdigit() or len(arg) != 1):
        return Refuse(f"reason code {arg!r} is not one digit")
    index = int(arg) - 1 if arg else 0
    if not reasons or not 0 <= index < len(reasons):
        return Refuse(f"no not-ready reason number {arg or 1}")
    return Act("not_ready", f.agent, reasons[index])
