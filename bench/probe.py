"""The Django side of a benchmark run, in its own process (`python -m bench.probe ACTION`) with
DJANGO_SETTINGS_MODULE=bench.settings and the run's database: bench.run itself never imports
Django, so one run can measure SQLite and MariaDB one after the other.

Actions (each prints one JSON object on stdout):

- `prepare --credentials FILE`: the paths of the requests, built from the samples and logins
  `seed_bench --credentials` wrote, and the counts of the seeded data;
- `queries --credentials FILE`: the number of SQL queries of each request, measured with
  Django's test client and CaptureQueriesContext against the same database (after one warm-up
  request);
- `enqueue N`: N emails queued through Django's mail API (what every part of the product uses).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import uuid
from typing import Any
from urllib.parse import urlencode

API_KEY_HEADER = "Authorization"


def setup() -> None:
    import django

    django.setup()


def read_credentials(path: str) -> dict[str, Any]:
    """What `seed_bench --credentials` wrote: the logins, the API key and the sample ids."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def scale() -> dict[str, int]:
    from wms.models import (
        Carton,
        Product,
        ProductLot,
        Receipt,
        Shipment,
        StockMovement,
    )

    return {
        "products": Product.objects.count(),
        "lots": ProductLot.objects.count(),
        "movements": StockMovement.objects.count(),
        "receipts": Receipt.objects.count(),
        "shipments": Shipment.objects.count(),
        "cartons": Carton.objects.count(),
    }


def targets(credentials: dict[str, Any]) -> dict[str, Any]:
    """What the requests are about: the samples seed_bench picked (a product in stock with
    several lots, a shipment with cartons, a search word, a location)."""
    from django.urls import reverse

    samples = credentials["samples"]
    if not samples.get("product_id") or not samples.get("shipment_id"):
        raise SystemExit(f"bench.probe: the seeding gave no sample product or shipment: {samples}")
    return {
        "paths": {
            "floor": reverse("bench_floor"),
            "scan_stock_search": f"{reverse('scan:stock')}?{urlencode({'q': samples['search']})}",
            "product_detail": reverse("scan:product_detail", args=[samples["product_id"]]),
            "capture_receive": reverse("scan:stock_update"),
            "capture_remove": reverse("scan:out"),
            "cartons_list": reverse("scan:cartons"),
            "shipment_detail": reverse("scan:shipment_detail", args=[samples["shipment_id"]]),
            "api_products": reverse("api:product-list"),
            "api_products_page": f"{reverse('api:product-list')}?page=1",
            "api_lots": reverse("api:lot-list"),
            "catalog": reverse("scan:catalog"),
            "login": reverse("scan:login"),
            "scan_home": reverse("scan:home"),
        },
        "capture": {
            "product_code": samples["product_sku"],
            "location": samples["location_id"],
            # Every receipt is in date whether the product is perishable or not.
            "expires_on": (dt.date.today() + dt.timedelta(days=3 * 365)).isoformat(),
        },
    }


def prepare(credentials: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": credentials["worker"],
        "password": credentials["password"],
        "api_key": credentials["api_key"],
        "scale": scale(),
        **targets(credentials),
    }


def capture_bodies(capture: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The two capture POSTs the load alternates: receive one unit, remove one unit."""
    return {
        "capture_receive": {
            "product_code": capture["product_code"],
            "quantity": 1,
            "expires_on": capture["expires_on"],
            "location": capture["location"],
        },
        "capture_remove": {
            "product_code": capture["product_code"],
            "quantity": 1,
            "reason": "scan_out",
        },
    }


def queries(credentials: dict[str, Any]) -> dict[str, int]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    info = targets(credentials)
    paths = info["paths"]
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(User.objects.get(username=credentials["worker"]))
    api = Client(
        HTTP_HOST="127.0.0.1", headers={API_KEY_HEADER: f"Api-Key {credentials['api_key']}"}
    )
    bodies = capture_bodies(info["capture"])

    def get(client: Client, path: str) -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"bench.probe: GET {path} answered {response.status_code}")
        return response

    def post(name: str) -> Any:
        body = {**bodies[name], "op_id": str(uuid.uuid4())}
        response = browser.post(paths[name], body, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise SystemExit(
                f"bench.probe: POST {paths[name]} answered {response.status_code}: "
                f"{response.content[:300]!r}"
            )
        return response

    def count(call: Any) -> int:
        call()  # warm-up: content types, permissions cache, lazy imports
        with CaptureQueriesContext(connection) as captured:
            call()
        return len(captured.captured_queries)

    counts = {
        "floor": count(lambda: get(browser, paths["floor"])),
        "scan_stock_search": count(lambda: get(browser, paths["scan_stock_search"])),
        "product_detail": count(lambda: get(browser, paths["product_detail"])),
        # The larger of the two captures the load alternates.
        "capture_post": max(
            count(lambda: post("capture_receive")), count(lambda: post("capture_remove"))
        ),
        "cartons_list": count(lambda: get(browser, paths["cartons_list"])),
        "shipment_detail": count(lambda: get(browser, paths["shipment_detail"])),
        "api_products": count(lambda: get(api, paths["api_products"])),
        "api_products_page": count(lambda: get(api, paths["api_products_page"])),
        "api_lots": count(lambda: get(api, paths["api_lots"])),
    }
    return counts


def enqueue(number: int) -> dict[str, Any]:
    from django.core.mail import EmailMessage, get_connection

    messages = [
        EmailMessage(
            subject=f"Bench {index}",
            body=f"Message {index} of the queue benchmark.",
            to=[f"bench{index}@example.org"],
        )
        for index in range(number)
    ]
    queued = get_connection().send_messages(messages)
    return {"queued": queued}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.probe")
    sub = parser.add_subparsers(dest="action", required=True)
    for action in ("prepare", "queries"):
        sub.add_parser(action).add_argument("--credentials", required=True)
    e = sub.add_parser("enqueue")
    e.add_argument("number", type=int)
    args = parser.parse_args(argv)
    setup()
    if args.action == "prepare":
        result: dict[str, Any] = prepare(read_credentials(args.credentials))
    elif args.action == "queries":
        result = queries(read_credentials(args.credentials))
    else:
        result = enqueue(args.number)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
