"""What the managers' screens share (S-ORDERS, S-ROLES): their decorators, the download of an
uploaded document, the way back after a decision, and the contact suggestions.

Every screen here needs MANAGER_PERMISSION: a worker or an association user gets 403, an
anonymous visitor the login page (wms.permissions.require_permission).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from scan.views.capture import CAPTURE_METHODS
from wms.models import Contact
from wms.models.orders import ReviewedDocument
from wms.permissions import require_permission
from wms.roles import MANAGER_PERMISSION
from wms.services.document_review import content_type

View = Callable[..., HttpResponse]
T = TypeVar("T")
SEARCH_LIMIT = 20


def manager_page(view: View) -> View:
    """A read-only manager screen (GET and HEAD)."""
    return require_safe(require_permission(MANAGER_PERMISSION)(vary_on_headers("HX-Request")(view)))


def manager_form(view: View) -> View:
    """A manager screen that shows a form and takes its POST."""
    decorated = require_permission(MANAGER_PERMISSION)(vary_on_headers("HX-Request")(view))
    return require_http_methods(CAPTURE_METHODS)(decorated)


def manager_action(view: View) -> View:
    """A POST-only manager action (its refusal shows the page it came from again)."""
    return require_http_methods(["POST"])(require_permission(MANAGER_PERMISSION)(view))


def download(document: ReviewedDocument) -> HttpResponse:
    """The file as an attachment, never cached by a shared cache or the service worker."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or document.file.name.rsplit("/", 1)[-1],
        content_type=content_type(document),
    )
    response["Cache-Control"] = "private, no-store"
    # A streamed answer: FileResponse is not an HttpResponse for the type checker.
    return cast(HttpResponse, response)


def safe_next(request: HttpRequest, raw: Any, default: str) -> str:
    """Where to go back after a decision: a path of this site only (no open redirect)."""
    target = str(raw or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def search_contacts(query: str, exclude: set[int] | None = None) -> list[Contact]:
    """Active contacts whose name, email or ASF id contains `query` (a manager's search)."""
    text = (query or "").strip()
    if not text:
        return []
    found = Contact.objects.filter(
        Q(name__icontains=text) | Q(email__icontains=text) | Q(asf_id__iexact=text),
        is_active=True,
    ).order_by("name", "pk")[:SEARCH_LIMIT]
    return [contact for contact in found if contact.pk not in (exclude or set())]


def with_search(suggestions: list[Contact], query: str) -> list[Contact]:
    """The suggestions first, then the contacts the manager searched for (each once)."""
    seen = {contact.pk for contact in suggestions}
    return [*suggestions, *search_contacts(query, seen)]


def with_op_ids(items: Iterable[T]) -> list[T]:
    """Each item (a document) gets the operation id of its own decision form."""
    listed = list(items)
    for item in listed:
        item.op_id = uuid.uuid4()  # type: ignore[attr-defined]
    return listed


def counted(queryset: QuerySet[Any], field: str, outer: str) -> Coalesce:
    """How many rows of `queryset` point at the outer row (`field` = OuterRef(`outer`))."""
    rows = (
        queryset.filter(**{field: OuterRef(outer)})
        .order_by()
        .values(field)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))
