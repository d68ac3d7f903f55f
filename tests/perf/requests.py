"""The requests the benchmark measures (issue 12), as test-client calls, for the query-count
gates: each answers its expected status, and `count_queries` tells how many queries it ran."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.seeding import SeedReport
from wms.models import Carton, Product, ProductLot, Shipment


@dataclass(frozen=True)
class Target:
    """What the requests are about: a product with lots in stock and a shipment with cartons.

    The small scale takes the smallest ones and the medium scale the largest, so that a query
    per lot or per carton shows as a difference between the two."""

    product_id: int
    sku: str
    search: str
    shipment_id: int
    lots: int
    cartons: int


def _count_by(values: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def pick_target(report: SeedReport, *, largest: bool) -> Target:
    pick = max if largest else min
    lots = _count_by(
        list(ProductLot.objects.filter(quantity_on_hand__gt=5).values_list("product_id", flat=True))
    )
    product_id = pick(lots, key=lambda pk: (lots[pk], -pk))
    cartons = _count_by(
        list(Carton.objects.filter(shipment__isnull=False).values_list("shipment_id", flat=True))
    )
    shipment_id = pick(cartons, key=lambda pk: (cartons[pk], -pk))
    assert Shipment.objects.filter(pk=shipment_id).exists()
    sku = Product.objects.get(pk=product_id).sku
    return Target(
        product_id,
        sku,
        report.samples["search"],
        shipment_id,
        lots[product_id],
        cartons[shipment_id],
    )


@dataclass(frozen=True)
class Measured:
    name: str
    call: Callable[[Client, Client, Target], Any]
    status: int = 200


def _receive(scan: Client, api: Client, target: Target) -> Any:
    # An expiry date: a perishable product refuses a receipt without one.
    expires = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    return scan.post(
        "/scan/stock-update/",
        {
            "op_id": str(uuid.uuid4()),
            "product_code": target.sku,
            "quantity": "1",
            "expires_on": expires,
        },
    )


def _remove(scan: Client, api: Client, target: Target) -> Any:
    return scan.post(
        "/scan/out/",
        {
            "op_id": str(uuid.uuid4()),
            "product_code": target.sku,
            "quantity": "1",
            "reason": "scan_out",
        },
    )


REQUESTS = [
    Measured("scan_stock_search", lambda s, a, t: s.get("/scan/stock/", {"q": t.search})),
    Measured("product_detail", lambda s, a, t: s.get(f"/scan/product/{t.product_id}/")),
    # A capture answers 303 to a plain form post (then the screen is shown again).
    Measured("capture_post_receive", _receive, 303),
    Measured("capture_post_remove", _remove, 303),
    Measured("cartons_list", lambda s, a, t: s.get("/scan/cartons/")),
    Measured("shipment_detail", lambda s, a, t: s.get(f"/scan/shipment/{t.shipment_id}/")),
    Measured("api_products", lambda s, a, t: a.get("/api/v1/products/")),
    Measured("api_products_page", lambda s, a, t: a.get("/api/v1/products/", {"page": 1})),
    Measured("api_lots", lambda s, a, t: a.get("/api/v1/lots/")),
]


def count_queries(measured: Measured, scan: Client, api: Client, target: Target) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = measured.call(scan, api, target)
    assert response.status_code == measured.status, (
        measured.name,
        response.status_code,
        response.content[:500],
    )
    return len(captured)


def clients(report: SeedReport) -> tuple[Client, Client]:
    from django.contrib.auth.models import User

    scan = Client()
    scan.force_login(User.objects.get(username=report.worker_username))
    api = Client(HTTP_AUTHORIZATION=f"Api-Key {report.api_key}")
    return scan, api
