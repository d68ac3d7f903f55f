"""The scan screens the accessibility and screenshot tests visit, and a stocked product."""

from __future__ import annotations

from typing import Any

from tests.factories import LocationFactory, ProductFactory
from wms.services import stock as stock_service

# name -> path; "{product}" is replaced by the stocked product's primary key.
SCREENS = {
    "home": "/scan/",
    "stock": "/scan/stock/",
    "product": "/scan/product/{product}/",
    "quick-entry": "/scan/stock-update/",
    "receive": "/scan/receive/",
    "pallet-receipt": "/scan/receive-pallet/",
    "remove": "/scan/out/",
    "move": "/scan/move/",
    "count": "/scan/count/",
    "outbox": "/scan/outbox/",
    "pack": "/scan/pack/",
    "cartons": "/scan/cartons/",
    "shipments": "/scan/shipments-ready/",
    "new-shipment": "/scan/shipment/",
    "labels": "/scan/labels/",
}


def stocked_product() -> Any:
    """A product with one lot in stock, so the stock and detail screens show real rows."""
    product = ProductFactory(
        sku="ASF-A11Y-0001", name="Compresses stériles", default_location=LocationFactory()
    )
    stock_service.receive(product=product, quantity=12, lot_code="L-A11Y")
    return product


def visit(page: Any, base_url: str, name: str, product: Any) -> None:
    url = base_url + SCREENS[name].format(product=product.pk)
    response = page.goto(url)
    # A redirect (login) or an error page would be checked instead of the screen itself.
    assert response is not None and response.ok, f"{name}: HTTP {response and response.status}"
    assert page.url == url, f"{name}: landed on {page.url}"
    page.wait_for_load_state("networkidle")
