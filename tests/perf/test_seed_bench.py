"""`manage.py seed_bench` (issue 12): fills an empty database fast with data the application
keeps working on — ledger clean, computed columns as save() computes them, statuses as the
carton rule derives them, sequences past the seeded references — and never mixes with data
already there."""

from __future__ import annotations

import copy
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from bench.seeding import SCALES, seed
from tests import factories
from wms.models import (
    ApiKey,
    Carton,
    CartonItem,
    CartonStatus,
    Product,
    ProductCategory,
    ProductLot,
    ReferenceSequence,
    Shipment,
    ShipmentStatus,
    StockMovement,
)
from wms.roles import MANAGER_GROUP, WORKER_GROUP
from wms.services import packing, shipping
from wms.services.catalog import derive_product_fields
from wms.services.packing import type_letters_of
from wms.services.references import next_reference
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


def ledger_report() -> str:
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)  # exits 1 on any discrepancy
    return out.getvalue()


def test_the_command_seeds_prints_each_table_and_hands_over_logins_and_a_key(tmp_path: Path):
    credentials = tmp_path / "bench.json"
    out = io.StringIO()

    call_command(
        "seed_bench",
        "--scale=small",
        "--password=bench-secret",
        f"--credentials={credentials}",
        stdout=out,
    )

    text = out.getvalue()
    small = SCALES["small"]
    for table, count in [
        ("wms_product", small.products),
        ("wms_productlot", small.lots),
        ("wms_stockmovement", small.movements),
        ("wms_shipment", small.shipments),
    ]:
        line = next(line for line in text.splitlines() if line.strip().startswith(table + " "))
        assert re.fullmatch(rf"  {table} +{count:,} rows +[\d.]+ s", line)
    assert any(
        re.fullmatch(r"seed_bench: [\d,]+ rows in [\d.]+ s", line) for line in text.splitlines()
    )
    data = json.loads(credentials.read_text())
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert data["password"] == "bench-secret"
    assert f"api key (shown once): {data['api_key']}" in text
    assert Product.objects.count() == small.products
    assert ProductLot.objects.count() == small.lots
    assert StockMovement.objects.count() == small.movements
    assert Shipment.objects.count() == small.shipments
    assert "0 discrepancies" in ledger_report()

    # The logins work, in their roles, and the key reads and writes.
    worker = User.objects.get(username=data["worker"])
    manager = User.objects.get(username=data["manager"])
    assert set(worker.groups.values_list("name", flat=True)) == {WORKER_GROUP}
    assert set(manager.groups.values_list("name", flat=True)) == {MANAGER_GROUP}
    assert worker.check_password("bench-secret")
    assert manager.check_password("bench-secret")
    whoami = Client(HTTP_AUTHORIZATION=f"Api-Key {data['api_key']}").get("/api/v1/whoami/")
    assert whoami.status_code == 200
    assert whoami.json()["scopes"] == ["read", "write"]
    assert ApiKey.objects.get().secret_hash != data["api_key"]
    # The samples name real rows.
    assert Product.objects.filter(pk=data["samples"]["product_id"]).exists()
    assert Shipment.objects.filter(pk=data["samples"]["shipment_id"]).exists()


def test_a_random_password_is_printed_when_none_is_given():
    out = io.StringIO()
    call_command("seed_bench", "--scale=small", stdout=out)
    password = next(
        line.removeprefix("password: ")
        for line in out.getvalue().splitlines()
        if line.startswith("password: ")
    )
    assert len(password) >= 12
    assert User.objects.get(username="bench-worker").check_password(password)


def test_a_database_holding_products_is_refused_and_left_as_it_was():
    factories.ProductFactory(name="Produit réel")
    with pytest.raises(CommandError, match="already holds 1 products"):
        call_command("seed_bench", "--scale=small", stdout=io.StringIO())
    assert list(Product.objects.values_list("name", flat=True)) == ["Produit réel"]
    assert not User.objects.filter(username="bench-worker").exists()
    assert not ApiKey.objects.exists()


@pytest.fixture
def medium() -> None:
    seed(SCALES["medium"], seed=5, password="pw")


def test_medium_scale_counts_and_a_clean_ledger(medium):
    scale = SCALES["medium"]
    assert Product.objects.count() == scale.products
    assert ProductLot.objects.count() == scale.lots
    assert StockMovement.objects.count() == scale.movements
    assert Shipment.objects.count() == scale.shipments
    assert ledger_report().startswith(f"check_stock_ledger: {scale.lots} lots checked, 0 ")
    # Movements of every kind the warehouse makes, cartons with items.
    kinds = set(StockMovement.objects.values_list("movement_type", flat=True))
    assert {"in", "out", "adjust", "count", "precondition"} <= kinds
    assert CartonItem.objects.count() > Carton.objects.count()


