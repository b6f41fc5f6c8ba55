"""Walk the OpenAPI document: every route with sample path values and bodies."""

from __future__ import annotations

import re
from typing import Any

FLOW = "name: probe\nversion: '1'\nentry: bye\nsteps:\n  bye: {hangup: {}}\n"
BODIES = {
    "LoginBody": {"user": "nobody", "password": "wrong password"},
    "AgentLoginBody": {"ready": False},
    "StateBody": {"state": "not_ready", "reason": "break"},
    "WrapupBody": {"disposition": "resolved", "notes": "fine"},
    "MoveBody": {"queue": "support"},
    "PriorityBody": {"priority": 3},
    "PullBody": {"agent": "a1"},
    "SuperviseBody": {"agent": "a2", "mode": "listen"},
    "ModeBody": {"mode": "barge"},
    "ForceBody": {"state": "not_ready", "reason": "meeting"},
    "MuteBody": {"on": True},
    "DtmfBody": {"digits": "1"},
    "TargetBody": {"target": {"kind": "queue", "id": "support"}},
    "MessageBody": {"text": "Hello"},
    "TypingBody": {"on": True},
    "ReadBody": {"upto_seq": 1},
    "RenderBody": {"interaction": "nosuch"},
    "SkipBody": {"reason": "wrong_person"},
    "CallbackBody": {"number": "+12125550122", "at": 0, "agent": "a1"},
    "MergeBody": {"absorbed": "cu-nosuch"},
    "CustomerBody": {"name": "Walker", "identities": [{"kind": "email", "value": "w@x.org"}]},
}
PARAMS = {"id": "a1", "name": "sales", "offer": "none/o1", "sid": "nosession",
          "preview": "nosuch", "merge": "999"}
# `{id}` there is no agent id
NOT_AGENT_ID = {"interactions", "recordings", "canned", "attachments", "customers"}


def operations(doc: dict) -> list[tuple[str, str, dict]]:
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def path_for(path: str) -> str:
    def value(m: re.Match) -> str:
        name = m.group(1)
        if name == "id" and path.split("/")[2] in NOT_AGENT_ID:
            return "nosuch"
        if name == "name" and path.startswith("/api/flows"):
            return "nosuch"
        return PARAMS[name]

    return re.sub(r"\{(\w+)\}", value, path)


def body_for(op: dict) -> tuple[bytes | None, dict[str, str]]:
    content = op.get("requestBody", {}).get("content", {})
    if "application/yaml" in content:
        return FLOW.encode(), {"Content-Type": "application/yaml"}
    if "application/json" in content:
        import json

        name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return json.dumps(BODIES[name]).encode(), {"Content-Type": "application/json"}
    return None, {}


def response_schema(doc: dict, op: dict, status: int) -> Any:
    r = op["responses"].get(str(status))
    if r is None:
        return None
    c = r.get("content", {}).get("application/json")
    return None if c is None else {**c["schema"], "components": doc["components"]}
