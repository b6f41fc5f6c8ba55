"""Proactive invitations: the pure decision (rules, page, seconds, availability, predicted
wait) -> invite or not, the rules as configured, and the ACD view's outlook it is fed from."""

from __future__ import annotations

import pytest

from calldesk.acd import Acd, AgentConfig, QueueConfig
from calldesk.acd import events as ev
from calldesk.digital.chat.invite import Outlook, Rule, decide, load_rules, page_path
from calldesk.digital.chat.settings import AttachmentLimits, ChatSettings
from calldesk.errors import ConfigError

PRICING = Rule("pricing", ("/pricing*", "/plans/*"), 20.0, "sales", 60.0, "Questions? Ask us.")
HELP = Rule("help", ("/help/*",), 5.0, "support", 120.0, "Need a hand?", min_agents=2)
OPEN = {"sales": Outlook(2, 0.0), "support": Outlook(3, 30.0)}


def test_invites_after_the_time_on_a_matching_page_when_agents_are_free():
    d = decide([PRICING], "https://shop.example/pricing?ref=ad#top", 20.0, OPEN)
    assert (d.invite, d.text, d.rule) == (True, "Questions? Ask us.", "pricing")
    assert d.public() == {"invite": True, "text": "Questions? Ask us."}


def test_too_early_says_when_to_ask_again():
    d = decide([PRICING], "https://shop.example/plans/pro", 12.5, OPEN)
    assert not d.invite and d.again_s == 7.5
    assert d.public() == {"invite": False, "again_s": 7.5}


def test_a_page_no_rule_matches_is_never_invited_and_need_not_ask_again():
    d = decide([PRICING, HELP], "https://shop.example/about", 999.0, OPEN)
    assert (d.invite, d.again_s) == (False, None)
    assert decide([PRICING], "https://shop.example/pricingx/../", 30, OPEN).invite  # glob "*"
    assert not decide([PRICING], "https://shop.example/plans", 30, OPEN).invite  # "/plans/*"


@pytest.mark.parametrize(
    "outlook, invite",
    [
        (Outlook(1, 60.0), True),  # at the limit
        (Outlook(1, 60.5), False),  # predicted wait above max_wait_s
        (Outlook(0, 0.0), False),  # no agent free
    ],
)
def test_availability_and_predicted_wait_decide(outlook, invite):
    d = decide([PRICING], "/pricing", 25.0, {"sales": outlook}, recheck_s=15.0)
    assert d.invite is invite
    assert d.again_s == (None if invite else 15.0)


def test_min_agents_and_a_queue_the_outlook_does_not_know():
    assert not decide([HELP], "/help/returns", 6, {"support": Outlook(1, 0.0)}).invite
    assert decide([HELP], "/help/returns", 6, {"support": Outlook(2, 0.0)}).invite
    assert not decide([HELP], "/help/returns", 6, {}).invite


def test_the_first_rule_that_invites_wins_and_the_outlook_is_asked_only_when_needed():
    asked = []

    def look(queue):
        asked.append(queue)
        return {"sales": Outlook(0, 0.0), "support": Outlook(5, 10.0)}[queue]

    both = Rule("both", ("/help/*",), 0.0, "sales", 60.0, "Sales here.")
    d = decide([PRICING, both, HELP], "/help/x", 10.0, look)
    assert (d.invite, d.rule) == (True, "help")
    assert asked == ["sales", "support"]  # pricing's page does not match: not asked


def test_page_path():
    assert page_path("https://a.example/x/y?q=1") == "/x/y"
    assert page_path("https://a.example") == "/"
    assert page_path("/local") == "/local"


def test_rules_load_and_each_refusal_names_its_key():
    rules = load_rules(
        [
            {
                "name": "p",
                "pages": "/pricing*",
                "after_s": 10,
                "queue": "sales",
                "max_wait_s": 45,
                "text": " Hi ",
            }
        ]
    )
    assert rules == (Rule("p", ("/pricing*",), 10.0, "sales", 45.0, "Hi", 1),)
    base = {"name": "p", "pages": ["/x"], "after_s": 1, "queue": "q", "max_wait_s": 1, "text": "t"}
    bad = [
        ({"color": "red"}, "digital.chat.invitations[0].color"),
        ({"pages": ["x*"]}, "digital.chat.invitations[0].pages"),
        ({"pages": []}, "digital.chat.invitations[0].pages"),
        ({"after_s": -1}, "digital.chat.invitations[0].after_s"),
        ({"max_wait_s": "soon"}, "digital.chat.invitations[0].max_wait_s"),
        ({"min_agents": 0}, "digital.chat.invitations[0].min_agents"),
        ({"text": ""}, "digital.chat.invitations[0].text"),
        ({"queue": None}, "digital.chat.invitations[0].queue"),
    ]
    for patch, key in bad:
        with pytest.raises(ConfigError) as err:
            load_rules([{**base, **patch}])
        assert err.value.key_path == key, (patch, str(err.value))
    with pytest.raises(ConfigError) as err:
        load_rules([base, base])
    assert err.value.key_path == "digital.chat.invitations[1].name"
    del base["after_s"]
    with pytest.raises(ConfigError, match="required"):
        load_rules([base])


