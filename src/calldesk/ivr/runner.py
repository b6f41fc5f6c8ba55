"""The runner core: drives one interaction through a flow, step by step, over a MediaPort.

Steps are pure (state in, actions out); this loop performs each action through an injected
edge (media port, HTTP client, context store, ACD hand-off, clock) and records every step
transition so a restarted controller resumes the caller where they were."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from calldesk.interactions import EnqueueRequest, Handoff
from calldesk.ivr.actions import (
    Action,
    CallerGone,
    CollectDigits,
    ContextData,
    ContextRead,
    ContextWrite,
    DigitsReceived,
    Done,
    Enqueue,
    EnterSubflow,
    Goto,
    Hangup,
    HttpRequest,
    Play,
    PromptDone,
    Record,
    Result,
    Return,
    Say,
    Transfer,
)
from calldesk.ivr.errors import FlowRuntimeError
from calldesk.ivr.flow import Flow
from calldesk.ivr.ports import ContextStore, HttpClient, MediaPort
from calldesk.ivr.state import Frame, RunState
from calldesk.ivr.steps.base import StepContext

log = logging.getLogger(__name__)


class FlowSource(Protocol):
    def get(self, name: str, version: str | None = None) -> Flow: ...


class RunRecorder(Protocol):
    def started(self, state: RunState, flow: Flow) -> None: ...

    def transition(self, state: RunState) -> None: ...

    def finished(self, state: RunState, outcome: RunOutcome) -> None: ...

    def settle(self, state: RunState) -> None:
        """Called before each effect outside the store (a prompt, a transfer, a hang-up, an
        HTTP call): the run's start must be durable by then."""
        ...


class StepFailed(Exception):
    """A step raised at run time; `__cause__` is what it raised."""


@dataclass(frozen=True)
class RunOutcome:
    interaction_id: str
    status: str  # enqueued, transferred, hangup, caller_gone, ended, failed (detail: file:line)
    path: list[str]
    variables: dict[str, Any]
    action: Action | None = None
    detail: str = ""


def mask(value: Any) -> str:
    text = str(value)
    return "*" * max(len(text) - 4, 0) + text[-4:] if len(text) > 4 else "*" * len(text)


def masked_variables(state: RunState) -> dict[str, Any]:
    return {k: (mask(v) if k in state.sensitive else v) for k, v in state.variables.items()}


def take_typeahead(action: CollectDigits, typed: str) -> tuple[DigitsReceived | None, str]:
    """Digits typed during a prompt answer the next question when they already complete it."""
    for i, ch in enumerate(typed):
        if ch in action.terminators:
            return DigitsReceived(typed[:i], ch), typed[i + 1 :]
    if typed and len(typed) >= action.max_digits:
        return DigitsReceived(typed[: action.max_digits]), typed[action.max_digits :]
    return None, typed