def test_computed_columns_are_what_save_computes(medium):
    for product in Product.objects.order_by("?")[:200]:
        derived = copy.copy(product)
        derive_product_fields(derived)
        for name in ("name", "name_key", "sku", "gtin", "tva", "pu_ttc", "volume_cm3"):
            assert getattr(derived, name) == getattr(product, name), (product.sku, name)
    assert Product.objects.exclude(ean="").filter(gtin="").count() == 0
    for category in ProductCategory.objects.all():
        saved = ProductCategory.objects.get(pk=category.pk)
        saved.save()
        assert (saved.name_key, saved.level, saved.parent_marker) == (
            category.name_key,
            category.level,
            category.parent_marker,
        )


def test_shipments_span_three_years_in_every_status_as_the_carton_rule_says(medium):
    statuses = Counter(Shipment.objects.values_list("status", flat=True))
    assert set(statuses) == set(ShipmentStatus.values)
    dates = Shipment.objects.order_by("created_at").values_list("created_at", flat=True)
    assert (dates.last() - dates.first()).days > 2 * 365
    for shipment in Shipment.objects.filter(status__in=shipping.DERIVED):
        assert shipping.derived_status(shipment) == shipment.status, shipment.reference
    for shipment in Shipment.objects.filter(status__in=["shipped", "delivered"])[:100]:
        assert set(shipment.cartons.values_list("status", flat=True)) <= {CartonStatus.SHIPPED}
        assert shipment.status_changes.last().to_status == shipment.status
    # References: YYNNNN, numbered in creation order within each year.
    for shipment in Shipment.objects.all()[:50]:
        assert shipment.reference[:2] == f"{shipment.created_at:%y}"
        assert len(shipment.reference) == 6


def test_carton_codes_carry_their_dominant_type_and_day(medium):
    letters = {type_letters_of(root.name) for root in ProductCategory.objects.filter(level=1)}
    for carton in Carton.objects.prefetch_related("items")[:300]:
        prefix, suffix = carton.code.split("-", 1)
        assert suffix == carton.code_suffix
        assert suffix.startswith(f"{carton.created_on:%Y%m%d}-")
        assert prefix in letters or (prefix == "XX" and not carton.items.all())
    # A carton's items and the ledger rows that filled it agree.
    for item in CartonItem.objects.select_related("carton")[:300]:
        taken = StockMovement.objects.filter(carton=item.carton, lot=item.lot_id)
        assert -sum(taken.values_list("delta", flat=True)) == item.quantity


def test_the_application_carries_on_after_the_seeded_references(medium):
    """New cartons and shipments take numbers after the seeded ones: no collision."""
    worker = User.objects.get(username="bench-worker")
    seeded_today = Carton.objects.filter(created_on=next_reference_day()).count()
    with transaction.atomic():
        carton = packing.create_carton(actor=Actor(user=worker))
    assert carton.code_suffix.endswith(f"-{seeded_today + 1}")
    year = str(next_reference_day().year)
    last = ReferenceSequence.objects.get(kind="shipment", scope=year).last_value
    reference = next_reference("shipment")
    assert reference.endswith(f"{last + 1:04d}")
    assert not Shipment.objects.filter(reference=reference).exists()


def next_reference_day():
    from django.utils import timezone

    return timezone.localdate()


def test_make_bench_passes_a_generated_password_that_starts_with_a_dash(tmp_path, monkeypatch):
    # token_urlsafe may start with "-": given as a separate argument, argparse took it for an
    # option and `make bench` stopped ("argument --password: expected one argument").
    from bench import run as bench_run
    from wms.management.commands.seed_bench import Command

    monkeypatch.setattr(bench_run.secrets, "token_urlsafe", lambda _n: "-Dyhni-leading-dash")
    calls: list[tuple[str, ...]] = []

    class RecordingRun:
        db = bench_run.Database("sqlite", "small")

        def manage(self, *args: str, **_kwargs: object) -> str:
            calls.append(args)
            return ""

    monkeypatch.setattr(bench_run.Database, "marker", property(lambda _db: tmp_path / "m.json"))
    bench_run.seed(RecordingRun(), "small")  # type: ignore[arg-type]

    seed_call = next(args for args in calls if args[0] == "seed_bench")
    options = Command().create_parser("manage.py", "seed_bench").parse_args(seed_call[1:])
    assert options.password == "-Dyhni-leading-dash"
    assert options.scale == "small"
