"""The stock side of the take-over on the earlier system's sample: receipts, lots, cartons and
the journal (signed deltas, one `migration` row per lot whose old movements do not add up)."""

from __future__ import annotations

import io
import sqlite3
from collections import defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum

from tests.legacy.conftest import SAMPLE
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.report import Report
from wms.imports.legacy.runner import STEPS, take_over
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    MovementType,
    ProductCategory,
    ProductLot,
    Receipt,
    ReceiptLine,
    ReceiptOutOfFormatLine,
    StockMovement,
)

pytestmark = pytest.mark.django_db

LEDGER_STEP = "journal de stock"
# SCHEMA.md section 2: the three lots whose movements do not give their on-hand.
EXPECTED_GAPS = {8: 20, 13: 3, 15: 60}


def sample(sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{SAMPLE}?mode=ro", uri=True) as connection:
        return list(connection.execute(sql))


def run_until_ledger(source: LegacySource) -> TakeOver:
    """Steps 1 to 8 of the take-over (everything the stock steps rely on, and themselves)."""
    ctx = TakeOver(source=source, report=Report())
    with imported_timestamps():
        for name, step in STEPS:
            step(ctx)
            if name == LEDGER_STEP:
                break
    return ctx


@pytest.fixture
def ctx(legacy_sample: LegacySource) -> TakeOver:
    return run_until_ledger(legacy_sample)


def test_counts_per_table_with_every_difference_explained(ctx: TakeOver) -> None:
    counts = ctx.report.counts
    same = (
        "wms_warehouse",
        "wms_location",
        "wms_rackcolor",
        "wms_producttag",
        "wms_product",
        "wms_product_tags",
        "wms_productkititem",
        "wms_receipt",
        "wms_receipthorsformat",
        "wms_receiptline",
        "wms_productlot",
        "wms_cartonformat",
        "wms_carton",
        "wms_cartonitem",
    )
    for table in same:
        assert counts[table].old == ctx.source.count(table) > 0, table
        assert counts[table].new == counts[table].old, table
    assert (counts["wms_productcategory"].old, counts["wms_productcategory"].new) == (29, 28)
    assert counts["wms_productcategory"].explanations
    # 78 legacy rows; the 7 transfers become two rows each; 3 migration rows.
    assert (counts["wms_stockmovement"].old, counts["wms_stockmovement"].new) == (78, 88)
    assert len(counts["wms_stockmovement"].explanations) == 2
    assert StockMovement.objects.count() == 88
    assert ReceiptOutOfFormatLine.objects.count() == 3 and CartonFormat.objects.count() == 3
    assert ctx.report.unexplained == []


def test_the_two_hygiene_roots_are_one_category(ctx: TakeOver) -> None:
    hygiene = ProductCategory.objects.get(parent=None, name="HYGIENE")
    assert ctx.new_id("wms_productcategory", 29) == hygiene.pk
    assert ProductCategory.objects.filter(name_key="hygiene").count() == 1


def test_every_lot_keeps_its_on_hand_and_its_journal_adds_up_to_it(ctx: TakeOver) -> None:
    legacy = {
        row[0]: row[1:] for row in sample("SELECT id, quantity_on_hand, status FROM wms_productlot")
    }
    assert ProductLot.objects.count() == len(legacy) == 40
    sums = dict(
        StockMovement.objects.values("lot").annotate(total=Sum("delta")).values_list("lot", "total")
    )
    for old_id, (on_hand, status) in legacy.items():
        lot = ProductLot.objects.get(pk=ctx.new_id("wms_productlot", old_id))
        assert (lot.quantity_on_hand, lot.status) == (on_hand, status), old_id
        assert sums.get(lot.pk, 0) == on_hand, old_id
    # Opening stock has no reception date in the earlier base: dated by its first movement.
    opening = ProductLot.objects.get(pk=ctx.new_id("wms_productlot", 1))
    assert opening.received_on.isoformat() == "2025-09-03"


def test_exactly_three_migration_rows_close_the_known_gaps(ctx: TakeOver) -> None:
    migrations = StockMovement.objects.filter(movement_type=MovementType.MIGRATION)
    new_to_old = {new: old for old, new in ctx.ids["wms_productlot"].items()}
    assert {new_to_old[m.lot_id]: m.delta for m in migrations} == EXPECTED_GAPS
    gaps = ctx.report.anomalies["Écarts du journal de stock"]
    assert len(gaps) == 3
    assert gaps[0].startswith("lot 8 ") and "MED-BAN-010" in gaps[0] and "[49]" in gaps[0]
    assert "ME-20251008-2" in gaps[0] and "en stock 74" in gaps[0] and "journal 54" in gaps[0]
    assert gaps[1].startswith("lot 13 ") and "admin" in gaps[1]
    assert gaps[2].startswith("lot 15 ") and "[45, 48]" in gaps[2]


def test_movements_are_signed_and_transfers_are_two_rows(ctx: TakeOver) -> None:
    legacy = {row[0]: row[1:] for row in sample("SELECT id, movement_type FROM wms_stockmovement")}
    kinds = defaultdict(list)
    for movement in StockMovement.objects.exclude(movement_type=MovementType.MIGRATION):
        kinds[movement.movement_type].append(movement.delta)
    assert all(d > 0 for d in kinds["in"] + kinds["unpack"]) and len(kinds["in"]) == 39
    assert all(d < 0 for d in kinds["precondition"] + kinds["out"])
    assert sorted(kinds["adjust"]) == [-5, -2, 10, 12]  # casse, perte / inventaire ×2
    assert len(kinds["transfer"]) == 2 * sum(1 for k in legacy.values() if k == ("transfer",))
    assert sum(kinds["transfer"]) == 0
    # Legacy transfer 18: lot 15 (300 units) from QUAI-A-1 to A-01-1.
    lot = ctx.new_id("wms_productlot", 15)
    pair = StockMovement.objects.filter(lot=lot, movement_type="transfer").order_by("id")
    assert [m.delta for m in pair] == [-300, 300]
    assert pair[0].operation_id is not None and pair[0].operation_id == pair[1].operation_id
    assert {(m.from_location.code, m.to_location.code) for m in pair} == {("QUAI-A-1", "A-01-1")}
    first_in = StockMovement.objects.get(lot=lot, movement_type="in")
    assert first_in.receipt is not None and first_in.receipt.reference == "25-01-PHA-01"
    assert first_in.created_at.isoformat().startswith("2025-09-09T08:02:17")
    assert first_in.user is not None and first_in.user.username == "jdupont"


def test_carton_contents_and_codes_are_those_of_the_source(ctx: TakeOver) -> None:
    legacy = sorted(
        sample(
            "SELECT c.code, i.product_lot_id, i.quantity FROM wms_cartonitem i "
            "JOIN wms_carton c ON c.id = i.carton_id"
        )
    )
    new_to_old = {new: old for old, new in ctx.ids["wms_productlot"].items()}
    ours = sorted(
        (item.carton.code, new_to_old[item.lot_id], item.quantity)
        for item in CartonItem.objects.select_related("carton")
    )
    assert ours == legacy
    typed = Carton.objects.get(code="URG-HAITI-01")
    assert typed.code_suffix == "URG-HAITI-01" and typed.status == "packed"
    generated = Carton.objects.get(code="ME-20251008-1")
    assert generated.code_suffix == "20251008-1"
    assert generated.created_on.isoformat() == "2025-10-08"
    assert generated.status == "shipped" and generated.packed_at is not None
    assert generated.length_cm == 60 and generated.carton_format is not None
    assert generated.carton_format.name == "Carton standard 60x40x40"
    assert CartonFormat.objects.get(is_default=True).default_marker is True
    for code, reference in sample(
        "SELECT c.code, s.reference FROM wms_carton c JOIN wms_shipment s ON s.id = c.shipment_id"
    ):
        carton = Carton.objects.get(code=code)
        assert carton.shipment is not None and carton.shipment.reference == reference, code
    assert Carton.objects.filter(shipment__isnull=False).count() == 14


def test_receipts_keep_their_references_and_lines(ctx: TakeOver) -> None:
    references = [row[0] for row in sample("SELECT reference FROM wms_receipt ORDER BY id")]
    assert list(Receipt.objects.order_by("id").values_list("reference", flat=True)) == references
    typed = Receipt.objects.get(reference="REPRISE-2024-017")
    assert typed.status == "received" and typed.lots.count() == 2
    pallet = Receipt.objects.get(reference="25-02-CLI-01")
    assert (pallet.pallet_count, pallet.carton_count, pallet.out_of_format_count) == (2, 0, 0)
    assert pallet.transport_request_date is not None
    association = Receipt.objects.get(reference="25-04-SAN-01")
    assert association.out_of_format_lines.count() == 2 and association.carton_count == 6
    received = ReceiptLine.objects.filter(received_lot__isnull=False)
    assert received.count() == 25
    for line in received.select_related("received_lot"):
        assert line.received_lot is not None and line.received_lot.product_id == line.product_id


def test_after_the_whole_take_over_the_ledger_check_is_clean(
    legacy_sample: LegacySource,
) -> None:
    take_over(source=legacy_sample)
    out = io.StringIO()
    call_command("check_stock_ledger", stdout=out)  # exits 1 (SystemExit) on any discrepancy
    assert "40 lots checked, 0 discrepancies" in out.getvalue()
