"""The interaction registry: ids of their own, legs and threads attached over time, in SQLite."""

from __future__ import annotations

from calldesk.interactions import EnqueueRequest, Interactions, new_interaction_id
from calldesk.store import Store


def test_ids_name_the_medium_and_are_unique() -> None:
    ids = {new_interaction_id("voice") for _ in range(1000)}
    assert len(ids) == 1000 and all(i.startswith("v-") for i in ids)
    assert new_interaction_id("chat").startswith("c-")
    assert new_interaction_id("fax").startswith("x-")


def test_legs_attach_and_detach_under_one_id_and_survive_a_reopen(tmp_path) -> None:
    path = tmp_path / "i.sqlite"
    reg = Interactions(Store.open(path).db)
    iid = reg.open("voice", at=1.0, address="leg-caller", identities={"phone": "+15550101"},
                   data={"number_dialed": "5551000"})
    reg.attach(iid, "leg-agent-1", "agent", 5.0)
    reg.detach("leg-agent-1", 9.0)  # a transfer: the first agent leaves...
    reg.attach(iid, "leg-agent-2", "agent", 9.5)  # ...and a second one takes the call
    reg.update_data(iid, {"account": "42"})
    assert reg.of_address("leg-caller") == iid and reg.of_address("leg-agent-1") is None
    assert reg.of_address("leg-agent-2") == iid
    reg.close(iid, 20.0)
    again = Interactions(Store.open(path).db).get(iid)  # a restart reads the same record
    assert again is not None and again.medium == "voice" and again.closed_at == 20.0
    assert again.identities == {"phone": "+15550101"}
    assert again.data == {"number_dialed": "5551000", "account": "42"}
    assert [(a.address, a.role) for a in again.attachments] == [
        ("leg-caller", "customer"), ("leg-agent-1", "agent"), ("leg-agent-2", "agent")]
    assert again.addresses("agent", live=False) == ["leg-agent-1", "leg-agent-2"]
    assert again.addresses(live=True) == []
    assert Interactions(Store.open(path).db).last_at("leg-caller") == iid


def test_an_address_belongs_to_one_interaction_at_a_time(tmp_path) -> None:
    reg = Interactions(Store.open(tmp_path / "i.sqlite").db)
    first = reg.open("chat", at=1.0, address="thread-9")
    second = reg.open("chat", at=2.0, address="thread-9")  # the thread reopens a new contact
    assert reg.of_address("thread-9") == second
    assert reg.get(first).attachments[0].detached_at == 2.0
    reg.attach(second, "thread-9", "customer", 3.0)  # attaching twice keeps one attachment
    assert len(reg.get(second).attachments) == 1


def test_an_enqueue_request_says_where_the_customer_is() -> None:
    req = EnqueueRequest("v-1", "voice", "sales", 0, {}, "en", {"id": "+1555"}, {}, {}, "f", "1",
                         [], address="leg-1")
    assert req.where == "leg-1" and req.arrival().interaction == "v-1"
    legacy = EnqueueRequest("leg-2", "voice", "sales", 0, {}, "en", {}, {}, {}, "f", "1", [])
    assert legacy.where == "leg-2"
