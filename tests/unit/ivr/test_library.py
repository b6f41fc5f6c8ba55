"""Hot reload: edited flows are picked up; broken ones are refused; running calls lose nothing."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from calldesk.ivr.actions import DigitsReceived
from calldesk.ivr.dryrun import CollectingHandoff, MemoryContexts, ScriptedHttp
from calldesk.ivr.errors import FlowRuntimeError
from calldesk.ivr.library import FlowLibrary
from calldesk.ivr.runner import Runner

from .fakes import FakePort

FLOWS = Path(__file__).parents[3] / "ivrflows"
V1 = """\
flow: line
bindings: {numbers: ["5550001"], entry_points: ["chat:line"]}
steps:
  menu: {kind: menu, prompt: "v1 menu", options: {1: q1}, fallback: q1}
  q1: {kind: enqueue, queue: general}
"""
V2 = V1.replace("v1 menu", "v2 menu").replace("queue: general", "queue: support")
BROKEN = V1.replace("fallback: q1", "fallback: nowhere")


def write(path: Path, text: str) -> None:
    path.write_text(text)
    st = path.stat()  # make sure the mtime moves even on coarse file systems
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def lib(tmp_path: Path) -> FlowLibrary:
    write(tmp_path / "line.yaml", V1)
    library = FlowLibrary(tmp_path)
    assert library.poll() == []
    return library


def test_loads_flows_and_bindings(lib: FlowLibrary):
    assert lib.names() == ["line"]
    assert lib.for_number("5550001").name == "line"
    assert lib.for_entry_point("chat:line").name == "line"
    assert lib.for_number("999") is None


def test_edited_flow_is_picked_up(lib: FlowLibrary):
    v1 = lib.get("line").version
    assert lib.poll() == []  # nothing changed: nothing reloaded
    write(lib.directory / "line.yaml", V2)
    assert lib.poll() == []
    assert lib.get("line").version != v1 and lib.get("line", v1).version == v1


def test_broken_flow_is_refused_and_logged_and_the_previous_keeps_serving(lib, caplog):
    v1 = lib.get("line").version
    write(lib.directory / "line.yaml", BROKEN)
    with caplog.at_level(logging.ERROR):
        errors = lib.poll()
    assert [e.code for e in errors] == ["unknown-target"]
    assert lib.get("line").version == v1
    assert f"{lib.directory / 'line.yaml'}:4:" in caplog.text and "keeps serving" in caplog.text
    write(lib.directory / "line.yaml", "flow: [unclosed\n")
    assert [e.code for e in lib.poll()] == ["yaml-syntax"] and lib.get("line").version == v1


def test_broken_save_during_calls_loses_no_call(lib: FlowLibrary):
    """Three calls are in the menu when the operator saves a broken flow, then a fixed v2."""
    runner = Runner(
        lib,
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        ScriptedHttp(),
        MemoryContexts(),
        CollectingHandoff(),
    )
    path = lib.directory / "line.yaml"

    def save(text):
        return lambda: (write(path, text), lib.poll())

    outcomes = []
    # Call A: in the menu while the broken file lands; answers after.
    port_a = FakePort([save(BROKEN), DigitsReceived("1")])
    outcomes.append(runner.start(lib.get("line"), port_a, interaction_id="A"))
    # Call B starts while the broken file is on disk: it gets v1, the last good version.
    port_b = FakePort([save(V2), DigitsReceived("1")])
    flow_b = lib.get("line")
    assert "v1 menu" in flow_b.source
    outcomes.append(runner.start(flow_b, port_b, interaction_id="B"))
    # Call C starts after the fix: v2.
    outcomes.append(
        runner.start(lib.get("line"), FakePort([DigitsReceived("1")]), interaction_id="C")
    )
    assert [o.status for o in outcomes] == ["enqueued"] * 3
    assert [r.queue for r in runner.handoff.requests] == ["general", "general", "support"]
    assert port_b.calls[0][1][0].prompts[0].text == "v1 menu"


def test_two_files_with_one_flow_name_refuse_the_second(lib: FlowLibrary):
    write(lib.directory / "zz_copy.yaml", V2)
    (err,) = lib.poll()
    assert "already defined" in err.message and "v1 menu" in lib.get("line").source


def test_removed_file_stops_new_calls_but_old_versions_stay(lib: FlowLibrary):
    v1 = lib.get("line").version
    (lib.directory / "line.yaml").unlink()
    lib.poll()
    with pytest.raises(FlowRuntimeError):
        lib.get("line")
    assert lib.get("line", v1).version == v1


def test_samples_all_load(tmp_path: Path):
    shutil.copytree(FLOWS, tmp_path / "f")
    library = FlowLibrary(tmp_path / "f")
    assert library.poll() == [] and library.names() == ["bank", "hello", "support", "voicemail"]


def test_watch_loop_polls_until_stopped(lib: FlowLibrary):
    ticks = []
    lib.watch(lambda: len(ticks) >= 3, 2.0, ticks.append)
    assert ticks == [2.0, 2.0, 2.0]
