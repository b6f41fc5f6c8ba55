"""The API registry's JSON routes without Flask's per-request machinery.

Every request shares the controller's event loop, so what a request costs in CPU is also what
the requests, pushes and switch events behind it wait. Flask spends more on a request than the
route does: a request context and an app context pushed and popped, the URL map bound to the
request's host, session handling, six signals, then the response object walked again as WSGI.
For a route of the `Api` registry that answers JSON, none of it does anything: the registry's
own wrapper (`Api.handle`) already authenticates, checks the role, validates, maps errors and
journals. This WSGI middleware matches such a route with the same URL map (bound once, so the
same rules win) and calls its view with a plain request object (`calldesk.web.api.current`);
everything else (pages, static files, push, chat, file downloads, HEAD and OPTIONS, an unknown
path or method) goes to Flask as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Request

from calldesk.web.api import Api, using_request

MATCHED_MAX = 4096  # paths remembered with their route (forgotten all at once beyond)
FAST_METHODS = ("GET", "POST", "DELETE")  # HEAD and OPTIONS: Flask's own answers
Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def fast_endpoints(api: Api) -> dict[str, Callable[..., Any]]:
    """The registry's views that answer JSON, by endpoint (file downloads need Flask's
    request context for `send_file`, so they are left to Flask)."""
    out: dict[str, Callable[..., Any]] = {}
    for spec, view in api.views:
        if spec.content == "application/json" and spec.method in FAST_METHODS:
            out[f"{api.bp.name}.{view.__name__}"] = view
    return out


class FastApi:
    """`app.wsgi_app = FastApi(app, api)`: the registry's JSON routes are served here, the
    rest by `app`'s own `wsgi_app`."""

    def __init__(self, app: Any, api: Api) -> None:
        self.flask = app.wsgi_app
        self.views = fast_endpoints(api)
        self.adapter = app.url_map.bind("localhost")  # the rules have no host: any will do
        # (method, path) -> (view, its parameters): the same paths come again and again
        self.matched: dict[tuple[str, str], tuple[Callable[..., Any], dict[str, Any]]] = {}

        class ApiRequest(Request):
            max_content_length = app.config.get("MAX_CONTENT_LENGTH")

        self.request_class = ApiRequest

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO") or ""
        method = environ.get("REQUEST_METHOD")
        if not path.startswith("/api/") or method not in FAST_METHODS or "HTTP_UPGRADE" in environ:
            return self.flask(environ, start_response)
        found = self.matched.get((method, path))
        if found is None:
            try:
                endpoint, params = self.adapter.match(
                    path.encode("latin-1").decode("utf-8", "replace"), method
                )
            except (HTTPException, RequestRedirect):  # not found, wrong method, a redirect
                return self.flask(environ, start_response)
            view = self.views.get(endpoint)
            if view is None:
                return self.flask(environ, start_response)
            if len(self.matched) >= MATCHED_MAX:
                self.matched.clear()
            found = self.matched[(method, path)] = (view, params)
        view, params = found
        request = self.request_class(environ)
        with using_request(request):
            response = view(**dict(params))  # a copy: the remembered one stays as matched
        return response(environ, start_response)
