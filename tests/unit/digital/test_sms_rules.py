"""SMS rules: keywords, numbers, quiet hours in the recipient's zone, the provider's signature."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from calldesk.digital.sms import twilio
from calldesk.digital.sms.rules import QuietHours, keyword, normalize


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("STOP", "stop"),
        ("stop.", "stop"),
        (" Unsubscribe ", "stop"),
        ("cancel", "stop"),
        ("HELP", "help"),
        ("info?", "help"),
        ("START", "start"),
        ("please stop by at 5", None),
        ("stopping", None),
        ("", None),
        ("1", None),
    ],
)
def test_keywords_are_whole_messages(text, word):
    assert keyword(text) == word


def test_numbers_are_normalized_or_refused():
    assert normalize("(212) 555-1234") == "+12125551234"
    assert normalize("+33 6 12 34 56 78") == "+33612345678"
    with pytest.raises(ValueError, match="not a phone number"):
        normalize("hello")


def _at(hour_utc: int) -> float:
    return datetime(2026, 6, 15, hour_utc, 30, tzinfo=UTC).timestamp()


def test_quiet_hours_are_the_recipients_local_time():
    q = QuietHours(start=time(21, 0), end=time(8, 0))
    ny, paris = "+12125551234", "+33612345678"
    assert q.quiet(ny, _at(3))  # 23:30 in New York
    assert q.quiet(paris, _at(3))  # 05:30 in Paris
    assert not q.quiet(ny, _at(16))  # 12:30 in New York
    assert not q.quiet(paris, _at(16))  # 18:30 in Paris
    assert q.quiet(paris, _at(20))  # 22:30 in Paris
    unknown = "+15551234567"  # 555 numbers have no zone: judged in the fallback (UTC)
    assert q.quiet(unknown, _at(22)) and not q.quiet(unknown, _at(12))
    day = QuietHours(start=time(12, 0), end=time(13, 0))  # a window inside one day
    assert day.quiet(paris, _at(10)) and not day.quiet(paris, _at(12))


def test_the_provider_signature_matches_the_documented_example():
    # the provider documentation's own example (token 12345, its URL and parameters)
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio.signature("12345", url, params) == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    assert twilio.valid("12345", url, params, "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert not twilio.valid("12345", url, {**params, "Digits": "9"}, "GvWf1cFY/Q7PnoempGyD5oXAezc=")
    assert not twilio.valid("12345", url, params, None)
