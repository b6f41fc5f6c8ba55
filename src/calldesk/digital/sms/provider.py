"""The HTTP provider adapter: outbound REST sends, and the webhook blueprint for inbound
messages and delivery receipts (signature checked before anything is read). The provider's
wire format is a module (`twilio` by default) with the same functions."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from types import ModuleType
from typing import Any

from flask import Blueprint, Response, request

from calldesk.digital.sms import twilio
from calldesk.digital.sms.gateway import SmsGateway

log = logging.getLogger("calldesk.digital.sms")

MAX_FORM = 16 * 1024
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class ProviderError(Exception):
    pass


class HttpProviderLink:
    """`submit()` sends one message through the provider's REST API."""

    def __init__(
        self,
        api: str,
        account: str,
        token: str,
        *,
        status_callback: str = "",
        fmt: ModuleType = twilio,
        timeout: float = 10.0,
    ) -> None:
        self.api, self.account, self.token = api, account, token
        self.status_callback, self.fmt, self.timeout = status_callback, fmt, timeout

    def submit(self, to: str, sender: str, text: str) -> str:
        """Blocks the calling greenlet only: the HTTP call runs in the hub's thread pool."""
        import gevent

        ok, value = gevent.get_hub().threadpool.apply(self._guarded, (to, sender, text))
        if not ok:
            raise value
        return value

    def _guarded(self, to: str, sender: str, text: str) -> tuple[bool, Any]:
        try:
            return True, self._submit(to, sender, text)
        except (ProviderError, ValueError) as exc:  # raised again in the calling greenlet
            return False, exc

    def _submit(self, to: str, sender: str, text: str) -> str:
        url, body, headers = self.fmt.send_request(
            self.api, self.account, self.token, to, sender, text, self.status_callback
        )
        req = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:  # noqa: S310 - configured URL
                answer = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"provider refused the message: HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise ProviderError(f"provider unreachable: {exc}") from None
        return self.fmt.sent_id(answer)


def webhook_blueprint(
    gateway: SmsGateway,
    token: str,
    public_url: str,
    fmt: ModuleType = twilio,
    name: str = "sms_webhooks",
    prefix: str = "/sms",
) -> Blueprint:
    """POST {prefix}/inbound and {prefix}/status. `public_url` is the URL the provider calls
    (scheme, host and any proxy prefix), which the signature covers."""
    bp = Blueprint(name, __name__, url_prefix=prefix)
    base = public_url.rstrip("/")

    def _form(path: str) -> dict[str, str] | Response:
        if (request.content_length or 0) > MAX_FORM:
            log.warning("sms webhook: %d-byte body refused", request.content_length)
            return Response("too large", status=413)
        form = {k: v for k, v in request.form.items()}
        if not fmt.valid(
            token, f"{base}{prefix}{path}", form, request.headers.get(fmt.SIGNATURE_HEADER)
        ):
            log.warning("sms webhook: bad signature from %s", request.remote_addr)
            return Response("bad signature", status=403)
        return form

    @bp.post("/inbound")
    def inbound() -> Any:
        form = _form("/inbound")
        if isinstance(form, Response):
            return form
        try:
            msg = fmt.parse_inbound(form)
            gateway.inbound(msg.sender, msg.text, msg.provider_id)  # stored before the 200
        except (KeyError, ValueError) as exc:
            log.warning("sms webhook: malformed inbound message: %s", exc)
            return Response(f"malformed: {exc}", status=400)
        return Response(TWIML_EMPTY, mimetype="text/xml")

    @bp.post("/status")
    def status() -> Any:
        form = _form("/status")
        if isinstance(form, Response):
            return form
        try:
            provider_id, state = fmt.parse_status(form)
        except KeyError as exc:
            return Response(f"malformed: {exc}", status=400)
        if state:
            gateway.receipt(provider_id, state)
        return Response("", status=204)

    return bp
