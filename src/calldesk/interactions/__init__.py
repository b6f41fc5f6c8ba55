"""calldesk.interactions: the medium-neutral model of a customer contact.

An interaction has an id of its own (never a leg uuid), a medium, the customer's identities as
the medium gave them, the data collected, and the legs or message threads attached to it over
time (`Interactions`, in SQLite). `EnqueueRequest` is how a flow (or any medium adapter) hands
an interaction to the ACD; `Handoff` is whoever takes it (the engine).
This package imports neither `calldesk.ivr` nor the engine or its adapters.
"""

from calldesk.interactions.ids import new_interaction_id
from calldesk.interactions.registry import Attachment, InteractionRecord, Interactions
from calldesk.interactions.request import EnqueueRequest, Handoff

__all__ = [
    "Attachment",
    "EnqueueRequest",
    "Handoff",
    "InteractionRecord",
    "Interactions",
    "new_interaction_id",
]
