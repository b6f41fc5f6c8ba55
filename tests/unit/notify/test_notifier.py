"""The notifier publishes every journal append, with its sequence number, in order."""

from __future__ import annotations

from calldesk.notify import Notifier
from calldesk.store import Store


def _store(tmp_path) -> tuple[Store, Notifier]:
    store = Store.open(tmp_path / "n.sqlite")
    notifier = Notifier()
    store.journal.notifier = notifier
    return store, notifier


def test_every_append_is_published_in_sequence_order(tmp_path):
    store, notifier = _store(tmp_path)
    got = []
    notifier.subscribe(got.append)
    store.journal.append("agent.login", "a1", {"queues": ["sales"]}, 10.0)
    store.journal.append_many(
        [("interaction.arrived", "i1", {"queue": "sales"}, 11.0),
         ("interaction.offered", "i1", {"agent": "a1"}, 11.5)]
    )
    store.journal.append("interaction.ended", "i1", None, 12.0)
    seqs = [e.id for e in got]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert [e.kind for e in got] == [
        "agent.login", "interaction.arrived", "interaction.offered", "interaction.ended"
    ]
    # the published sequence numbers are the journal's own ids: a reader can resume from them
    stored = [(e.id, e.kind, e.subject, e.data) for e in store.journal.read()]
    assert stored == [(e.id, e.kind, e.subject, e.data) for e in got]
    assert notifier.last_seq == seqs[-1]


def test_resume_after_seq_reads_exactly_what_was_missed(tmp_path):
    store, notifier = _store(tmp_path)
    seen = []
    unsubscribe = notifier.subscribe(seen.append)
    for i in range(3):
        store.journal.append("agent.state", "a1", {"n": i}, float(i))
    unsubscribe()  # the client drops
    for i in range(3, 6):
        store.journal.append("agent.state", "a1", {"n": i}, float(i))
    missed = list(store.journal.read(after_id=seen[-1].id))
    assert [e.data["n"] for e in seen + missed] == list(range(6))


def test_a_failing_subscriber_does_not_stop_the_others(tmp_path):
    store, notifier = _store(tmp_path)
    good = []

    def bad(entry):
        raise RuntimeError("boom")

    notifier.subscribe(bad)
    notifier.subscribe(good.append)
    store.journal.append_many([("a.b", "s", {}, 1.0), ("a.c", "s", {}, 2.0)])
    assert [e.kind for e in good] == ["a.b", "a.c"]


def test_no_notifier_means_no_publishing_cost(tmp_path):
    store = Store.open(tmp_path / "plain.sqlite")
    assert store.journal.notifier is None
    store.journal.append_many([("a.b", "s", {}, 1.0)])
    assert store.journal.count() == 1


def test_another_processes_entries_are_published_in_order_exactly_once(tmp_path):
    store, notifier = _store(tmp_path)
    store.journal.append("agent.login", "a1", {}, 1.0)
    notifier.follow(store.journal)  # from the journal's end on
    other = Store.open(tmp_path / "n.sqlite")  # a second connection: the CLI's process
    got = []
    notifier.subscribe(got.append)
    other.journal.append("agent.state", "a1", {"n": 1}, 2.0)
    other.journal.append("agent.state", "a1", {"n": 2}, 3.0)
    store.journal.append("agent.state", "a1", {"n": 3}, 4.0)  # the gap is read back first
    assert [e.data.get("n") for e in got] == [1, 2, 3]
    other.journal.append("agent.state", "a1", {"n": 4}, 5.0)
    assert notifier.catch_up() == 1  # what the tail does while this process is idle
    assert notifier.catch_up() == 0
    store.journal.append("agent.state", "a1", {"n": 5}, 6.0)
    seqs = [e.id for e in got]
    assert [e.data.get("n") for e in got] == [1, 2, 3, 4, 5]
    assert seqs == sorted(set(seqs)) == [e.id for e in store.journal.read(after_id=1)]
    # an entry published twice (a catch-up raced an append) goes out once
    notifier.publish(list(store.journal.read(after_id=seqs[-2])))
    assert len(got) == 5


def test_without_follow_there_is_no_gap_filling(tmp_path):
    store, notifier = _store(tmp_path)
    got = []
    notifier.subscribe(got.append)
    Store.open(tmp_path / "n.sqlite").journal.append("x.y", "s", {}, 1.0)
    store.journal.append("x.z", "s", {}, 2.0)
    assert [e.kind for e in got] == ["x.z"] and notifier.catch_up() == 0
