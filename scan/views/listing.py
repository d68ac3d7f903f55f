"""What the read-only scan screens share: the htmx fragment-or-page answer and pagination.

One view per page, as in django-htmx's example project: an htmx request gets the page's
`#fragment` partial (the list it refreshes), any other request the whole page, from one template.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

PAGE_SIZE = 25


def wants_fragment(request: HttpRequest) -> bool:
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    # A history restore asks for the whole page: htmx found no snapshot to put back.
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest, template: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    name = f"{template}#{fragment}" if wants_fragment(request) else template
    # The screens say when their data was read, so a page shown again from a cache is not
    # mistaken for the current stock (S-OFFLINE).
    context.setdefault("fetched_at", timezone.localtime())
    return render(request, name, context)


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    # get_page() turns a missing, malformed or too large page number into the nearest real page.
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
