"""The store's JSON text (orjson) keeps json.dumps(default=str)'s meaning."""

import datetime
import json
from dataclasses import dataclass

import pytest

from calldesk.store import jsontext


@dataclass
class Point:
    x: int


def test_round_trip_of_plain_values_matches_the_standard_library() -> None:
    value = {"b": [1, 2.5, "é", None, True], "a": {"nested": "x"}}
    assert jsontext.loads(jsontext.dumps(value)) == json.loads(json.dumps(value))


def test_sort_keys_sorts() -> None:
    assert jsontext.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'


def test_unknown_values_become_their_str_as_with_default_str() -> None:
    when = datetime.datetime(2026, 12, 3, 15, 0, 0)
    text = jsontext.dumps({"when": when, "p": Point(1), "s": {3}})
    assert json.loads(text) == {"when": str(when), "p": str(Point(1)), "s": str({3})}


def test_keys_that_are_not_strings_become_strings() -> None:
    assert json.loads(jsontext.dumps({1: "a", None: "b"})) == {"1": "a", "null": "b"}


def test_an_int_orjson_refuses_falls_back_to_the_standard_library() -> None:
    big = 1 << 70
    assert json.loads(jsontext.dumps({"n": big})) == {"n": big}


def test_bad_text_raises_a_value_error() -> None:
    with pytest.raises(ValueError):
        jsontext.loads("{not json")
