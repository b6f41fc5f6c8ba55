"""A chat customer who leaves while the flow's hand-off waits for the engine to record the
arrival: the conversation is already queued, so the ACD hears that it ended and the waiting
interaction is abandoned, not left in the queue for good (the flow, done with it, no longer
ends it; found with the engine's paced steps, which can hold an enqueue up to a step)."""

from __future__ import annotations

import dataclasses

import gevent
from tests.eventually import eventually
from tests.integration.digital.helpers import build


def test_a_customer_who_leaves_during_the_enqueue_is_abandoned(tmp_path):
    rig = build(tmp_path)
    try:
        rig.acd_service.login("alice", ready=False)
        # the engine's next step comes a second after its last: the enqueue waits that long
        rig.acd_service.settings = dataclasses.replace(rig.acd_service.settings,
                                                       step_every_s=1.0)
        rig.acd_service.not_ready("alice")
        desk = rig.desk
        conv, _ = desk.receive("chat", "visitor-9", "hello")
        eventually(lambda: desk.sessions[conv.id].asking, "the menu")
        desk.receive("chat", "visitor-9", "2")
        eventually(lambda: desk.messages.get(conv.id).state == "queued", "the hand-off")
        gevent.sleep(0.05)
        assert conv.id in desk.sessions  # the flow still waits in its enqueue
        assert "interaction.arrived" not in rig.kinds(conv.id)
        desk.customer_left(conv.id)
        abandoned = eventually(
            lambda: [e for e in rig.published
                     if e.kind == "interaction.abandoned" and e.subject == conv.id],
            "the abandon",
        )
        assert abandoned[0].data["medium"] == "chat"
        assert conv.id not in rig.acd_service.acd.interactions
    finally:
        rig.stop()
