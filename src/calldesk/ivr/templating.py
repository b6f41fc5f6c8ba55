"""Jinja2 in a sandbox: prompt text, expressions, and URLs whose every value is URL-quoted."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote

from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.parser import Parser
from jinja2.sandbox import SandboxedEnvironment


def _url_quote(value: Any) -> str:
    # Every templated value in a URL is quoted whole: "/" and "?" in caller input stay data.
    if value is None or isinstance(value, ChainableUndefined):
        return ""
    return quote(str(value), safe="")


_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False)
_URL_ENV = SandboxedEnvironment(undefined=ChainableUndefined, autoescape=False, finalize=_url_quote)


def expression_error(source: str) -> str | None:
    """Parse (without compiling: fast enough for 10,000-step flows) and return the error, if any."""
    try:
        parser = Parser(_ENV, source, state="variable")
        parser.parse_expression()
        if not parser.stream.eos:
            return f"unexpected {parser.stream.current.value!r} after the expression"
    except TemplateSyntaxError as exc:
        return exc.message or "syntax error"
    return None


def template_error(source: str) -> str | None:
    try:
        _ENV.parse(source)
    except TemplateSyntaxError as exc:
        return exc.message or "syntax error"
    return None


def is_template(source: str) -> bool:
    return "{{" in source or "{%" in source


def url_template_error(source: str) -> str | None:
    """A URL template may not put a value in the scheme or host: those must be literal."""
    err = template_error(source)
    if err:
        return err
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError:  # pragma: no cover - caught above
        return None
    prefix = ""
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            return "control blocks are not allowed in URLs"
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                prefix += child.data
                continue
            break
        else:
            continue
        break
    scheme, sep, rest = prefix.partition("://")
    if not sep or scheme not in ("http", "https") or "/" not in rest:
        return "the URL must start with a literal http(s)://host/ before any {{ value }}"
    return None


@lru_cache(maxsize=4096)
def _template(source: str, url: bool) -> Any:
    return (_URL_ENV if url else _ENV).from_string(source)


@lru_cache(maxsize=4096)
def _expression(source: str) -> Any:
    return _ENV.compile_expression(source, undefined_to_none=True)


def render(source: str, scope: dict[str, Any]) -> str:
    return _template(source, False).render(scope)


def render_url(source: str, scope: dict[str, Any]) -> str:
    return _template(source, True).render(scope)


def evaluate(source: str, scope: dict[str, Any]) -> Any:
    return _expression(source)(**scope)
