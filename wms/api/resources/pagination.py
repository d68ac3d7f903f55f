"""Pagination of the new API v1 endpoints (S-API): paginated by default, unlike the
compatibility lists (wms.api.pagination) which stay plain arrays unless asked."""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination

from wms.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class DefaultPagination(PageNumberPagination):
    """The envelope `{count, next, previous, results}`, 50 rows a page, `?page_size` up to 500
    (a larger value gives 500, an invalid one the default)."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_query_description = (
        "Numéro de page, à partir de 1. Une page au-delà de la dernière répond 404."
    )
    page_size_query_description = (
        f"Taille de page : {DEFAULT_PAGE_SIZE} par défaut, {MAX_PAGE_SIZE} au plus (une valeur "
        f"plus grande donne {MAX_PAGE_SIZE} ; une valeur non entière ou nulle, la taille par "
        "défaut)."
    )
