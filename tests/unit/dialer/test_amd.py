"""The AMD step machine on detect_audio / detect_silence / avmd, and its accuracy measured on
the simulated callees."""

from __future__ import annotations

import pytest

from calldesk.dialer.amd import AmdRun, AmdThresholds, Verdict
from calldesk.sim.virtual.amd_callees import classify, detect, measure


def test_a_short_hello_then_silence_is_a_human() -> None:
    run = AmdRun()
    assert run.start() == "detect_audio 200 5 2500"
    nxt = run.completed(0.5, timed_out=False)  # speech began
    assert nxt.startswith("detect_silence 200 15 ")
    nxt = run.completed(0.9, timed_out=False)  # a 0.6 s word then 0.3 s of quiet
    assert nxt == "detect_audio 200 5 600"
    v = run.completed(0.6, timed_out=True)
    assert v == Verdict("human", "silence_after_greeting", 2.0)


def test_long_initial_silence_long_greeting_many_words_and_beep_are_machines() -> None:
    r = AmdRun()
    r.start()
    assert r.completed(2.5, timed_out=True).reason == "initial_silence"
    r = AmdRun()
    r.start()
    r.completed(0.3, False)
    assert r.completed(2.8, timed_out=True) == Verdict("machine", "long_greeting", 3.1)
    r = AmdRun(AmdThresholds(max_words=2))
    r.start()
    r.completed(0.3, False)
    for _ in range(2):  # word, short pause, word, short pause, third word: machine
        r.completed(0.6, False)
        v = r.completed(0.2, False)
    assert isinstance(v, Verdict) and v.reason == "max_words"
    r = AmdRun()
    r.start()
    assert r.beep(4.2) == Verdict("machine", "beep", 4.2)
    assert r.completed(1.0, False) == r.verdict  # later completions change nothing


def test_past_the_total_time_it_is_a_human_and_thresholds_are_checked() -> None:
    r = AmdRun(AmdThresholds(total_s=1.0, initial_silence_verdict="human"))
    r.start()
    r.completed(0.4, False)
    assert r.completed(0.7, False) == Verdict("human", "total_time", 1.1)
    with pytest.raises(ValueError, match="initial_silence_verdict"):
        AmdThresholds(initial_silence_verdict="maybe")
    with pytest.raises(ValueError, match="greeting_s"):
        AmdThresholds(greeting_s=0)


def test_detect_follows_the_apps_frame_counting() -> None:
    segs = [("silence", 0.5), ("speech", 0.05), ("silence", 0.2), ("speech", 1.0)]
    # a 50 ms blip is not more than 5 consecutive loud frames; the later word is
    assert detect(segs, 0.0, True, 5, 3.0) == pytest.approx((0.75 + 0.12, False))
    assert detect(segs, 0.0, True, 5, 0.5) == (0.5, True)
    # detect_silence from inside the word: the end of the audio is silence
    assert detect(segs, 1.0, False, 15, 5.0) == pytest.approx((0.75 + 0.32, False))
    assert (
        classify([("silence", 0.3), ("speech", 0.6), ("silence", 5.0)], AmdThresholds()).result
        == "human"
    )
    beep = [("silence", 0.2), ("speech", 1.0), ("silence", 0.5), ("beep", 0.6), ("silence", 9)]
    assert classify(beep, AmdThresholds(after_greeting_s=2.0)).reason == "beep"


def test_accuracy_on_the_simulated_callees() -> None:
    m = measure(n=1500, seed=2)
    assert m["false_positive_rate"] < 0.02  # people hung up on as machines: abandons
    assert m["false_negative_rate"] < 0.05
    assert m["human_after_greeting_p50_s"] < 1.2  # the 2 s after the greeting leave room
    strict = measure(n=1500, seed=2, t=AmdThresholds(greeting_s=1.5))
    assert strict["false_positive_rate"] > m["false_positive_rate"]