def test_chat_settings_attachments_and_invitations():
    s = ChatSettings.load(
        {
            "attachments": {"max_bytes": 1000, "types": ["image/png"], "per_minute": 2},
            "invitations": [
                {
                    "name": "p",
                    "pages": "/p",
                    "after_s": 0,
                    "queue": "sales",
                    "max_wait_s": 5,
                    "text": "Hi",
                }
            ],
            "invitations_per_minute": 4,
        }
    )
    assert s.attachments == AttachmentLimits(
        max_bytes=1000, types=frozenset({"image/png"}), per_minute=2
    )
    assert [r.name for r in s.invitations] == ["p"] and s.invitations_per_minute == 4
    assert ChatSettings.load({}).attachments.max_bytes == 5 * 1024 * 1024
    for data, key in [
        ({"attachments": {"max_bytes": 0}}, "digital.chat.attachments.max_bytes"),
        (
            {"attachments": {"types": ["application/x-msdownload"]}},
            "digital.chat.attachments.types",
        ),
        ({"attachments": {"size": 1}}, "digital.chat.attachments.size"),
        ({"attachments": []}, "digital.chat.attachments"),
        ({"invitations": {}}, "digital.chat.invitations"),
    ]:
        with pytest.raises(ConfigError) as err:
            ChatSettings.load(data)
        assert err.value.key_path == key, data


def test_the_acd_views_outlook_counts_free_agents_and_predicts_the_wait():
    acd = Acd(
        [QueueConfig("sales", aht_s=120.0)],
        [AgentConfig(a, f"user/{a}", queues=("sales",), capacity={"chat": 1}) for a in "ab"],
    )
    view = acd.view()
    assert view.outlook("sales", "chat") == (0, 120.0)  # nobody logged in: first in line
    acd.handle(ev.AgentLogin("a", ready=True), 0.0)
    acd.handle(ev.AgentLogin("b", ready=True), 0.0)
    assert view.outlook("sales", "chat") == (2, 0.0)
    for n in range(4):  # two are offered (one per agent), two wait
        acd.handle(ev.InteractionArrived(f"c{n}", "sales", medium="chat"), 1.0)
    free, wait = view.outlook("sales", "chat")
    assert free == 0 and wait == 3 * 120.0 / 2  # third in line, two staffed agents
    assert view.outlook("nowhere", "chat") == (0, float("inf"))


def test_serve_feeds_the_rules_from_the_engines_view_and_refuses_an_unknown_queue():
    from calldesk.digital.system import chat_outlook

    acd = Acd([QueueConfig("sales", aht_s=60.0)], [AgentConfig("a", "user/a", queues=("sales",))])
    acd.handle(ev.AgentLogin("a", ready=True), 0.0)

    class Engine:
        view = acd.view()

    rules = ChatSettings.load(
        {
            "invitations": [
                {
                    "name": "p",
                    "pages": "/p*",
                    "after_s": 0,
                    "queue": "sales",
                    "max_wait_s": 5,
                    "text": "Hi",
                }
            ]
        }
    )
    outlook = chat_outlook(Engine(), rules)
    assert outlook("sales") == Outlook(1, 0.0)
    assert chat_outlook(Engine(), ChatSettings()) is None  # no rules: nothing to ask
    wrong = ChatSettings.load(
        {
            "invitations": [
                {
                    "name": "p",
                    "pages": "/p",
                    "after_s": 0,
                    "queue": "sails",
                    "max_wait_s": 5,
                    "text": "Hi",
                }
            ]
        }
    )
    with pytest.raises(ConfigError) as err:
        chat_outlook(Engine(), wrong)
    assert str(err.value) == "digital.chat.invitations[0].queue: unknown queue 'sails'"
