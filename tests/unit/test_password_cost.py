"""The suite logs in with a cheap argon2id (tests/conftest.py); the product keeps the library's
recommended cost. This checks both, so the cheap hasher can never hide a weakened product."""

from __future__ import annotations

import importlib.util

from argon2 import PasswordHasher, Type

from calldesk.web import credentials


def _cost(h: PasswordHasher) -> tuple:
    return (h.type, h.time_cost, h.memory_cost, h.parallelism, h.hash_len, h.salt_len)


def test_the_product_hashes_passwords_with_argon2id_at_the_recommended_cost() -> None:
    spec = importlib.util.find_spec("calldesk.web.credentials")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)  # as the product loads it, unpatched
    spec.loader.exec_module(fresh)
    assert _cost(fresh._HASHER) == _cost(PasswordHasher())
    assert fresh._HASHER.type is Type.ID and fresh._HASHER.memory_cost >= 65536
    assert fresh._DUMMY.startswith(f"$argon2id$v=19$m={fresh._HASHER.memory_cost},")


def test_the_suite_hashes_with_the_cheap_argon2id() -> None:
    assert credentials._HASHER.type is Type.ID and credentials._HASHER.memory_cost == 8
    assert credentials._DUMMY.startswith("$argon2id$v=19$m=8,t=1,p=1$")
