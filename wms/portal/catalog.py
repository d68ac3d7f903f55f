"""The product table of the portal's order form: what an association may order, its usable
stock and the carton estimate, read in a constant number of queries; and the typed quantities
turned into order lines.

Availability is wms.services.availability's (usable stock; a kit's is the minimum over its
components); the estimate is wms.services.binpacking's units per carton of the default format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext

from wms.models import CartonFormat, OrderLine, Product, ProductCategory, ProductKitItem
from wms.services import binpacking, orders
from wms.services.availability import annotate_available_stock
from wms.services.errors import StockError

QUANTITY_PREFIX = "qty-"


def offered_products() -> QuerySet[Product]:
    """Active products, kits only when the portal offers them (PORTAL_OFFER_KITS)."""
    queryset = Product.objects.filter(is_active=True).annotate(
        has_components=Exists(ProductKitItem.objects.filter(kit_id=OuterRef("pk")))
    )
    if not orders.portal_allows_kits():
        queryset = queryset.filter(has_components=False)
    return annotate_available_stock(queryset).order_by("name", "pk")


def carton_capacity() -> binpacking.Capacity | None:
    """The default carton format's capacity; None when none is defined (estimates show "–")."""
    carton_format = CartonFormat.default()
    if carton_format is None:
        return None
    try:
        return binpacking.Capacity(carton_format.volume_cm3, Decimal(carton_format.max_weight_g))
    except StockError:
        return None


def per_carton(product: Product, capacity: binpacking.Capacity | None) -> int | None:
    if capacity is None:
        return None
    return binpacking.units_per_carton(product.volume_cm3, product.weight_g, capacity) or None


def cartons_for(quantity: int, units: int | None) -> int | None:
    return binpacking.cartons_needed(quantity, units) if quantity > 0 else None


def category_paths() -> dict[int, str]:
    """Every category's "L1 > L2" path from one query (the tree is small)."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in ProductCategory.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}
    for pk in rows:
        names, node, seen = [], pk, set()
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            name, parent = rows[node]
            names.append(name)
            node = parent
        paths[pk] = " > ".join(reversed(names))
    return paths


@dataclass(frozen=True)
class ProductRow:
    product: Product
    category: str
    available: int
    is_kit: bool
    per_carton: int | None
    typed: str  # the quantity as typed (kept when the form comes back with an error)
    cartons: int | None


def product_rows(products: Iterable[Product], typed: Mapping[int, str]) -> list[ProductRow]:
    capacity = carton_capacity()
    paths = category_paths()
    rows = []
    for product in products:
        units = per_carton(product, capacity)
        text = typed.get(product.pk, "")
        quantity = int(text) if is_whole(text) else 0
        rows.append(
            ProductRow(
                product=product,
                category=paths.get(product.category_id or 0, ""),
                available=int(getattr(product, "available_stock", 0) or 0),
                is_kit=bool(getattr(product, "has_components", False)),
                per_carton=units,
                typed=text,
                cartons=cartons_for(quantity, units),
            )
        )
    return rows


def categories_of(rows: Iterable[ProductRow]) -> list[str]:
    return sorted({row.category for row in rows if row.category})


# --- typed quantities -> lines -------------------------------------------------------------------


def is_whole(text: str) -> bool:
    # ASCII digits only: "²".isdigit() is true but int("²") fails.
    return text.isascii() and text.isdigit() and len(text) <= 12


def typed_quantities(data: Mapping[str, str]) -> dict[str, str]:
    """The `qty-<product id>` inputs as sent (stripped), keyed by what follows the prefix."""
    return {
        key[len(QUANTITY_PREFIX) :]: str(value).strip()
        for key, value in data.items()
        if key.startswith(QUANTITY_PREFIX)
    }


def has_duplicate_quantities(data: Any) -> bool:
    """A product's quantity sent twice (`qty-5=1&qty-5=5`, or `qty-5` and `qty-05`): which one
    was meant cannot be known, so the form is refused rather than guessed."""
    keys = [key for key in data if str(key).startswith(QUANTITY_PREFIX)]
    getlist = getattr(data, "getlist", None)
    if getlist is not None and any(len(getlist(key)) > 1 for key in keys):
        return True
    ids = [key[len(QUANTITY_PREFIX) :] for key in keys]
    numbers = [int(key) for key in ids if is_whole(key)]
    return len(numbers) != len(set(numbers))


def typed_by_product(typed: Mapping[str, str]) -> dict[int, str]:
    return {int(key): value for key, value in typed.items() if is_whole(key)}


def quantities_of(lines: Iterable[OrderLine]) -> dict[int, str]:
    return {line.product_id: str(line.quantity) for line in lines}


def line_inputs(typed: Mapping[str, str], offered: Mapping[int, Product]) -> list[orders.LineInput]:
    """Order lines from the typed quantities: empty or 0 means "not ordered"; anything else
    must be a whole number. Products outside the table are read from the database so that the
    order service gives its own reason (no longer offered, a kit the portal does not offer);
    an id that names no product is refused here."""
    wanted: dict[int, int] = {}
    for key, text in typed.items():
        if not is_whole(key):
            raise StockError(gettext("Unknown product."))
        product_id = int(key)
        if text in ("", "0"):
            continue
        name = offered[product_id].name if product_id in offered else "#" + key
        if not is_whole(text):
            raise StockError(
                gettext("The quantity of “%(name)s” must be a whole number, 0 or more.")
                % {"name": name}
            )
        if int(text) > 0:
            wanted[product_id] = int(text)
    missing = [pk for pk in wanted if pk not in offered]
    others = Product.objects.in_bulk(missing) if missing else {}
    lines = []
    for product_id, quantity in wanted.items():
        product = offered.get(product_id) or others.get(product_id)
        if product is None:
            raise StockError(gettext("Unknown product."))
        lines.append(orders.LineInput(product, quantity))
    if not lines:
        raise StockError(gettext("Enter a quantity for at least one product."))
    return lines
