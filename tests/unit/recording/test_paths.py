"""Recording paths: date partitions from the time passed in, sandbox, no escapes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calldesk.recording.paths import DEFAULT_TEMPLATE, PathRefused, PathTemplate, check_relative

AT = datetime(2026, 11, 24, 3, 4, 5, tzinfo=UTC).timestamp()


def test_default_template_has_date_partitions() -> None:
    t = PathTemplate(DEFAULT_TEMPLATE)
    assert t.render(at=AT, interaction="i-1", leg="abc") == "2026/11/24/i-1-abc.wav"


def test_other_variables_and_formats() -> None:
    t = PathTemplate("{{ queue }}/{{ date:%Y-%m }}/{{ agent }}_{{ interaction }}.wav")
    assert (
        t.render(at=AT, interaction="i", leg="l", queue="sales", agent="a1")
        == "sales/2026-11/a1_i.wav"
    )
    t2 = PathTemplate('{{ date("%Y/%j") }}/{{ leg }}.wav')
    assert t2.render(at=AT, interaction="i", leg="l") == "2026/328/l.wav"


@pytest.mark.parametrize("value", ["../../etc/passwd", "/abs", "a/b", "..", "x\ny", "a\\b"])
def test_values_cannot_escape(value: str) -> None:
    out = PathTemplate().render(at=AT, interaction=value, leg="l")
    assert out.startswith("2026/11/24/") and out.count("/") == 3 and ".." not in out


@pytest.mark.parametrize(
    "tpl",
    [
        "/var/{{ leg }}.wav",
        "../{{ leg }}.wav",
        "a/../../{{ leg }}.wav",
        "{{ leg }}.mp3",
        "a//{{ leg }}.wav",
    ],
)
def test_templates_that_escape_are_refused(tpl: str) -> None:
    with pytest.raises(PathRefused):
        PathTemplate(tpl).render(at=AT, interaction="i", leg="l")


def test_sandbox_blocks_attribute_tricks_and_unknown_names() -> None:
    with pytest.raises(PathRefused):
        PathTemplate("{{ leg.__class__.__mro__ }}.wav").render(at=AT, interaction="i", leg="l")
    with pytest.raises(PathRefused):
        PathTemplate("{{ nothere }}.wav").render(at=AT, interaction="i", leg="l")
    with pytest.raises(PathRefused):
        PathTemplate("{{ date:%Y }}\n.wav")


@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_any_values_stay_inside(interaction: str, leg: str) -> None:
    out = PathTemplate().render(at=AT, interaction=interaction, leg=leg)
    assert check_relative(out) == out and out.startswith("2026/11/24/")
