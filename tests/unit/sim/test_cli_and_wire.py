"""Unit tests: URL encoding against every trace header, frames, durations, WAV, CLI refusals."""

from __future__ import annotations

import wave

import pytest
from click.testing import CliRunner
from tests.traces import TRACE_NAMES, load_trace

from calldesk.cli.sim import sim
from calldesk.esl.frames import FrameReader
from calldesk.sim import media, wire
from calldesk.sim.wav import WavWriter


@pytest.mark.parametrize("name", TRACE_NAMES)
def test_url_encode_reproduces_every_trace_header_value(name: str) -> None:
    """Decoding then re-encoding each event-plain header gives back FreeSWITCH's bytes."""
    checked = 0
    for frame in FrameReader().feed(load_trace(name).stream):
        if frame.content_type != "text/event-plain":
            continue
        head = frame.body.split(b"\n\n", 1)[0].decode()
        raw = [ln.split(": ", 1) for ln in head.split("\n") if ": " in ln]
        for (n, raw_value), (n2, value) in zip(raw, frame.event().headers.items(), strict=False):
            assert n == n2
            if n == "Content-Length":
                continue
            assert wire.url_encode(value) == raw_value, (n, value)
            checked += 1
    assert checked > 0 or name in ("auth-and-api", "auth-failure", "outbound-socket",
                                   "outbound-socket-linger-timeout", "events-json-call")  # fmt: skip


@pytest.mark.parametrize(
    "value",
    ["plain-text/1,2(3)", "a b:c@d+e", "\x00\x1f\x7f~", 'q"<>[\\]^`{|}#%&;=?', "é日\udc80x y"],
)
def test_url_encode_ascii_fast_path_matches_the_byte_table(value: str) -> None:
    """ASCII goes through str.translate, the rest byte by byte: both give switch_url_encode."""
    want = "".join(wire._TABLE[b] for b in value.encode("utf-8", "surrogateescape"))
    assert wire.url_encode.__wrapped__(value) == want


def test_event_plain_frame_with_body_parses_back() -> None:
    frame = wire.event_frame(
        [("Event-Name", "BACKGROUND_JOB"), ("Job-UUID", "j")], "+OK x\n", "plain"
    )
    (f,) = FrameReader().feed(frame)
    ev = f.event()
    assert ev.name == "BACKGROUND_JOB" and ev.body == "+OK x\n"
    assert f.headers.items()[0][0] == "Content-Length"


def test_event_json_is_compact_with_string_values_and_body() -> None:
    frame = wire.event_frame([("Event-Name", "X"), ("A", "1")], "/path", "json")
    body = frame.split(b"\n\n", 1)[1]
    assert body == b'{"Event-Name":"X","A":"1","Content-Length":"5","_body":"/path"}'


def test_disconnect_notice_matches_trace_bytes() -> None:
    trace = load_trace("auth-and-api").received
    assert wire.disconnect_notice() == trace[-1]


def test_durations_from_specs_and_wav(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert media.duration("tone_stream://%(500,500,440);loops=2", 3.0) == 2.0
    assert media.duration("tone_stream://%(200,0,800)", 3.0) == 0.2
    assert media.duration("silence_stream://250", 3.0) == 0.25
    assert media.duration("/nonexistent.wav", 3.5) == 3.5
    w = WavWriter(tmp_path / "a.wav")
    w.write_tone(8000 * 2)
    w.close()
    assert media.duration(str(tmp_path / "a.wav"), 9.0) == 2.0


def test_wav_abandon_leaves_zero_length_header(tmp_path) -> None:  # type: ignore[no-untyped-def]
    w = WavWriter(tmp_path / "c.wav")
    w.write_tone(8000)
    w.abandon()
    data = (tmp_path / "c.wav").read_bytes()
    assert len(data) == 44 + 16000
    assert data[40:44] == b"\x00\x00\x00\x00"  # the data chunk still claims 0 bytes
    with wave.open(str(tmp_path / "c.wav")) as r:
        assert r.getnframes() == 0


def test_cli_refuses_to_run_without_password() -> None:
    result = CliRunner().invoke(sim, ["--port", "0", "--password-env", "CALLDESK_NOPE_XYZ"], env={})
    assert result.exit_code != 0
    assert "no default password" in result.output
