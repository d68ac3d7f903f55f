"""What the table import tests share: the fixture files of tests/data/imports (written by its
make_fixtures.py), a full dump of the database to prove that a dry run or a failed import
changed nothing, and a normalised view of the imported data (no primary keys, no generated codes)
to prove that every format of a table gives the same records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User

from wms.imports.pipeline import ImportResult
from wms.imports.tables import import_file
from wms.models import (
    Contact,
    IntegrationEvent,
    Location,
    Product,
    ProductCategory,
    ProductLot,
    ProductTag,
    RackColor,
    Warehouse,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"
TABLE_NAMES = ("products", "locations", "warehouses", "categories", "contacts", "users")
# The six files of every table holding the same good rows.
FORMATS = ("semicolon_utf8.csv", "comma_bom.csv", "utf16.csv", "cp1252.csv", "xlsx", "xls")
BAD_FORMATS = ("csv", "xlsx", "xls")
GENERATED_SKU = re.compile(r"^[A-Z0-9]+-[0-9A-F]{8}$")


def fixture_name(table: str, file_format: str) -> str:
    return f"{table}.{file_format}" if "." not in file_format else f"{table}_{file_format}"


def import_fixture(filename: str, **options: Any) -> ImportResult:
    table = filename.split("_")[0].split(".")[0]
    return import_file(table, (DATA / filename).read_bytes(), filename, **options)


def import_text(table: str, text: str, **options: Any) -> ImportResult:
    return import_file(table, text.encode("utf-8"), f"{table}.csv", **options)


def errors(result: ImportResult) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in result.errors]


def full_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the wms app (m2m tables included), and the users with their
    groups: equal before and after means that nothing at all was written."""
    models = [
        *(
            model
            for model in apps.get_app_config("wms").get_models(include_auto_created=True)
            if model._meta.managed and not model._meta.proxy  # a table of its own
        ),
        User,
        User.groups.through,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def _sorted(items: Any) -> list[Any]:
    return sorted(items, key=repr)


def _contact(contact: Contact) -> tuple[Any, ...]:
    address = contact.addresses.filter(default_marker=True).first()
    return (
        contact.kind,
        contact.name,
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.phone,
        contact.organisation.name if contact.organisation else None,
        tuple(contact.roles),
        tuple(sorted(d.iata_code for d in contact.destinations.all())),
        (address.line1, address.postal_code, address.city, address.country) if address else None,
        contact.asf_id,
        contact.notes,
        contact.is_active,
        contact.needs_review,
    )


def _product(product: Product) -> tuple[Any, ...]:
    location = product.default_location
    return (
        "<généré>" if GENERATED_SKU.match(product.sku) else product.sku,
        product.name,
        product.brand,
        product.category.path if product.category else None,
        tuple(sorted(tag.name for tag in product.tags.all())),
        product.ean,
        product.gtin,
        product.pu_ht,
        product.tva,
        product.weight_g,
        product.perishable,
        product.is_active,
        location.qr_payload if location else None,
        product.notes,
    )


def _user(user: User) -> tuple[Any, ...]:
    return (
        user.username,
        user.email,
        user.first_name,
        user.last_name,
        user.is_active,
        user.is_staff,
        user.is_superuser,
        tuple(sorted(user.groups.values_list("name", flat=True))),
        user.has_usable_password(),
    )


def normalised() -> dict[str, list[Any]]:
    """The imported data as a user would describe it, whatever the order of creation."""
    outbound = IntegrationEvent.objects.filter(source="wms.email")
    return {
        "warehouses": _sorted(Warehouse.objects.values_list("code", "name")),
        "locations": _sorted(
            (loc.qr_payload, loc.notes, loc.is_active)
            for loc in Location.objects.select_related("warehouse")
        ),
        "rack_colors": _sorted(RackColor.objects.values_list("warehouse__code", "zone", "color")),
        "categories": _sorted((c.path, c.level) for c in ProductCategory.objects.all()),
        "tags": _sorted(ProductTag.objects.values_list("name", flat=True)),
        "products": _sorted(_product(p) for p in Product.objects.all()),
        "lots": _sorted(
            (lot.product.name, lot.quantity_on_hand, lot.expires_on, lot.lot_code)
            for lot in ProductLot.objects.select_related("product")
        ),
        "contacts": _sorted(_contact(c) for c in Contact.objects.all()),
        "users": _sorted(_user(u) for u in User.objects.all()),
        "emails": _sorted(tuple(event.payload["recipients"]) for event in outbound),
    }
