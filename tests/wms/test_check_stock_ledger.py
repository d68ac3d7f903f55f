"""`manage.py check_stock_ledger`: Σ ledger delta == on_hand for every lot (S-STOCK)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from project.logging import JsonFormatter
from wms.models import Location, Product, ProductLot, Warehouse
from wms.services import receiving, stock
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def places() -> tuple[Location, Location]:
    warehouse = Warehouse.objects.create(name="Stock Roissy", code="ROI")
    return (
        Location.objects.create(warehouse=warehouse, zone="A", aisle="01", shelf="1"),
        Location.objects.create(warehouse=warehouse, zone="B", aisle="01", shelf="1"),
    )


@pytest.fixture
def stock_log() -> Iterator[io.StringIO]:
    """The JSON lines of the `wms.stock` logger (it does not propagate to the root logger, so
    pytest's caplog would not see them)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("wms.stock")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def ledger_check_entries(stream: io.StringIO) -> list[dict[str, object]]:
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [entry for entry in entries if entry.get("event") == "ledger_check"]


def run_check() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check_stock_ledger", stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()


def make_history(places: tuple[Location, Location], manager_user: object) -> list[ProductLot]:
    here, there = places
    gel = Product.objects.create(sku="GEL-1", name="Gel Hydro-Alcoolique 100ml")
    masks = Product.objects.create(sku="MSK-1", name="Masques FFP2", default_location=here)
    lots = receiving.receive_all(
        receiving.create_receipt(
            lines=[
                dict(product=gel, quantity=40, lot_code="G1", location=here),
                dict(
                    product=gel,
                    quantity=10,
                    lot_code="G2",
                    location=here,
                    expires_on=timezone.localdate() + dt.timedelta(days=90),
                ),
            ]
        )
    )
    lots.append(receiving.quick_entry(product=masks, quantity=25, lot_code="M1"))
    stock.remove(product=gel, quantity=12)
    stock.transfer(lot=lots[0], quantity=5, to_location=there)
    lots[2].refresh_from_db()
    stock.count(lot=lots[2], counted=23, seen_on_hand=25)
    stock.adjust(lot=lots[2], delta=2, reason_code="found")
    stock.hold(lot=lots[1], actor=Actor(user=manager_user))
    return lots


def test_it_exits_0_on_stock_made_through_the_services(places, manager, stock_log):
    make_history(places, manager)

    code, out = run_check()

    assert code == 0
    lots = ProductLot.objects.count()
    assert lots == 4  # three received + the one the transfer created
    assert out.strip() == f"check_stock_ledger: {lots} lots checked, 0 discrepancies"
    [entry] = ledger_check_entries(stock_log)
    assert entry["lots"] == lots and entry["discrepancies"] == 0
    assert entry["logger"] == "wms.stock" and entry["level"] == "INFO"


def test_it_exits_0_with_no_lots_at_all():
    code, out = run_check()

    assert code == 0
    assert "0 lots checked, 0 discrepancies" in out


def test_it_exits_1_and_names_the_lot_changed_behind_the_ledger(places, manager, stock_log):
    lots = make_history(places, manager)
    tampered = lots[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wms_productlot SET quantity_on_hand = 99 WHERE id = %s", [tampered.pk]
        )

    code, out = run_check()

    assert code == 1
    summary, *details = out.strip().splitlines()
    assert summary == "check_stock_ledger: 4 lots checked, 1 discrepancies"
    assert details == [
        f"lot {tampered.pk} · SKU MSK-1 · lot « M1 » · en stock 99 · registre 25 · écart de +74"
    ]
    [entry] = ledger_check_entries(stock_log)
    assert entry["discrepancies"] == 1 and entry["lot_ids"] == [tampered.pk]
    assert entry["level"] == "ERROR"


def test_it_reports_a_lot_with_stock_but_no_movement(places):
    # A lot written outside the services: what a bad data import would leave behind.
    product = Product.objects.create(sku="ORPHAN-1", name="Compresses Stériles")
    orphan = ProductLot.objects.create(
        product=product,
        lot_code="X9",
        received_on=timezone.localdate(),
        quantity_on_hand=7,
        location=places[0],
    )
    empty = ProductLot.objects.create(
        product=product, received_on=timezone.localdate(), location=places[0]
    )

    code, out = run_check()

    assert code == 1
    assert f"lot {orphan.pk} · SKU ORPHAN-1" in out
    assert "aucun mouvement au registre" in out
    assert f"lot {empty.pk} " not in out  # nothing on hand, nothing moved: consistent
    assert "2 lots checked, 1 discrepancies" in out


def test_it_reports_reserved_above_on_hand(places):
    lot = receiving.quick_entry(
        product=Product.objects.create(
            sku="RES-1", name="Gants Nitrile", default_location=places[0]
        ),
        quantity=5,
    )
    # The CHECK constraint forbids it; a database restored without its constraints would not.
    off, on = (
        ("PRAGMA ignore_check_constraints = ON", "PRAGMA ignore_check_constraints = OFF")
        if connection.vendor == "sqlite"
        else (
            "SET SESSION check_constraint_checks = OFF",
            "SET SESSION check_constraint_checks = ON",
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(off)
        try:
            cursor.execute(
                "UPDATE wms_productlot SET quantity_reserved = 8 WHERE id = %s", [lot.pk]
            )
        finally:
            cursor.execute(on)

    code, out = run_check()

    assert code == 1
    assert f"lot {lot.pk} · SKU RES-1" in out
    assert "réservé (8) supérieur au stock" in out


def test_it_checks_every_lot_in_a_constant_number_of_queries(
    places, manager, django_assert_max_num_queries
):
    make_history(places, manager)
    for index in range(10):
        receiving.quick_entry(
            product=Product.objects.create(
                sku=f"MANY-{index}", name=f"Produit {index}", default_location=places[1]
            ),
            quantity=index + 1,
        )

    with django_assert_max_num_queries(2):
        code, out = run_check()

    assert code == 0
    assert "14 lots checked, 0 discrepancies" in out
