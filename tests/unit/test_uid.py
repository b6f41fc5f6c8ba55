"""Hot-path ids: UUID4 text FreeSWITCH accepts, hex ids of the asked length, and a forked child
that never repeats its parent's ids."""

from __future__ import annotations

import os
import uuid

from calldesk.uid import hex_id, uuid4_text


def test_uuid4_text_is_a_version_4_uuid_and_ids_do_not_repeat() -> None:
    ids = {uuid4_text() for _ in range(50_000)}
    assert len(ids) == 50_000
    for text in list(ids)[:100]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 4 and u.variant == uuid.RFC_4122
    assert len(hex_id(12)) == 12 and int(hex_id(12), 16) >= 0 and len(hex_id()) == 32


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
