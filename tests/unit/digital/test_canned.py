"""Canned responses: per queue and language, searchable, rendered in a jinja2 sandbox."""

from __future__ import annotations

import pytest

from calldesk.digital.canned import CannedError, CannedResponses, scope_of
from calldesk.errors import ConfigError

ITEMS = [
    {"id": "hello", "title": "Greeting", "text": "Hello {{ customer.name }}!"},
    {
        "id": "acct",
        "title": "Account found",
        "queue": "sales",
        "text": "I see account {{ interaction.data.account }} ({{ interaction.medium }}).",
    },
    {
        "id": "bonjour",
        "title": "Salutation",
        "language": "fr",
        "text": "Bonjour {{ customer.name }} !",
    },
    {"id": "evil", "title": "Escape", "text": "{{ ''.__class__.__mro__[1].__subclasses__() }}"},
]
VIEW = {
    "interaction": "chat-1",
    "medium": "chat",
    "queue": "sales",
    "customer": {"name": "Dana", "address": "v-1"},
    "collected": {"account": "12345"},
}


def test_render_with_the_hand_off_data():
    canned = CannedResponses.load(ITEMS)
    scope = scope_of(VIEW, "alice")
    assert canned.render("hello", scope) == "Hello Dana!"
    assert canned.render("acct", scope) == "I see account 12345 (chat)."


def test_the_sandbox_and_missing_variables_refuse_with_the_id():
    canned = CannedResponses.load(ITEMS)
    with pytest.raises(CannedError, match="'evil'"):
        canned.render("evil", scope_of(VIEW, "alice"))
    with pytest.raises(CannedError, match="'acct'.*account"):
        canned.render("acct", scope_of({**VIEW, "collected": {}}, "alice"))
    with pytest.raises(CannedError, match="no canned response"):
        canned.render("nope", {})


def test_search_by_words_queue_and_language():
    canned = CannedResponses.load(ITEMS)
    assert [c.id for c in canned.search("account", queue="sales")] == ["acct"]
    assert [c.id for c in canned.search("account", queue="support")] == []
    assert "bonjour" not in [c.id for c in canned.search("", language="en")]
    assert [c.id for c in canned.search("bonjour", language="fr")] == ["bonjour"]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ([{"id": "x", "title": "t"}], "digital.canned[0]"),
        ([{"id": "x", "title": "t", "text": "{{ broken"}], "digital.canned.x.text"),
        ([{"id": "x", "title": "t", "text": "ok", "colour": 1}], "digital.canned[0].colour"),
        ({"id": "x"}, "digital.canned"),
    ],
)
def test_bad_templates_are_refused_at_load_naming_the_key(data, key):
    with pytest.raises(ConfigError) as exc:
        CannedResponses.load(data)
    assert str(exc.value).startswith(key)
