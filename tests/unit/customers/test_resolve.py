"""The identity rules, one test each: attach by the strongest identity, create when none names
anybody, link and verify, merge only on an identity verified in this interaction."""

from __future__ import annotations

import pytest

from calldesk.customers.identity import (
    Identity,
    IdentityError,
    from_flow,
    guess,
    identity,
    normalize_phone,
)
from calldesk.customers.resolve import Holder, resolve, resolve_for

PHONE = Identity("phone", "+442071838750")
ACCOUNT_V = Identity("account", "A123", verified=True)
ACCOUNT_U = Identity("account", "A123")
EMAIL = Identity("email", "ann@example.com")
CHAT = Identity("chat", "tok-1")


def test_phone_is_normalized_to_e164_from_the_country():
    assert normalize_phone("020 7183 8750", "GB") == "+442071838750"
    assert normalize_phone("+44 20 7183 8750", "US") == "+442071838750"
    assert normalize_phone("(202) 555-0143", "US") == "+12025550143"


def test_bad_identities_name_the_kind_and_the_reason():
    with pytest.raises(IdentityError, match="^phone: 'abc'"):
        identity("phone", "abc")
    with pytest.raises(IdentityError, match="^email: "):
        identity("email", "not-an-email")
    with pytest.raises(IdentityError, match="empty value"):
        identity("account", "  ")
    with pytest.raises(IdentityError, match="not an identity kind"):
        identity("Bad Kind!", "x")


def test_email_and_account_are_canonical():
    assert identity("email", " Ann@Example.COM ").value == "ann@example.com"
    assert identity("account", "a 12 3").value == "A123"
    assert identity("chat", "Tok-AbC").value == "Tok-AbC"  # tokens are case-sensitive


def test_flow_marked_identities_with_their_verified_flag():
    got = from_flow(
        {
            "identity_account": "a123",
            "verified_account": True,
            "identity_member": "m-9",
            "identity_phone": "not a number",
            "other": 1,
        },
        "US",
    )
    assert sorted(got) == [Identity("account", "A123", True), Identity("member", "M-9", False)]


def test_guess_reads_emails_and_numbers_only():
    assert guess("ann@example.com") == EMAIL
    assert guess("+44 20 7183 8750") == PHONE
    assert guess("Ann Smith") is None


def test_no_holder_creates_a_customer_with_every_identity():
    res = resolve([PHONE, CHAT], {})
    assert res.create and res.target is None
    assert set(res.link) == {PHONE, CHAT}
    assert resolve([], {}).create is False


def test_attaches_to_the_customer_its_strongest_identity_names():
    holders = {PHONE.key: [Holder("c-phone", False)], ACCOUNT_V.key: [Holder("c-acct", True)]}
    res = resolve([PHONE, ACCOUNT_U], holders)
    assert res.target == "c-acct"  # account outranks caller ID
    assert res.attached_by == ACCOUNT_U
    assert res.merges == []  # neither identity was verified in this interaction


def test_verified_in_the_interaction_outranks_a_stronger_kind():
    holders = {EMAIL.key: [Holder("c-mail", False)], ACCOUNT_U.key: [Holder("c-acct", False)]}
    res = resolve([Identity("email", EMAIL.value, True), ACCOUNT_U], holders)
    assert res.target == "c-mail"


def test_caller_id_alone_never_merges_two_customers():
    holders = {PHONE.key: [Holder("c-office-1", False, 10.0), Holder("c-office-2", False, 20.0)]}
    res = resolve([PHONE], holders)
    assert res.target == "c-office-2"  # the most recently seen holder of a shared line
    assert res.merges == []
    assert any("unverified" in w and "c-office-1" in w for w in res.why)


def test_unverified_identity_naming_another_customer_does_not_merge():
    holders = {ACCOUNT_V.key: [Holder("c-acct", True)], PHONE.key: [Holder("c-phone", False)]}
    res = resolve([ACCOUNT_V, PHONE], holders)
    assert res.target == "c-acct" and res.merges == []
    assert PHONE in res.link  # the caller ID is remembered, unverified, on the target


def test_verified_identity_merges_the_customer_that_held_it_unverified():
    # a chat typed account A123 (unverified) -> c-chat; the CRM holds it verified on c-crm;
    # the call verifies A123 with the IVR: the chat's customer merges into the CRM's.
    holders = {ACCOUNT_V.key: [Holder("c-chat", False, 50.0), Holder("c-crm", True, 1.0)]}
    res = resolve([ACCOUNT_V, PHONE], holders)
    assert res.target == "c-crm"
    assert [(m.absorbed, m.identity) for m in res.merges] == [("c-chat", ACCOUNT_V)]


def test_two_verified_identities_naming_two_customers_merge_them():
    mail_v = Identity("email", EMAIL.value, True)
    holders = {ACCOUNT_V.key: [Holder("c-1", True)], mail_v.key: [Holder("c-2", True)]}
    res = resolve([ACCOUNT_V, mail_v], holders)
    assert res.target == "c-1"
    assert [m.absorbed for m in res.merges] == ["c-2"]


def test_a_verified_identity_upgrades_the_targets_unverified_copy():
    holders = {ACCOUNT_V.key: [Holder("c-1", False)]}
    res = resolve([ACCOUNT_V], holders)
    assert res.target == "c-1" and res.verify == [ACCOUNT_V] and res.link == []


def test_resolve_for_a_fixed_target_applies_the_same_merge_rule():
    holders = {ACCOUNT_V.key: [Holder("c-chat", False)], PHONE.key: [Holder("c-x", False)]}
    res = resolve_for("c-crm", [ACCOUNT_V, PHONE], holders)
    assert res.target == "c-crm"
    assert [m.absorbed for m in res.merges] == ["c-chat"]
    assert set(res.link) == {ACCOUNT_V, PHONE}


def test_a_verified_identity_naming_nobody_makes_a_new_customer_not_the_caller_ids():
    # the office line is known for Ann; Bob calls from it and verifies his own account
    holders = {PHONE.key: [Holder("c-ann", False)]}
    bob = Identity("account", "B7", verified=True)
    res = resolve([PHONE, bob], holders)
    assert res.create and res.target is None and res.merges == []
    assert set(res.link) == {PHONE, bob}  # Bob's record remembers the line, unverified
    assert any("c-ann" in w and "unverified" in w for w in res.why)
