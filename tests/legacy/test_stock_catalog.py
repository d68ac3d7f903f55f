"""Step 2 of the take-over on the sample: the catalogue, its folds and its corrections."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.legacy.conftest import SAMPLE
from wms.imports.legacy import catalog
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import (
    Location,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductTag,
    RackColor,
    Warehouse,
)
from wms.text import fold_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(legacy_sample: LegacySource) -> Iterator[TakeOver]:
    ctx = TakeOver(source=legacy_sample)
    with imported_timestamps():
        catalog.import_catalog(ctx)
    yield ctx


def test_counts_match_the_source_except_the_folded_root(imported: TakeOver) -> None:
    counts = imported.report.counts
    assert (counts["wms_warehouse"].old, counts["wms_warehouse"].new) == (3, 3)
    assert (counts["wms_location"].old, counts["wms_location"].new) == (40, 40)
    assert (counts["wms_productcategory"].old, counts["wms_productcategory"].new) == (29, 28)
    assert counts["wms_productcategory"].explanations
    assert (counts["wms_product"].old, counts["wms_product"].new) == (61, 61)
    assert (counts["wms_product_tags"].old, counts["wms_product_tags"].new) == (55, 55)
    assert (counts["wms_productkititem"].old, counts["wms_productkititem"].new) == (13, 13)
    assert (counts["wms_producttag"].old, counts["wms_producttag"].new) == (12, 12)
    assert (counts["wms_rackcolor"].old, counts["wms_rackcolor"].new) == (7, 7)
    assert imported.report.unexplained == []
    assert Product.objects.count() == 61 and ProductTag.objects.count() == 12
    assert Location.objects.count() == 40 and ProductKitItem.objects.count() == 13


def test_the_two_hygiene_roots_fold_into_one(imported: TakeOver) -> None:
    roots = ProductCategory.objects.filter(parent=None)
    assert sorted(root.name for root in roots) == [
        "CHIRURGIE",
        "EPI",
        "HYGIENE",
        "LOGISTIQUE",
        "MATERIEL MEDICAL",
        "MEDICAL",
        "PHARMACIE",
    ]
    hygiene = roots.get(name="HYGIENE")
    assert imported.new_id("wms_productcategory", 13) == hygiene.pk
    assert imported.new_id("wms_productcategory", 29) == hygiene.pk
    assert sorted(hygiene.children.values_list("name", flat=True)) == [
        "Désinfection",
        "Protection Incontinence",
    ]
    assert any("HYGIENE" in line for line in imported.report.anomalies["Doublons fusionnés"])
    # The computed columns are those ProductCategory.save() keeps.
    for category in ProductCategory.objects.select_related("parent"):
        assert category.name_key == fold_key(category.name)
        assert category.parent_marker == (category.parent_id or 0)
        assert category.level == (category.parent.level + 1 if category.parent else 1)
    # "Diagnostic" exists under two roots: siblings only are folded.
    assert ProductCategory.objects.filter(name="Diagnostic").count() == 2


def test_warehouse_codes_and_rack_colours_are_corrected(imported: TakeOver) -> None:
    assert sorted(Warehouse.objects.values_list("code", flat=True)) == ["MAG", "REC", "STK"]
    assert Warehouse.objects.get(name="Magasin Export").code == "MAG"
    colours = dict(RackColor.objects.values_list("zone", "color"))
    assert colours["QUAI"] == "#7F8C8D"
    assert colours["E"] == "#FFFF00"  # "jaune"
    corrected = "\n".join(imported.report.anomalies["Valeurs corrigées"])
    assert "jaune" in corrected and "#7f8c8d" in corrected and "Magasin Export" in corrected


def test_products_keep_their_fields_and_gtins(imported: TakeOver) -> None:
    compresses = Product.objects.get(sku="MED-COMP-010")
    assert compresses.ean == "4049500123457"
    assert compresses.gtin == "04049500123457"
    assert compresses.pu_ht == Decimal("3.20") and compresses.tva == Decimal("0.2000")
    assert compresses.pu_ttc == Decimal("3.84")
    assert compresses.length_cm == Decimal("20.00") and compresses.volume_cm3 == 1920
    assert compresses.brand == "HARTMANN"
    assert compresses.category is not None and compresses.category.path == (
        "MEDICAL > Consommables > Compresses"
    )
    with sqlite3.connect(f"file:{SAMPLE}?mode=ro", uri=True) as connection:
        legacy_tags = connection.execute(
            "SELECT t.name FROM wms_product_tags pt JOIN wms_producttag t "
            "ON t.id = pt.producttag_id WHERE pt.product_id = 1"
        ).fetchall()
    assert sorted(compresses.tags.values_list("name", flat=True)) == sorted(
        name for (name,) in legacy_tags
    )
    assert legacy_tags
    nacl = Product.objects.get(sku="MED-PER-NACL")
    assert nacl.perishable and nacl.quarantine_default and nacl.tva == Decimal("0.0550")
    assert nacl.default_location is not None and nacl.default_location.code == "E-02-1"
    assert Product.objects.get(sku="ASF-F6E4E13E").is_active is False
    assert Product.objects.filter(gtin__gt="").count() == 12
    assert imported.report.anomalies.get("GTIN invalides", []) == []
    kit = Product.objects.get(sku="ASF-67CF3707")
    assert kit.is_kit and kit.kit_items.count() == 5
