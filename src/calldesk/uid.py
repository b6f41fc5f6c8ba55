"""Random ids for the hot path (interaction, customer, job and execution ids).

`uuid.uuid4()` reads 16 bytes from the kernel for each id: ~6 µs here, and a call takes several.
These come from a Mersenne Twister seeded from the kernel once (and again in a forked child, so
two processes never share its state): unique for ids, never for secrets (tokens, passwords and
session keys use `secrets`).
"""

from __future__ import annotations

import os
import random

_rand = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _rand.seed(os.urandom(32)))

_VERSION_4 = (0xF000 << 64) | (0xC000 << 48)  # the version and variant bits of a UUID4
_SET_4 = (0x4000 << 64) | (0x8000 << 48)


def hex_id(digits: int = 32) -> str:
    """`digits` random hex digits."""
    return f"{_rand.getrandbits(4 * digits):0{digits}x}"


def uuid4_text() -> str:
    """A random UUID (version 4) in its usual text form, as FreeSWITCH expects uuids."""
    h = f"{_rand.getrandbits(128) & ~_VERSION_4 | _SET_4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
