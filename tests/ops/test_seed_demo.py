"""`seed_demo` (make run): French demo data received through the services, and demo logins in
both roles; DEBUG only, password printed, idempotent."""

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from wms.gtin import is_gtin, normalize_gtin
from wms.models import (
    Contact,
    ContactAddress,
    ContactKind,
    ContactRole,
    Location,
    LotStatus,
    MovementType,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductLot,
    ProductTag,
    RackColor,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptType,
    ReferenceSequence,
    StockMovement,
    Warehouse,
)

pytestmark = pytest.mark.django_db


def test_it_refuses_to_run_with_debug_off():
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo")


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1")
def test_it_creates_a_worker_and_a_manager_with_the_printed_password(capsys, rf):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: a second run neither fails nor duplicates
    printed = capsys.readouterr().out
    assert "magasinier / responsable" in printed
    assert "demo-pass-from-env-1" in printed
    worker = authenticate(rf.post("/"), username="magasinier", password="demo-pass-from-env-1")
    manager = authenticate(rf.post("/"), username="responsable", password="demo-pass-from-env-1")
    assert worker is not None and manager is not None
    assert list(worker.groups.values_list("name", flat=True)) == ["Worker"]
    assert list(manager.groups.values_list("name", flat=True)) == ["Manager"]
    assert manager.is_staff and not worker.is_staff


@override_settings(DEBUG=True, DEMO_PASSWORD="")
def test_without_a_configured_password_it_generates_one(capsys):
    call_command("seed_demo")
    password = capsys.readouterr().out.rsplit("password: ", 1)[1].strip()
    assert len(password) >= 12


# --- demo data ------------------------------------------------------------------------------

DEMO_TABLES = (
    ProductCategory,
    ProductTag,
    Product,
    ProductKitItem,
    Warehouse,
    Location,
    RackColor,
    Contact,
    ContactAddress,
    Receipt,
    ReceiptLine,
    ProductLot,
    StockMovement,
    ReferenceSequence,
    User,
)


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in DEMO_TABLES}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def ledger_exit_code() -> int:
    try:
        call_command("check_stock_ledger", stdout=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def seeded() -> str:
    with override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1"):
        return seed()


def test_it_creates_a_french_catalogue_with_valid_gtins(seeded):
    assert Product.objects.count() >= 50
    for product in Product.objects.all():
        assert is_gtin(product.ean), product.name
        assert product.gtin == normalize_gtin(product.ean)
        assert product.ean.startswith("376")
        assert product.brand and product.weight_g and product.length_cm
        assert product.volume_cm3 == int(product.length_cm * product.width_cm * product.height_cm)
    assert Product.objects.filter(perishable=True).count() >= 10
    assert Product.objects.filter(quarantine_default=True).count() == 1
    roots = ProductCategory.objects.filter(parent=None).values_list("name", flat=True)
    assert {"MÉDICAL", "HYGIÈNE", "LOGISTIQUE"} <= set(roots)
    assert ProductCategory.objects.filter(level=3).exists()
    [kit] = Product.objects.filter(kit_items__isnull=False).distinct()
    assert 2 <= kit.kit_items.count() <= 3
    assert not kit.lots.exists()  # a kit holds no stock of its own


def test_its_names_already_follow_the_name_rules(seeded):
    out = io.StringIO()
    call_command("normalize_wms_text", "--dry-run", stdout=out)

    assert "produits: 0 à corriger" in out.getvalue()
    assert "catégories: 0 à corriger" in out.getvalue()
    assert "emplacements: 0 à corriger" in out.getvalue()


def test_it_creates_the_receiving_and_a_storage_warehouse_with_locations(seeded):
    assert Warehouse.objects.get(code="REC").name == "Réception CDG"
    assert Warehouse.receiving() == Warehouse.objects.get(code="REC")
    assert Warehouse.objects.filter(name="Stock Roissy").exists()
    assert Location.objects.count() >= 12
    assert RackColor.objects.count() >= 4


def test_it_creates_contacts_of_every_role_each_with_one_default_address(seeded):
    for role in ContactRole.values:
        assert Contact.objects.filter(**{f"is_{role}": True}).exists(), role
    assert Contact.objects.get(name="Aviation Sans Frontières").is_shipper
    assert Contact.objects.filter(kind=ContactKind.PERSON).exists()
    for contact in Contact.objects.all():
        assert contact.addresses.filter(default_marker=True).count() == 1, contact.name
        assert contact.asf_id


def test_its_stock_comes_from_receipts_of_every_type(seeded):
    received = set(Receipt.objects.values_list("receipt_type", flat=True))
    assert received == set(ReceiptType.values)
    assert not Receipt.objects.exclude(status=ReceiptStatus.RECEIVED).exists()
    first_movements = StockMovement.objects.filter(movement_type=MovementType.IN)
    # Every lot was either received (an `in` movement from a receipt) or made by a transfer.
    for lot in ProductLot.objects.all():
        assert lot.source_receipt_id is not None
        assert lot.movements.exists()
    assert first_movements.filter(receipt__isnull=True).count() == 0


def test_it_has_one_past_expiry_lot_one_quarantined_lot_and_a_ledger_history(seeded):
    today = timezone.localdate()
    assert ProductLot.objects.filter(expires_on__lt=today, quantity_on_hand__gt=0).count() == 1
    assert ProductLot.objects.filter(status=LotStatus.QUARANTINED).count() == 1
    assert ProductLot.objects.filter(expires_on__gte=today).count() >= 20
    kinds = set(StockMovement.objects.values_list("movement_type", flat=True))
    assert {"in", "out", "transfer", "count", "adjust"} <= kinds


def test_check_stock_ledger_passes_right_after(seeded):
    assert ledger_exit_code() == 0


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1")
def test_running_it_twice_creates_nothing_new():
    first = seed()
    counts = table_counts()

    second = seed()

    assert table_counts() == counts
    assert "Stock de démonstration reçu." in first
    assert "Données de démonstration ajoutées : rien (déjà présentes)." in second
    assert "aucune réception ajoutée" in second
    assert second.rstrip().endswith("password: demo-pass-from-env-1")
    assert ledger_exit_code() == 0


@override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1")
def test_it_prints_what_it_created(capsys):
    call_command("seed_demo")

    out = capsys.readouterr().out
    summary = out.splitlines()[0]
    assert summary.startswith("Données de démonstration ajoutées : ")
    assert f"{Product.objects.count()} produits" in summary
    assert f"{ProductLot.objects.count()} lots" in summary
    assert f"{Receipt.objects.count()} réceptions" in summary
