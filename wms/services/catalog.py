"""Catalogue rules: SKU generation, GTIN normalisation, prices with VAT, volume, kit availability,
and the quick creation of a product from a scan screen."""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from wms.gtin import InvalidGtin, normalize_gtin
from wms.services.errors import StockError
from wms.services.naming import normalize_brand, normalize_name
from wms.text import fold_key

if TYPE_CHECKING:
    from wms.models import Product, ProductCategory

CENT = Decimal("0.01")


def generate_sku() -> str:
    return f"{settings.SKU_PREFIX}-{secrets.token_hex(4).upper()}"


def vat_rate(value: Decimal | None) -> Decimal | None:
    """A value above 1 is a percentage (5.5 → 0.055)."""
    if value is None:
        return None
    return (value / 100) if value > 1 else value


def price_with_vat(pu_ht: Decimal | None, tva: Decimal | None) -> Decimal | None:
    if pu_ht is None:
        return None
    rate = tva or Decimal(0)
    return (pu_ht * (1 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def derive_product_fields(product: Product) -> None:
    """Columns computed from others, recomputed on every save."""
    product.name = " ".join(product.name.split())
    product.name_key = fold_key(product.name)
    if not product.sku.strip():
        product.sku = generate_sku()
    product.sku = product.sku.strip()
    try:
        product.gtin = normalize_gtin(product.ean) if product.ean.strip() else ""
    except InvalidGtin:
        product.gtin = ""
    product.tva = vat_rate(product.tva)
    product.pu_ttc = price_with_vat(product.pu_ht, product.tva)
    if not product.volume_cm3 and product.length_cm and product.width_cm and product.height_cm:
        product.volume_cm3 = int(
            (product.length_cm * product.width_cm * product.height_cm).to_integral_value(
                ROUND_HALF_UP
            )
        )


def quick_create_product(
    *, name: str, category: ProductCategory | None = None, gtin: str = "", user: object = None
) -> Product:
    """A worker facing an unknown product creates it from the scan screen, flagged for review."""
    from wms.models import Product

    name = normalize_name(name)
    if not name:
        raise StockError("Le nom du produit est obligatoire.")
    if gtin:
        try:
            normalized = normalize_gtin(gtin)
        except InvalidGtin as exc:
            raise StockError(str(exc)) from exc
        existing = Product.objects.filter(gtin=normalized).first()
        if existing is not None:
            raise StockError(f"Ce GTIN est déjà celui de « {existing.name} » ({existing.sku}).")
    try:
        with transaction.atomic():
            return Product.objects.create(
                name=name, category=category, ean=gtin.strip(), needs_review=True
            )
    except IntegrityError as exc:  # a SKU collision on the random suffix: vanishingly rare
        raise StockError("Création impossible, réessayez.") from exc


def normalize_product_texts(product: Product) -> None:
    product.name = normalize_name(product.name)
    product.brand = normalize_brand(product.brand)
