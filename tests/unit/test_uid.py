"""Hot-path ids: UUID4 text FreeSWITCH accepts, time-ordered hex ids of the asked length, and a
forked child that never repeats its parent's ids."""

from __future__ import annotations

import os
import time
import uuid

from calldesk.customers.store import new_id
from calldesk.interactions import new_interaction_id
from calldesk.uid import TIME_DIGITS, time_hex_id, uuid4_text


def test_uuid4_text_is_a_version_4_uuid_and_ids_do_not_repeat() -> None:
    ids = {uuid4_text() for _ in range(50_000)}
    assert len(ids) == 50_000
    for text in list(ids)[:100]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 4 and u.variant == uuid.RFC_4122


def test_time_hex_ids_start_with_the_time_and_never_repeat() -> None:
    before = int(time.time() * 1000)
    ids = [time_hex_id() for _ in range(50_000)]
    after = int(time.time() * 1000)
    assert len(set(ids)) == 50_000 and all(len(i) == 32 for i in ids)
    stamps = [int(i[:TIME_DIGITS], 16) for i in ids]
    assert before <= stamps[0] and stamps == sorted(stamps) and stamps[-1] <= after
    assert len(time_hex_id(24)) == 24 and int(time_hex_id(24), 16) >= 0


def test_stored_ids_sort_in_creation_order() -> None:
    """Interaction and customer ids: an index on them takes new rows at its right edge."""
    first = [new_interaction_id("voice"), new_id()]
    time.sleep(0.002)
    then = [new_interaction_id("voice"), new_id()]
    assert first[0].startswith("v-") and len(first[0]) == 34 and first[0] < then[0]
    assert first[1].startswith("cu-") and len(first[1]) == 27 and first[1] < then[1]


def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, to the parent
        os.write(write, " ".join(uuid4_text() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    child = set(os.read(read, 4096).decode().split())
    os.close(read)
    parent = {uuid4_text() for _ in range(5)}
    assert len(child) == 5 and not child & parent
