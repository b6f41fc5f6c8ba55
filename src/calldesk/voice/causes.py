"""FreeSWITCH hangup causes of a failed agent originate -> the ACD core's offer refusal causes."""

from __future__ import annotations

_NO_ANSWER = {
    "NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE",
    "PROGRESS_TIMEOUT", "MEDIA_TIMEOUT",
}  # fmt: skip
_BUSY = {"USER_BUSY", "NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION", "NO_CIRCUIT_AVAILABLE"}
_REJECT = {"CALL_REJECTED", "DECLINE", "USER_CHALLENGE"}
_UNREACHABLE = {
    "USER_NOT_REGISTERED", "SUBSCRIBER_ABSENT", "UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION",
    "DESTINATION_OUT_OF_ORDER", "NORMAL_TEMPORARY_FAILURE", "INVALID_NUMBER_FORMAT",
    "INCOMPATIBLE_DESTINATION", "NETWORK_OUT_OF_ORDER",
}  # fmt: skip
# We hung the leg up ourselves (the offer was cancelled): the core already knows.
CANCELLED = {"ORIGINATOR_CANCEL", "LOSE_RACE", "PICKED_OFF"}


def parse_job(text: str) -> tuple[str | None, str]:
    """`+OK <uuid>` -> (uuid, "SUCCESS"); `-ERR <CAUSE>` -> (None, CAUSE)."""
    words = (text or "").strip().split()
    if len(words) >= 2 and words[0] == "+OK":
        return words[1], "SUCCESS"
    if len(words) >= 2 and words[0] == "-ERR":
        return None, words[1].upper()
    return None, "UNKNOWN"


def offer_cause(cause: str) -> str | None:
    """The core's refusal cause (no_answer, busy, reject, unreachable), or None if we cancelled."""
    cause = cause.upper()
    if cause in CANCELLED:
        return None
    if cause in _NO_ANSWER:
        return "no_answer"
    if cause in _BUSY:
        return "busy"
    if cause in _REJECT:
        return "reject"
    if cause in _UNREACHABLE:
        return "unreachable"
    return "no_answer"
