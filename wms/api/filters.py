"""Filters of the compatibility lists (api-v1-compat.md), documented in the OpenAPI schema.

As in the earlier system, an unknown parameter or a malformed value (`?weight_g=abc`) is ignored:
the list comes back as if the parameter were absent, never as a 400.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend

from wms.models import Product
from wms.services.availability import AVAILABLE_STOCK

# Values a database column can hold: larger ones are malformed (SQLite raises on them).
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
IGNORED = " Une valeur mal formée est ignorée."


class LenientFilterBackend(DjangoFilterBackend):  # type: ignore[misc]  # django-filter is untyped
    """Applies the valid filters and ignores the invalid ones instead of answering 400."""

    raise_exception = False


class IntegerFilter(filters.NumberFilter):  # type: ignore[misc]
    """An exact integer: `1.5` or `abc` is malformed (and then ignored)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", BIGINT_MIN)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


def _contains(field_name: str, what: str) -> filters.CharFilter:
    return filters.CharFilter(
        field_name=field_name,
        lookup_expr="icontains",
        help_text=f"{what} : contient ce texte (sans distinction de casse).",
    )


def _exact_decimal(field_name: str, what: str) -> filters.NumberFilter:
    return filters.NumberFilter(
        field_name=field_name,
        help_text=f"{what} : égal à ce nombre décimal (point décimal, ex. 12.50).{IGNORED}",
        # More digits than any column holds: malformed, rather than sent to the database.
        max_digits=30,
    )


def _boolean(field_name: str, what: str) -> filters.BooleanFilter:
    # The rest_framework flavour reads true/false/1/0 in any case; anything else gives None.
    return filters.BooleanFilter(
        field_name=field_name,
        help_text=f"{what} : true ou false (1 ou 0). Toute autre valeur est ignorée.",
    )


class ProductFilterSet(filters.FilterSet):  # type: ignore[misc]
    is_active = filters.BooleanFilter(
        field_name="is_active",
        help_text=(
            "true : produits actifs ; false : produits archivés. Absent (ou autre valeur que "
            "true/false/1/0) : produits actifs seulement."
        ),
    )
    q = filters.CharFilter(
        method="filter_q",
        help_text=(
            "Recherche : nom, SKU, code-barres ou marque contient ce texte "
            "(sans distinction de casse)."
        ),
    )
    name = _contains("name", "Nom")
    brand = _contains("brand", "Marque")
    sku = _contains("sku", "SKU")
    barcode = _contains("barcode", "Code-barres")
    ean = _contains("ean", "EAN")
    color = _contains("color", "Couleur")
    category = _contains("category__name", "Nom de la catégorie")
    tag = filters.CharFilter(
        method="filter_tag",
        help_text="Le nom d'une de ses étiquettes contient ce texte (sans distinction de casse).",
    )
    storage_conditions = _contains("storage_conditions", "Conditions de stockage")
    notes = _contains("notes", "Notes")
    category_id = IntegerFilter(
        method="filter_category_id",
        help_text=f"Identifiant de la catégorie (exact).{IGNORED}",
    )
    tag_id = IntegerFilter(
        method="filter_tag_id",
        help_text=f"Identifiant d'une de ses étiquettes.{IGNORED}",
    )
    default_location_id = IntegerFilter(
        method="filter_default_location_id",
        help_text=f"Identifiant de l'emplacement par défaut (exact).{IGNORED}",
    )
    weight_g = IntegerFilter(
        field_name="weight_g", help_text=f"Poids en grammes (exact, entier).{IGNORED}"
    )
    volume_cm3 = IntegerFilter(
        field_name="volume_cm3", help_text=f"Volume en cm³ (exact, entier).{IGNORED}"
    )
    perishable = _boolean("perishable", "Périssable")
    quarantine_default = _boolean("quarantine_default", "Quarantaine à la réception")
    pu_ht = _exact_decimal("pu_ht", "Prix unitaire HT")
    tva = _exact_decimal("tva", "Taux de TVA (0.055 pour 5,5 %)")
    pu_ttc = _exact_decimal("pu_ttc", "Prix unitaire TTC")
    length_cm = _exact_decimal("length_cm", "Longueur en cm")
    width_cm = _exact_decimal("width_cm", "Largeur en cm")
    height_cm = _exact_decimal("height_cm", "Hauteur en cm")
    available_stock = IntegerFilter(
        method="filter_available_stock",
        help_text=(f"Stock utilisable égal à ce nombre (kits : disponibilité du kit).{IGNORED}"),
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_queryset(self, queryset: QuerySet[Product]) -> QuerySet[Product]:
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("is_active") is None:
            # The earlier system listed active products unless asked otherwise.
            queryset = queryset.filter(is_active=True)
        return queryset

    # The `value` type hints tell drf-spectacular each parameter's type.

    def filter_q(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.filter(
            Q(name__icontains=value)
            | Q(sku__icontains=value)
            | Q(barcode__icontains=value)
            | Q(brand__icontains=value)
        )

    def filter_tag(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        # A subquery, not a join: a product with two matching tags must appear once.
        tagged = Product.tags.through.objects.filter(producttag__name__icontains=value)
        return queryset.filter(pk__in=tagged.values("product_id"))

    def filter_tag_id(
        self, queryset: QuerySet[Product], name: str, value: int
    ) -> QuerySet[Product]:
        tagged = Product.tags.through.objects.filter(producttag_id=value)
        return queryset.filter(pk__in=tagged.values("product_id"))

    def filter_category_id(
        self, queryset: QuerySet[Product], name: str, value: int
    ) -> QuerySet[Product]:
        return queryset.filter(category_id=value)

    def filter_default_location_id(
        self, queryset: QuerySet[Product], name: str, value: int
    ) -> QuerySet[Product]:
        return queryset.filter(default_location_id=value)

    def filter_available_stock(
        self, queryset: QuerySet[Product], name: str, value: int
    ) -> QuerySet[Product]:
        # The view's queryset carries the annotation (wms.services.availability).
        return queryset.filter(**{AVAILABLE_STOCK: value})
