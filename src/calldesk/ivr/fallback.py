"""What happens to a caller when their flow cannot run: the number has no flow (the file was
deleted or refused), or a step failed at run time. `flows.fallback` in calldesk.yaml:

- `queue:NAME`: hand the caller to that queue, with what the flow collected so far;
- `flow:NAME`: run that flow on the leg (if it is loaded; else hang up as below);
- `hangup` (default): play `flows.fallback_prompt`, then hang up with NORMAL_TEMPORARY_FAILURE.

Either way the caller is never left parked in silence, and `ivr.fallback` is journaled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from calldesk.errors import CalldeskError, ConfigError
from calldesk.interactions import EnqueueRequest, Handoff

if TYPE_CHECKING:
    from calldesk.ivr.service import IvrService

log = logging.getLogger(__name__)
KINDS = ("queue", "flow", "hangup")


@dataclass(frozen=True)
class FallbackRule:
    kind: str
    target: str = ""


def parse_fallback(text: str, key: str = "flows.fallback") -> FallbackRule:
    kind, _, target = (text or "hangup").partition(":")
    if kind not in KINDS or (kind != "hangup" and not target) or (kind == "hangup" and target):
        raise ConfigError(key, f"expected queue:NAME, flow:NAME or hangup, not {text!r}")
    return FallbackRule(kind, target)


class Fallback:
    def __init__(self, rule: FallbackRule, handoff: Handoff | None, prompt: str,
                 journal: Any = None, clock: Callable[[], float] | None = None) -> None:
        self.rule, self.handoff, self.prompt = rule, handoff, prompt
        self.journal, self.clock = journal, clock

    def apply(self, service: IvrService, leg: str, iid: str, caller: dict[str, Any],
              reason: str, variables: dict[str, Any] | None = None) -> str:
        """Take the caller somewhere; returns what was done (`queue`, `flow`, `hangup`)."""
        done = self.rule.kind
        if done == "queue" and self.handoff is not None:
            self.handoff.enqueue(EnqueueRequest(
                interaction_id=iid, medium="voice", queue=self.rule.target, priority=0,
                skills={}, language="en", caller=dict(caller), variables=dict(variables or {}),
                data={"fallback": reason}, flow="", flow_version="", path=[], address=leg,
            ))
        elif done == "flow" and (flow := service.library.current(self.rule.target)) is not None:
            if not service.run_flow(leg, flow, caller, {"fallback_reason": reason},
                                    interaction=iid):
                done = "hangup"
        else:
            done = "hangup"
        if done == "hangup":
            self._hang_up(service, leg)
        log.warning("leg %s (%s): %s; fallback %s", leg, iid, reason, done)
        if self.journal is not None and self.clock is not None:
            self.journal.append("ivr.fallback", iid, {"leg": leg, "reason": reason,
                                                      "fallback": done}, self.clock())
        return done

    def _hang_up(self, service: IvrService, leg: str) -> None:
        try:
            if self.prompt:
                service.conn.execute(leg, "playback", self.prompt, timeout=30.0)
            service.conn.hangup(leg, "NORMAL_TEMPORARY_FAILURE")
        except CalldeskError as exc:
            log.info("fallback hangup of %s: %s", leg, exc)
