"""Pagination of the compatibility lists (api-v1-compat.md).

The earlier system answered its lists as plain JSON arrays, complete; integrators rely on that.
`?page=` or `?page_size=` switches a list to the envelope `{count, next, previous, results}`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class PlainListUnlessAskedPagination(PageNumberPagination):
    """A complete plain array by default; the paginated envelope when `page` or `page_size` is
    in the query string (page size 50 by default, 500 at most)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = (
        "Numéro de page. Présent, il remplace la liste complète par l'enveloppe paginée "
        "{count, next, previous, results}."
    )
    page_size_query_description = (
        f"Taille de page (défaut {DEFAULT_PAGE_SIZE}, au plus {MAX_PAGE_SIZE}). Présent, il "
        "remplace la liste complète par l'enveloppe paginée {count, next, previous, results}."
    )

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        params = request.query_params
        if self.page_query_param not in params and self.page_size_query_param not in params:
            return None  # DRF then serialises the whole list as a plain array
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        # Both shapes are answered: the plain array unless the caller asked for pages.
        return {"oneOf": [schema, super().get_paginated_response_schema(schema)]}
