"""The compact catalogue the scan app keeps for resolving codes offline (S-OFFLINE).

Arrays rather than objects keep it small: 10,000 products stay well under 300 KB gzipped.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from wms.models import Location, Product, ProductKitItem

FORMAT_VERSION = 1
PRODUCT_FIELDS = ["id", "sku", "name", "gtin", "barcode", "is_kit", "default_location_id"]
LOCATION_FIELDS = ["id", "payload", "label"]


def build_catalog() -> dict[str, Any]:
    products = (
        Product.objects.filter(is_active=True)
        .annotate(has_components=Exists(ProductKitItem.objects.filter(kit=OuterRef("pk"))))
        .order_by("pk")
        .values_list(
            "pk", "sku", "name", "gtin", "barcode", "has_components", "default_location_id"
        )
    )
    locations = Location.objects.filter(is_active=True).select_related("warehouse").order_by("pk")
    return {
        "version": FORMAT_VERSION,
        "product_fields": PRODUCT_FIELDS,
        "products": [
            [pk, sku, name, gtin or None, barcode or None, 1 if kit else 0, location]
            for pk, sku, name, gtin, barcode, kit, location in products
        ],
        "location_fields": LOCATION_FIELDS,
        "locations": [[loc.pk, loc.qr_payload, str(loc)] for loc in locations],
    }


def catalog_body() -> tuple[bytes, str]:
    """The JSON body and its ETag (a hash of the content, so any change is seen)."""
    content = build_catalog()
    body = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return body, etag


def stamp() -> str:
    return timezone.localtime().isoformat(timespec="seconds")
