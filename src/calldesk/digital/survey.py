"""The satisfaction survey (CSAT) after a conversation: asked when an answered conversation in
a surveyed queue closes; the customer's next message, if it starts with 1-5, is the answer
(stored on the interaction and journaled `survey.answered` for reports)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from calldesk.digital.model import Conversation, Message

if TYPE_CHECKING:
    from calldesk.digital.desk import DigitalDesk


def ask(desk: DigitalDesk, conv: Conversation, cause: str) -> None:
    """After an answered conversation in a surveyed queue, ask for a score."""
    survey = desk.settings.survey
    if (
        survey is None
        or conv.queue not in survey.queues
        or conv.state != "connected"
        or cause in ("customer_left", "opted_out", "idle")
    ):
        return
    desk.send(conv.id, "system", survey.question, counts=False)
    conv = desk.messages.get(conv.id)
    conv.data = {**conv.data, "survey": "asked"}
    desk.messages.save(conv)


def answer(
    desk: DigitalDesk, medium: str, address: str, text: str, now: float
) -> tuple[Conversation, Message] | None:
    """A reply to the survey: "1".."5" first, then an optional comment. Anything else
    starts a new conversation (and the survey is left unanswered)."""
    survey = desk.settings.survey
    last = desk.messages.latest(medium, address) if survey else None
    if survey is None or last is None or last.open or last.data.get("survey") != "asked":
        return None
    found = re.match(r"\s*([1-5])(?![0-9])\W*(.*)", text, re.DOTALL)
    late = now - last.closed_at > survey.answer_within_s
    last.data = {**last.data, "survey": "skipped" if (late or not found) else "answered"}
    if late or not found:
        desk.messages.save(last)
        return None
    score, comment = int(found.group(1)), found.group(2).strip()[:1000]
    msg = desk.messages.add(last.id, "in", "customer", text, now)
    last.data["csat"] = {"score": score, "comment": comment}
    desk.messages.save(last)
    desk.journal.append(
        "survey.answered",
        last.id,
        {
            "score": score,
            "comment": comment,
            "queue": last.queue,
            "agent": last.agent,
            "medium": medium,
        },
        now,
    )
    desk.send(last.id, "system", survey.thanks, counts=False)
    return last, msg
