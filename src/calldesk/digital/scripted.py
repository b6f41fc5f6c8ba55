"""A scripted customer for `calldesk flows test --medium chat|sms|email`: the first input opens
the conversation, each next one answers the flow's next question ('' = says nothing,
'hangup' = leaves). Runs a real DigitalDesk on an in-memory store and an in-process transport."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import gevent

from calldesk.digital.desk import DigitalDesk
from calldesk.digital.settings import DigitalSettings
from calldesk.digital.transport import InProcessTransport
from calldesk.ivr.dryrun import CollectingHandoff
from calldesk.ivr.flow import Flow
from calldesk.ivr.runner import Runner, RunOutcome
from calldesk.ivr.scripted import HANGUP
from calldesk.store import Store


@dataclasses.dataclass
class ScriptedChat:
    outcome: RunOutcome | None
    transcript: list[tuple[str, str]]  # (author, text)
    handoff: CollectingHandoff


def run_scripted(
    flow: Flow,
    runner: Runner,
    medium: str,
    inputs: list[str],
    address: str,
    name: str,
    clock: Callable[[], float],
    wall_limit: float = 60.0,
) -> ScriptedChat:
    handoff = CollectingHandoff()
    store = Store.open(":memory:")
    transport = InProcessTransport()
    desk = DigitalDesk(
        store,
        handoff,
        _One(flow, runner.flows),
        runner,
        {medium: transport},
        clock,  # type: ignore[arg-type]
        DigitalSettings(flows={medium: flow.name}),
    )
    script = list(inputs) or [""]
    try:
        conv, _ = desk.receive(
            medium, address, script.pop(0) or "(opens the conversation)", name=name
        )
        session, greenlet = desk.sessions.get(conv.id), desk.greenlets.get(conv.id)
        answered = 0
        with gevent.Timeout(wall_limit, TimeoutError("the flow did not finish in time")):
            while greenlet is not None and not greenlet.ready():
                port = session.port if session is not None else None
                if port is not None and port.asking.is_set() and port.questions > answered:
                    answered = port.questions
                    item = script.pop(0) if script else HANGUP
                    if item == HANGUP:
                        desk.customer_left(conv.id)
                    elif item:
                        desk.receive(medium, address, item)
                    else:
                        port.deliver(None)  # says nothing: the question times out
                gevent.sleep(0.001)
        outcome = greenlet.value if greenlet is not None else None
        lines = [(m.author, m.text) for m in desk.messages.transcript(conv.id)]
        return ScriptedChat(outcome, lines, handoff)
    finally:
        desk.stop()
        store.close()


class _One:
    """The flow under test first, then the library (subflows)."""

    def __init__(self, flow: Flow, rest: object) -> None:
        self.flow, self.rest = flow, rest

    def get(self, name: str, version: str | None = None) -> Flow:
        if name == self.flow.name and version in (None, self.flow.version):
            return self.flow
        return self.rest.get(name, version)  # type: ignore[attr-defined]