@dataclass
class Runner:
    flows: FlowSource
    clock: Callable[[], datetime]
    http: HttpClient
    contexts: ContextStore
    handoff: Handoff | None = None
    recorder: RunRecorder | None = None
    max_transitions: int = 1000
    # The global outbound rules (trunks' toll-fraud policy): (number, interaction) -> allowed.
    outbound_check: Callable[[str, str], bool] | None = None

    def start(
        self,
        flow: Flow,
        port: MediaPort,
        *,
        interaction_id: str,
        caller: dict[str, Any] | None = None,
        variables: dict[str, Any] | None = None,
        address: str = "",
    ) -> RunOutcome:
        """`address`: where the customer is (the leg, the thread); default the interaction id."""
        state = RunState(
            interaction_id=interaction_id,
            address=address or interaction_id,
            flow=flow.name,
            version=flow.version,
            step=flow.entry,
            medium=port.medium,
            variables=dict(variables or {}),
            caller=dict(caller or {}),
        )
        state.path.append(f"{flow.name}:{flow.entry}")
        if self.recorder:
            self.recorder.started(state, flow)
        return self._drive(state, flow, port)

    def resume(self, state: RunState, port: MediaPort) -> RunOutcome:
        """Continue a persisted run at its current step (the step starts over)."""
        state.scratch = {}
        flow = self.flows.get(state.flow, state.version)
        return self._drive(state, flow, port)

    # --- the loop ------------------------------------------------------------------------------
    def _drive(self, state: RunState, flow: Flow, port: MediaPort) -> RunOutcome:
        """Run to the end. A step that fails at run time (a template that raises, a subflow that
        is gone) ends the run as `failed`, with the step's file:line, and never silently: the
        service applies the configured fallback."""
        try:
            return self._loop(state, flow, port)
        except StepFailed as exc:  # (a FlowRuntimeError, e.g. a runaway flow, is raised: the
            cause = exc.__cause__  # service applies its fallback to those too)
            detail = f"{self._where(state)}: {type(cause).__name__}: {cause}"
            log.error("%s: step failed at run time: %s", state.interaction_id, detail)
            return self._finish(state, port, "failed", None, detail)

    @staticmethod
    def _step(fn: Callable[..., Action], *args: Any) -> Action:
        """A step's own logic (templates, expressions); the media port's errors are not its."""
        try:
            return fn(*args)
        except FlowRuntimeError:
            raise
        except Exception as exc:
            raise StepFailed(str(exc)) from exc

    def _where(self, state: RunState) -> str:
        try:
            step = self.flows.get(state.flow, state.version).steps.get(state.step)
        except Exception:
            step = None
        if step is None:
            return f"{state.flow}:{state.step}"
        return f"{step.mark.file}:{step.mark.line}: {state.flow}.{state.step}"

    def _loop(self, state: RunState, flow: Flow, port: MediaPort) -> RunOutcome:
        interaction = {"id": state.interaction_id, "medium": state.medium}
        while True:
            if port.gone:  # hung up during a step without media (lookup, set, ...)
                return self._finish(state, port, "caller_gone", None, "gone")
            step = flow.steps[state.step]
            instead = step.impl.spec.get("text") if port.medium != "voice" else None
            if instead:  # a voice-only step's variant for text media
                self._move(state, flow, instead)
                continue
            ctx = StepContext(
                state, self.clock(), interaction, flow.allow_transfer, self.outbound_check
            )
            action = self._step(step.impl.start, ctx)
            while True:
                if isinstance(action, Goto):
                    self._move(state, flow, action.step)
                    break
                if isinstance(action, EnterSubflow):
                    state.stack.append(Frame(flow.name, flow.version, action.return_to))
                    flow = self.flows.get(action.flow)
                    state.flow, state.version = flow.name, flow.version
                    self._move(state, flow, flow.entry)
                    break
                if isinstance(action, Return):
                    if not state.stack:
                        return self._finish(state, port, "ended", Hangup())
                    frame = state.stack.pop()
                    flow = self.flows.get(frame.flow, frame.version)
                    state.flow, state.version = flow.name, flow.version
                    self._move(state, flow, frame.return_to)
                    break
                if isinstance(action, Enqueue | Transfer | Hangup):
                    return self._end(state, flow, port, action)
                if not isinstance(action, ContextRead | ContextWrite):
                    self._settle(state)
                result = self._perform(state, port, action)
                if isinstance(result, CallerGone):
                    return self._finish(state, port, "caller_gone", None, result.cause)
                ctx.now = self.clock()
                action = self._step(step.impl.resume, ctx, result)

    def _settle(self, state: RunState) -> None:
        """Before an effect outside the store: the run's start is durable (RunRecorder.settle)."""
        if self.recorder:
            self.recorder.settle(state)

    def _move(self, state: RunState, flow: Flow, step: str) -> None:
        if step not in flow.steps:
            raise FlowRuntimeError(f"flow {flow.name} {flow.version}: no step {step!r}")
        state.transitions += 1
        if state.transitions > self.max_transitions:
            raise FlowRuntimeError(
                f"{state.interaction_id}: more than {self.max_transitions} steps"
            )
        state.step = step
        state.scratch = {}
        state.path.append(f"{flow.name}:{step}")
        if self.recorder:
            self.recorder.transition(state)

    def _perform(self, state: RunState, port: MediaPort, action: Action) -> Result:
        if isinstance(action, Play):
            result = port.play(action)
            if isinstance(result, PromptDone) and result.digits and action.barge_in:
                state.typeahead += result.digits
            return result
        if isinstance(action, CollectDigits):
            ready, rest = take_typeahead(action, state.typeahead)
            if ready is not None:
                state.typeahead = rest
                return ready
            typed, state.typeahead = state.typeahead, ""
            return port.collect(action, typed)
        if isinstance(action, Say):
            return port.say(action)
        if isinstance(action, Record):
            state.typeahead = ""
            return port.record(action)
        if isinstance(action, HttpRequest):
            if action.fire_and_forget:
                self.http.fire(action)
                return Done()
            return self.http.request(action)
        if isinstance(action, ContextRead):
            return ContextData(self.contexts.read(action.key))
        if isinstance(action, ContextWrite):
            self.contexts.write(action.key, action.values)
            return Done()
        raise FlowRuntimeError(f"no edge performs {type(action).__name__}")

    def _end(self, state: RunState, flow: Flow, port: MediaPort, action: Action) -> RunOutcome:
        if isinstance(action, Enqueue):
            request = EnqueueRequest(
                interaction_id=state.interaction_id,
                medium=state.medium,
                queue=action.queue,
                priority=action.priority,
                skills=action.skills,
                language=action.language,
                caller=dict(state.caller),
                variables=masked_variables(state),
                data=action.data,
                flow=flow.name,
                flow_version=flow.version,
                path=list(state.path),
                timeout=action.timeout,
                callback_number=action.callback_number,
                address=state.address,
                context=dict(state.context),
            )
            if self.handoff is None:
                raise FlowRuntimeError("an enqueue step ran but no ACD hand-off is wired")
            self.handoff.enqueue(request)
            return self._finish(state, port, "enqueued", action)
        if isinstance(action, Transfer):
            self._settle(state)
            result = port.transfer(action)
            if isinstance(result, CallerGone):
                return self._finish(state, port, "caller_gone", None, result.cause)
            return self._finish(state, port, "transferred", action)
        assert isinstance(action, Hangup)
        return self._finish(state, port, "hangup", action)

    def _finish(
        self, state: RunState, port: MediaPort, status: str, action: Action | None, detail: str = ""
    ) -> RunOutcome:
        if isinstance(action, Hangup):
            self._settle(state)
            port.hangup(action)
        outcome = RunOutcome(
            state.interaction_id, status, list(state.path), masked_variables(state), action, detail
        )
        if self.recorder:
            self.recorder.finished(state, outcome)
        return outcome
