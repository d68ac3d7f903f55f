"""Helpers for the pallet listing tests: the catalogue the fixtures of tests/data/listing/ name,
uploads as the import screens store them, and row counts to prove that a refusal wrote nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile

from tests import factories
from wms.models import (
    Contact,
    ImportKind,
    ImportUpload,
    Location,
    Product,
    ProductLot,
    Receipt,
    ReceiptLine,
    StockMovement,
    Warehouse,
)

DATA = Path(__file__).resolve().parent / "data" / "listing"
KNOWN_GTIN = "3401234567890"
NEW_GTIN = "3760000000017"
COUNTED = (Receipt, ReceiptLine, Product, ProductLot, StockMovement, Location, ImportUpload)


@dataclass
class Catalogue:
    warehouse: Warehouse
    dock: Location  # the receiving location of REC: first in code order
    shelf: Location
    compresses: Product  # matched by GTIN
    gloves: Product  # matched by SKU
    paracetamol: Product  # matched by name and brand
    donor: Contact
    carrier: Contact


def catalogue() -> Catalogue:
    warehouse = factories.WarehouseFactory(code="REC", name="Réception")
    dock = factories.LocationFactory(warehouse=warehouse, zone="QUAI", aisle="01", shelf="1")
    shelf = factories.LocationFactory(warehouse=warehouse, zone="S", aisle="01", shelf="1")
    return Catalogue(
        warehouse=warehouse,
        dock=dock,
        shelf=shelf,
        compresses=factories.ProductFactory(
            name="Compresses stériles", sku="CMP-1", ean=KNOWN_GTIN, default_location=shelf
        ),
        gloves=factories.ProductFactory(
            name="Gants nitrile M", sku="ASF-GANTS", default_location=None
        ),
        paracetamol=factories.ProductFactory(
            name="Paracétamol 500mg", brand="UPSA", sku="PARA-500", default_location=None
        ),
        donor=factories.ContactFactory(name="Pharma Export", is_donor=True),
        carrier=factories.ContactFactory(name="Transports Martin", is_carrier=True),
    )


def fixture_bytes(name: str) -> bytes:
    return (DATA / name).read_bytes()


def make_upload(
    user: Any,
    name: str,
    *,
    data: bytes | None = None,
    read: dict[str, Any] | None = None,
    mapping: dict[str, str] | None = None,
    decisions: dict[str, Any] | None = None,
    receipt: dict[str, Any] | None = None,
) -> ImportUpload:
    """An upload as the listing screens store it (a random file name, the choices in options)."""
    content = fixture_bytes(name) if data is None else data
    options: dict[str, Any] = {"receipt": receipt or {"received_on": "2026-03-02"}}
    options["read"] = read or {}
    if mapping is not None:
        options["mapping"] = mapping
    if decisions is not None:
        options["decisions"] = decisions
    upload = ImportUpload(
        kind=ImportKind.LISTING,
        original_name=name,
        size=len(content),
        options=options,
        created_by=user,
    )
    upload.file.save(f"{uuid.uuid4().hex}{Path(name).suffix}", ContentFile(content), save=False)
    upload.save()
    return upload


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}
