"""What the stock steps do with data the sample does not have but real installations may: a
repeated receipt reference, an invalid EAN, a colour nobody can read, a second default carton
format, a kit with stock, a transfer with no quantity. A copy of the sample is altered for each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.legacy.conftest import altered_sample
from wms.imports.legacy import catalog, ledger, stock
from wms.imports.legacy.catalog import rack_colour
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import CartonFormat, Product, RackColor, Receipt, StockMovement

pytestmark = pytest.mark.django_db

ALTERATIONS = [
    # A receipt typed again with the reference of the first one (the earlier base allowed it).
    "UPDATE wms_receipt SET reference = '25-01-PHA-01' WHERE id = 11",
    # A check digit typed wrong, and a code too long for any GTIN column.
    "UPDATE wms_product SET ean = '4049500123458' WHERE id = 2",
    "UPDATE wms_product SET ean = '40495001234570000001' WHERE id = 5",
    "UPDATE wms_rackcolor SET color = 'pourpre' WHERE id = 7",
    "UPDATE wms_cartonformat SET is_default = 1",
    # Stock put on a kit by hand, and a transfer row with no quantity.
    "UPDATE wms_productlot SET product_id = 58 WHERE id = 13",
    "UPDATE wms_stockmovement SET quantity = 0 WHERE id = 77",
]


@pytest.fixture
def altered(tmp_path: Path, db: None) -> Iterator[LegacySource]:
    source = altered_sample(tmp_path, ALTERATIONS)
    try:
        yield source
    finally:
        source.close()


def test_each_unusual_value_is_folded_or_corrected_and_reported(altered: LegacySource) -> None:
    ctx = TakeOver(source=altered)
    with imported_timestamps():
        catalog.import_catalog(ctx)
        stock.import_receipts_and_lots(ctx)
        stock.import_cartons(ctx)
        ledger.import_ledger(ctx)
    anomalies = ctx.report.anomalies

    references = list(Receipt.objects.order_by("id").values_list("reference", flat=True))
    assert references[0] == "25-01-PHA-01" and references[10] == "25-01-PHA-01-2"
    assert (
        "Référence dans l'ancien système : 25-01-PHA-01"
        in Receipt.objects.get(reference="25-01-PHA-01-2").notes
    )
    assert any("25-01-PHA-01-2" in line for line in anomalies["Références en double"])

    wrong = Product.objects.get(sku="MED-COMP-020")
    assert (wrong.ean, wrong.gtin) == ("4049500123458", "")
    long = Product.objects.get(sku="MED-SER-010")
    assert (long.ean, long.gtin, long.barcode) == ("", "", "40495001234570000001")
    assert len(anomalies["GTIN invalides"]) == 2

    assert not RackColor.objects.filter(zone="F").exists()
    assert any("pourpre" in line for line in anomalies["Valeurs corrigées"])
    assert ctx.report.counts["wms_rackcolor"].new == 6
    assert ctx.report.counts["wms_rackcolor"].explanations

    assert list(CartonFormat.objects.filter(is_default=True).values_list("name", flat=True)) == [
        "Carton standard 60x40x40"
    ]
    assert any("kit" in line for line in anomalies["Lots"])

    # The empty transfer is not a movement; the ledger still adds up for every lot.
    assert ctx.report.counts["wms_stockmovement"].new == 78 - 1 + 6 + 3
    assert StockMovement.objects.filter(movement_type="transfer").count() == 12
    call_command("check_stock_ledger")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("#1c8bc0", "#1C8BC0"),
        ("1C8BC0", "#1C8BC0"),
        ("#fff", "#FFFFFF"),
        (" Jaune ", "#FFFF00"),
        ("bleu", "#0000FF"),
        ("pourpre", None),
        ("#12345", None),
    ],
)
def test_rack_colours_are_read_as_hex_or_french_names(typed: str, expected: str | None) -> None:
    assert rack_colour(typed) == expected
