"""The OpenAPI 3.1 document, generated from the route registry and pydantic's JSON Schemas.

Why not spectree or apispec: the registry already knows each route's roles, models and
statuses (the role-matrix test reads `x-roles` from this document), and pydantic 2 emits JSON
Schema 2020-12, which is OpenAPI 3.1's own dialect, so about 80 lines give the whole document
without another layer between the routes and what they declare.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import TypeAdapter

from calldesk.web.api import Api, RouteSpec
from calldesk.web.models import Error

REF = "#/components/schemas/{model}"
MESSAGES = {
    200: "OK",
    202: "Accepted, not decided yet (error `pending`): it will be carried out; the outcome "
    "comes by push. Do not retry",
    206: "Partial content",
    400: "Invalid input (names the field)",
    401: "No or bad credentials",
    403: "Forbidden for this user",
    404: "Not found",
    409: "Refused by the state of things",
    413: "Body too large",
    416: "Bad range",
    429: "Too many failed logins",
    503: "The controller did not answer in time",
}


class _Schemas:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, t: Any) -> dict[str, Any]:
        schema = TypeAdapter(t).json_schema(ref_template=REF, mode="serialization")
        self.defs.update(schema.pop("$defs", {}))
        title = schema.get("title")
        if isinstance(t, type) and title and schema.get("type") == "object":
            self.defs[title] = schema
            return {"$ref": REF.format(model=title)}
        return schema

    def of_input(self, t: Any) -> dict[str, Any]:
        schema = TypeAdapter(t).json_schema(ref_template=REF, mode="validation")
        self.defs.update(schema.pop("$defs", {}))
        name = f"{schema.get('title', 'Body')}"
        self.defs[name] = schema
        return {"$ref": REF.format(model=name)}


def _operation(spec: RouteSpec, schemas: _Schemas) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": spec.name,
        "summary": spec.summary or spec.name,
        "x-roles": list(spec.roles),
    }
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        for n in re.findall(r"\{(\w+)\}", spec.path)
    ]
    if spec.query is not None:
        q = TypeAdapter(spec.query).json_schema(ref_template=REF)
        schemas.defs.update(q.pop("$defs", {}))
        for name, prop in q.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in q.get("required", []),
                    "schema": prop,
                }
            )
    if params:
        op["parameters"] = params
    if spec.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schemas.of_input(spec.body)}},
        }
    elif spec.body_content != "application/json":
        op["requestBody"] = {
            "required": True,
            "content": {spec.body_content: {"schema": {"type": "string"}}},
        }
    if spec.content == "application/json":
        body = schemas.of(spec.response) if spec.response is not None else {}
        if spec.nullable:
            body = {"anyOf": [body, {"type": "null"}]}
        ok: dict[str, Any] = {
            "description": "OK",
            "content": {"application/json": {"schema": body}},
        }
    else:
        ok = {"description": "OK", "content": {spec.content: {"schema": {"type": "string"}}}}
    error = {"application/json": {"schema": schemas.of(Error)}}
    responses: dict[str, Any] = {"200": ok}
    codes = {400, *spec.statuses} | (set() if spec.public else {401, 403, 503})
    if spec.method != "GET" and not spec.public:
        codes.add(202)
    for code in sorted(codes):
        responses[str(code)] = (
            {"description": MESSAGES.get(code, "")}
            if code == 206
            else {"description": MESSAGES.get(code, ""), "content": error}
        )
    op["responses"] = responses
    if spec.public:
        op["security"] = []
    return op


def document(api: Api, version: str = "1") -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, Any] = {}
    for spec in api.routes:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "calldesk API",
            "version": version,
            "description": "Agents, queues, interactions, supervision, recordings and "
            "flows. Push: GET /api/events (WebSocket or SSE).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas.defs,
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": "calldesk_session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
        "security": [{"cookie": []}, {"bearer": []}],
    }
