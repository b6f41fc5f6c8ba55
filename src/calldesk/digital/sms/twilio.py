"""One provider's wire format (Twilio's Programmable Messaging), kept small so that another
provider is another module with the same four functions.

- inbound webhook and status callback: form-encoded POSTs signed with `X-Twilio-Signature`
  = base64(HMAC-SHA1(auth token, full URL + each POST parameter's name and value, sorted by name));
- outbound: `POST {api}/2010-04-01/Accounts/{sid}/Messages.json` (To, From, Body,
  StatusCallback) with HTTP Basic auth (account sid, auth token); the answer names the `sid`."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

SIGNATURE_HEADER = "X-Twilio-Signature"
STATUS = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "failed",
    "failed": "failed",
}  # queued/accepted/sending: nothing yet


def signature(token: str, url: str, params: Mapping[str, str]) -> str:
    payload = url + "".join(k + params[k] for k in sorted(params))
    mac = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def valid(token: str, url: str, params: Mapping[str, str], given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(signature(token, url, params), given or "")


@dataclass(frozen=True)
class Inbound:
    provider_id: str
    sender: str
    to: str
    text: str


def parse_inbound(form: Mapping[str, str]) -> Inbound:
    """Raises KeyError naming a missing field."""
    for key in ("MessageSid", "From", "Body"):
        if not form.get(key) and key != "Body":
            raise KeyError(key)
    return Inbound(form["MessageSid"], form["From"], form.get("To", ""), form.get("Body", ""))


def parse_status(form: Mapping[str, str]) -> tuple[str, str | None]:
    """(provider id, our status or None while still in flight)."""
    if not form.get("MessageSid"):
        raise KeyError("MessageSid")
    return form["MessageSid"], STATUS.get(form.get("MessageStatus", ""))


def send_request(
    api: str, account: str, token: str, to: str, sender: str, text: str, callback: str = ""
) -> tuple[str, bytes, dict[str, str]]:
    """(url, form body, headers) of one outbound message."""
    form = {"To": to, "From": sender, "Body": text}
    if callback:
        form["StatusCallback"] = callback
    auth = base64.b64encode(f"{account}:{token}".encode()).decode()
    headers = {
        "Authorization": f"Basic {auth}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    url = f"{api.rstrip('/')}/2010-04-01/Accounts/{account}/Messages.json"
    return url, urlencode(form).encode(), headers


def sent_id(answer: Mapping[str, object]) -> str:
    sid = answer.get("sid")
    if not isinstance(sid, str) or not sid:
        raise ValueError("the provider's answer names no message sid")
    return sid
