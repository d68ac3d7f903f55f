"""What leaves the shelves for a product: the product itself, or a kit's components."""

from __future__ import annotations

from wms.models import Product


def components(product: Product, quantity: int) -> list[tuple[Product, int]]:
    items = list(product.kit_items.select_related("component"))
    if not items:
        return [(product, quantity)]
    return [(item.component, item.quantity * quantity) for item in items]
