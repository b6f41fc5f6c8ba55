"""The step registry: one module per kind, registered here explicitly as {kind: class}."""

from __future__ import annotations

from calldesk.ivr.steps.base import StepKind
from calldesk.ivr.steps.branch import BranchStep
from calldesk.ivr.steps.collect import CollectStep
from calldesk.ivr.steps.context import ContextStep
from calldesk.ivr.steps.enqueue import EnqueueStep
from calldesk.ivr.steps.goto import GotoStep
from calldesk.ivr.steps.hangup import HangupStep
from calldesk.ivr.steps.language import LanguageStep
from calldesk.ivr.steps.lookup import LookupStep
from calldesk.ivr.steps.menu import MenuStep
from calldesk.ivr.steps.play import PlayStep
from calldesk.ivr.steps.record import RecordStep
from calldesk.ivr.steps.say import SayStep
from calldesk.ivr.steps.schedule import ScheduleStep
from calldesk.ivr.steps.set import SetStep
from calldesk.ivr.steps.subflow import ReturnStep, SubflowStep
from calldesk.ivr.steps.transfer import TransferStep
from calldesk.ivr.steps.webhook import WebhookStep

REGISTRY: dict[str, type[StepKind]] = {
    "play": PlayStep,
    "say": SayStep,
    "menu": MenuStep,
    "collect": CollectStep,
    "set": SetStep,
    "branch": BranchStep,
    "schedule": ScheduleStep,
    "lookup": LookupStep,
    "context": ContextStep,
    "language": LanguageStep,
    "record": RecordStep,
    "enqueue": EnqueueStep,
    "transfer": TransferStep,
    "subflow": SubflowStep,
    "return": ReturnStep,
    "goto": GotoStep,
    "hangup": HangupStep,
    "webhook": WebhookStep,
}

__all__ = ["REGISTRY", "StepKind"]
