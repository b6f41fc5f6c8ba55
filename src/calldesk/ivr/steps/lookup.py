"""lookup: an HTTP data dip (every templated URL value is URL-quoted; errors take the fallback),
or, with `customer:` instead of `url:`, the customer and their recent journey from the store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from calldesk.ivr.actions import (
    Action,
    ContextData,
    ContextRead,
    Goto,
    HttpRequest,
    HttpResult,
    Result,
)
from calldesk.ivr.steps.base import Field, StepContext, StepKind
from calldesk.ivr.steps.collect import IDENT


def build_request(ctx: StepContext, spec: dict[str, Any], fire_and_forget: bool) -> HttpRequest:
    body = spec.get("body")
    return HttpRequest(
        method=spec["method"],
        url=ctx.render_url(spec["url"]),
        params={k: ctx.render(v) for k, v in (spec.get("params") or {}).items()},
        body={k: ctx.render(v) for k, v in body.items()} if body else None,
        timeout=float(spec["timeout"]),
        fire_and_forget=fire_and_forget,
    )


class LookupStep(StepKind):
    kind = "lookup"
    schema = {
        "url": Field("url", doc="http(s) URL; {{ values }} are URL-quoted"),
        "customer": Field(
            "template",
            doc="instead of url: an identity (e.g. {{ caller.id }}); loads the customer and "
            "their recent journey into `context` (as `context` read of customer:<identity>)",
        ),
        "method": Field("str", default="GET", choices=("GET", "POST")),
        "params": Field("templates", doc="query parameters (encoded by the client)"),
        "body": Field("templates", doc="JSON body for POST"),
        "timeout": Field("number", default=3.0),
        "store": Field("str", default="lookup", doc="variable receiving the JSON reply"),
        "next": Field("target", required=True),
        "fallback": Field("target", required=True, doc="on timeout, error or non-2xx"),
    }

    def check(self) -> Iterator[tuple[tuple[Any, ...], str]]:
        if bool(self.spec.get("url")) == bool(self.spec.get("customer")):
            yield ("url",), "a lookup needs either `url` (HTTP) or `customer` (the store)"
        if not IDENT.match(self.spec["store"]):
            yield ("store",), f"{self.spec['store']!r} is not a valid variable name"
        if not 0 < float(self.spec["timeout"]) <= 30:
            yield ("timeout",), "timeout must be in (0, 30] seconds"

    def start(self, ctx: StepContext) -> Action:
        if self.spec.get("customer"):
            return ContextRead("customer:" + ctx.render(self.spec["customer"]))
        return build_request(ctx, self.spec, fire_and_forget=False)

    def resume(self, ctx: StepContext, result: Result) -> Action:
        if isinstance(result, ContextData):  # the customer: `context` and the `store` variable
            ctx.state.context = dict(result.data)
            ctx.state.variables[self.spec["store"]] = dict(result.data)
            return Goto(self.spec["next"])
        if isinstance(result, HttpResult) and result.ok:
            ctx.state.variables[self.spec["store"]] = result.data
            return Goto(self.spec["next"])
        ctx.state.variables[f"{self.name}_error"] = getattr(result, "error", None) or getattr(
            result, "status", None
        )
        return Goto(self.spec["fallback"])
