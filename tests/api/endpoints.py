"""Every endpoint of the API, read from the URL resolver (namespace `api`), and the data the API
tests call them with: the permission matrix, the write pass and the schema tests share it, so that
a new endpoint is seen by all of them without being listed anywhere but in their expectations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

NAMESPACE = "api"
# Not endpoints of the contract: the schema and its docs (public), and the catch-all 404.
SKIPPED = {"schema", "docs", "unknown"}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# An id no object has: used when a test has no object of the kind an endpoint needs.
MISSING_ID = 999999


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str  # as declared, for messages: "orders/<int:pk>/reserve/"
    kwargs: tuple[str, ...]  # the path parameters, in order
    methods: tuple[str, ...]  # GET and the write methods the view answers

    def path(self, ids: dict[str, int] | None = None) -> str:
        ids = ids or {}
        return reverse(
            f"{NAMESPACE}:{self.name}",
            kwargs={kwarg: ids.get(kwarg, MISSING_ID) for kwarg in self.kwargs},
        )


def _view_methods(callback: Any) -> tuple[str, ...]:
    actions = getattr(callback, "actions", None)  # a ViewSet bound to {method: action}
    if actions:
        offered = {method.upper() for method in actions}
    else:
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        names = getattr(view_class, "http_method_names", [])
        offered = {name.upper() for name in names if hasattr(view_class, name)}
    ordered = ("GET", *WRITE_METHODS)
    return tuple(method for method in ordered if method in offered)


def _kwargs(pattern: URLPattern) -> tuple[str, ...]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return tuple(converters)
    return tuple(pattern.pattern.regex.groupindex)


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def api_endpoints() -> dict[str, Endpoint]:
    """{url name: Endpoint} for every named route under the `api` namespace."""
    found: dict[str, Endpoint] = {}
    for entry in get_resolver().url_patterns:
        if not (isinstance(entry, URLResolver) and entry.namespace == NAMESPACE):
            continue
        for route, pattern in _walk(entry.url_patterns):
            if pattern.name in SKIPPED:
                continue
            assert pattern.name, f"api/v1/{route} has no URL name"
            assert pattern.name not in found, f"two API routes are named {pattern.name}"
            found[pattern.name] = Endpoint(
                name=pattern.name,
                route=route,
                kwargs=_kwargs(pattern),
                methods=_view_methods(pattern.callback),
            )
    return found
