"""TextSession: a YAML flow run over a message transport (chat, SMS, email).

The flow's prompts are sent as messages; each customer reply answers the question the flow is
asking (digits or words; a menu also takes an option's label). `enqueue` hands the conversation
to the ACD like a call; `hangup` closes it. The session blocks in its own greenlet."""

from __future__ import annotations

from collections.abc import Callable

from calldesk.digital.model import Conversation
from calldesk.ivr.errors import FlowInvalid
from calldesk.ivr.flow import Flow
from calldesk.ivr.runner import Runner, RunOutcome
from calldesk.ivr.state import RunState
from calldesk.ivr.text import TextConversation, check_medium


class TextSession:
    def __init__(
        self,
        conv: Conversation,
        flow: Flow,
        runner: Runner,
        say: Callable[[str], object],
        min_timeout: float = 0.0,
    ) -> None:
        errors = check_medium(flow, conv.medium)
        if errors:
            raise FlowInvalid(errors)
        self.conv, self.flow, self.runner = conv, flow, runner
        self.port = TextConversation(say, conv.medium, min_timeout)
        self.outcome: RunOutcome | None = None

    @property
    def asking(self) -> bool:
        """True while the flow waits for the customer's reply."""
        return self.port.asking.is_set()

    def deliver(self, text: str | None) -> None:
        """The customer's reply (None: answer the current question with silence at once)."""
        self.port.deliver(text)

    def leave(self) -> None:
        """The customer left: the flow ends as `caller_gone`."""
        self.port.close()

    def resume(self, state: RunState) -> RunOutcome:
        """Continue a saved run after a restart (its current step starts over)."""
        self.outcome = self.runner.resume(state, self.port)
        return self.outcome

    def run(self) -> RunOutcome:
        c = self.conv
        self.outcome = self.runner.start(
            self.flow,
            self.port,
            interaction_id=c.id,
            caller={"id": c.address, "name": c.name, "medium": c.medium},
            variables={"medium": c.medium, **_identities(c)},
        )
        return self.outcome


def _identities(c: Conversation) -> dict[str, str]:
    """What the medium gave beyond the address, as identities for the flow and for customer
    resolution: a chat visitor's email from the pre-chat form (unverified)."""
    email = c.data.get("email") if c.medium == "chat" else None
    return {"identity_email": email} if isinstance(email, str) and email else {}
