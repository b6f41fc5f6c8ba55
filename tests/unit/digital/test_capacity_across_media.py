"""Capacity across media per agent, from calldesk.yaml's `capacity:` keys, on the pure ACD core:
the combinations a contact center with chat, SMS, email and voice relies on."""

from __future__ import annotations

from calldesk.acd import Acd, Offer
from calldesk.acd import events as ev
from calldesk.acd.config import parse_acd


def _acd(capacity_alice: dict, blocks: list | None = None) -> Acd:
    cfg = parse_acd(
        {
            "queues": [{"name": "web"}],
            "agents": [
                {
                    "id": "alice",
                    "contact": "user/1001",
                    "queues": ["web"],
                    "capacity": capacity_alice,
                },
            ],
            "capacity": {"blocks": blocks} if blocks is not None else {},
        }
    )
    return Acd(cfg.queues, cfg.agents, rules=cfg.rules, policy=cfg.policy)


class Floor:
    def __init__(self, acd: Acd) -> None:
        self.acd, self.now, self.offers = acd, 0.0, []

    def feed(self, *events) -> list[Offer]:
        self.now += 1.0
        got = [d for d in self.acd.handle_many(list(events), self.now) if isinstance(d, Offer)]
        self.offers += got
        return got

    def arrive(self, iid: str, medium: str) -> list[Offer]:
        return self.feed(ev.InteractionArrived(iid, "web", medium=medium))

    def take_all(self) -> list[str]:
        """Accept every offer as it comes (an agent gets one offer at a time)."""
        taken = []
        while self.offers:
            o = self.offers.pop(0)
            taken.append(o.interaction)
            self.feed(ev.OfferAccepted(o.id))
        return taken


def test_three_chats_at_once_then_the_fourth_waits_until_one_ends():
    f = Floor(_acd({"voice": 1, "chat": 3, "email": 5}))
    f.feed(ev.AgentLogin("alice", ready=True))
    for i in range(4):
        f.arrive(f"chat-{i}", "chat")
    assert f.take_all() == ["chat-0", "chat-1", "chat-2"]
    assert f.acd.agents["alice"].load() == {"chat": 3}
    f.feed(ev.InteractionEnded("chat-1", "closed"), ev.WrapUpDone("alice", "chat-1"))
    assert f.take_all() == ["chat-3"]


def test_a_voice_call_blocks_new_chats_and_chats_block_voice():
    f = Floor(_acd({"voice": 1, "chat": 3}))
    f.feed(ev.AgentLogin("alice", ready=True))
    f.arrive("call-1", "voice")
    assert f.take_all() == ["call-1"]
    assert f.arrive("chat-1", "chat") == []  # a voice call blocks new chats (default rule)
    f.feed(ev.InteractionEnded("call-1"), ev.WrapUpDone("alice", "call-1"))
    assert f.take_all() == ["chat-1"]
    assert f.arrive("call-2", "voice") == []  # never offered voice while typing in a chat
    f.feed(ev.InteractionEnded("chat-1"), ev.WrapUpDone("alice", "chat-1"))
    assert f.take_all() == ["call-2"]


def test_chat_and_email_share_an_agent_up_to_each_limit():
    f = Floor(_acd({"voice": 1, "chat": 2, "email": 3}))
    f.feed(ev.AgentLogin("alice", ready=True))
    for i in range(3):
        f.arrive(f"chat-{i}", "chat")
        f.arrive(f"mail-{i}", "email")
    f.arrive("mail-3", "email")
    taken = f.take_all()
    assert sorted(taken) == ["chat-0", "chat-1", "mail-0", "mail-1", "mail-2"]
    assert f.acd.agents["alice"].load() == {"chat": 2, "email": 3}


def test_site_rules_can_let_voice_through_while_emails_are_open():
    # blocks: only voice blocks chat; an open email blocks nothing
    f = Floor(_acd({"voice": 1, "chat": 3, "email": 5}, blocks=[["voice", "chat"]]))
    f.feed(ev.AgentLogin("alice", ready=True))
    f.arrive("mail-1", "email")
    f.arrive("call-1", "voice")
    assert f.take_all() == ["mail-1", "call-1"]
    assert f.arrive("chat-1", "chat") == []
    assert f.arrive("mail-2", "email") != []  # email is not blocked by voice under these rules


def test_an_agent_without_sms_capacity_is_never_offered_sms():
    f = Floor(_acd({"voice": 1, "chat": 3, "sms": 0}))
    f.feed(ev.AgentLogin("alice", ready=True))
    assert f.arrive("sms-1", "sms") == []
    assert f.arrive("chat-1", "chat") != []


def test_done_on_one_of_several_wrap_ups_ends_only_that_one():
    cfg = parse_acd(
        {
            "queues": [{"name": "web", "wrap_up_s": 600}],
            "agents": [{"id": "alice", "contact": "user/1001", "queues": ["web"],
                        "capacity": {"chat": 3}}],
        }
    )  # fmt: skip
    f = Floor(Acd(cfg.queues, cfg.agents, rules=cfg.rules, policy=cfg.policy))
    f.feed(ev.AgentLogin("alice", ready=True))
    for i in range(3):
        f.arrive(f"chat-{i}", "chat")
    assert f.take_all() == ["chat-0", "chat-1", "chat-2"]
    f.feed(ev.InteractionEnded("chat-0", "closed"), ev.InteractionEnded("chat-1", "closed"))
    alice = f.acd.agents["alice"]
    assert sorted(alice.wrapups) == ["chat-0", "chat-1"]
    f.feed(ev.WrapUpDone("alice", "chat-1"))
    assert sorted(alice.wrapups) == ["chat-0"]  # only the one named
    f.feed(ev.InteractionEnded("chat-2", "closed"))
    assert alice.derive_state().value == "wrap_up"
    f.feed(ev.WrapUpDone("alice", "chat-1"))  # already done: ignored, nothing else ends
    assert sorted(alice.wrapups) == ["chat-0", "chat-2"]
    f.feed(ev.WrapUpDone("alice", "chat-0"))
    assert alice.derive_state().value == "wrap_up"  # chat-2 still pending
    f.feed(ev.WrapUpDone("alice", "chat-2"))
    assert alice.derive_state().value == "available"  # ready only when none is pending
    # the body without an interaction still ends every wrap-up at once
    for i in (3, 4):
        f.arrive(f"chat-{i}", "chat")
    f.take_all()
    f.feed(ev.InteractionEnded("chat-3", "closed"), ev.InteractionEnded("chat-4", "closed"))
    f.feed(ev.WrapUpDone("alice"))
    assert not alice.wrapups and alice.derive_state().value == "available"
