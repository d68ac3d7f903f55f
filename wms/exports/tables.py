"""What each exported table holds: its French header and its row values (S-IMPORT).

The product export writes the columns `import_products` reads, under the labels of
`PRODUCT_COLUMNS`, so that an export re-imports to the same data (matched by SKU, with
`--update`). Choices made for that round trip:
- the category as one path ("MÉDICAL > Pansements"), tags joined by " | ";
- VAT as a percentage with its sign ("5,5 %"): the import divides a value ending in "%" by 100,
  while a bare "0,5" would be ambiguous;
- the default location as its QR payload ("LOC:REC:A-01-2"), which survives spaces in a code;
- no quantity column: importing a quantity receives a new lot, so an export must not carry stock.

Every table is read in a fixed number of queries (related rows joined or prefetched), whatever
its size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet

from wms.imports.products import PRODUCT_COLUMNS
from wms.models import (
    Contact,
    ContactAddress,
    Location,
    Product,
    ProductCategory,
    RackColor,
    Warehouse,
)

from .csv_export import ExportValue, write_csv

Row = Sequence[ExportValue]
# The parent chain of a category, deepest first: MAX_CATEGORY_DEPTH is 4.
CATEGORY_CHAIN = "parent__parent__parent"
TAG_SEPARATOR = " | "


class UnknownTable(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = f"Table inconnue « {name} » : {', '.join(TABLES)} attendu."


@dataclass(frozen=True)
class ExportTable:
    name: str
    header: tuple[str, ...]
    queryset: Callable[[], QuerySet[Any]]
    rows: Callable[[QuerySet[Any]], Iterable[Row]]

    def export(self, queryset: QuerySet[Any] | None = None) -> bytes:
        """The whole table, or `queryset` (a selection of its rows, e.g. from the admin)."""
        selected = self.queryset() if queryset is None else queryset
        return write_csv(self.header, self.rows(selected))


def _percent(rate: Decimal | None) -> str | None:
    if rate is None:
        return None
    number = format(rate * 100, "f")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number.replace('.', ',')} %"


def _rack_colors() -> dict[tuple[int, str], str]:
    return {
        (warehouse_id, zone): color
        for warehouse_id, zone, color in RackColor.objects.values_list(
            "warehouse_id", "zone", "color"
        )
    }


# --- products -----------------------------------------------------------------------------------

PRODUCT_KEYS = (
    "sku",
    "name",
    "brand",
    "color",
    "category",
    "tags",
    "barcode",
    "ean",
    "pu_ht",
    "tva",
    "length_cm",
    "width_cm",
    "height_cm",
    "weight_g",
    "volume_cm3",
    "storage_conditions",
    "perishable",
    "quarantine_default",
    "is_active",
    "notes",
    "default_location",
    "rack_color",
)
PLAIN_PRODUCT_FIELDS = frozenset(PRODUCT_KEYS) - {
    "category",
    "tags",
    "tva",
    "default_location",
    "rack_color",
}


def _products() -> QuerySet[Product]:
    return Product.objects.all()


def _product_rows(queryset: QuerySet[Product]) -> Iterable[Row]:
    colors = _rack_colors()
    products = (
        queryset.select_related(f"category__{CATEGORY_CHAIN}", "default_location__warehouse")
        .prefetch_related("tags")
        .order_by("sku")
    )
    for product in products:
        location = product.default_location
        values: dict[str, ExportValue] = {
            key: getattr(product, key) for key in PLAIN_PRODUCT_FIELDS
        }
        values["category"] = product.category.path if product.category else None
        values["tags"] = TAG_SEPARATOR.join(sorted(tag.name for tag in product.tags.all()))
        values["tva"] = _percent(product.tva)
        values["default_location"] = location.qr_payload if location else None
        values["rack_color"] = (
            colors.get((location.warehouse_id, location.zone)) if location else None
        )
        yield [values[key] for key in PRODUCT_KEYS]


# --- locations, warehouses, categories ----------------------------------------------------------


def _location_rows(queryset: QuerySet[Location]) -> Iterable[Row]:
    colors = _rack_colors()
    locations = queryset.select_related("warehouse").order_by(
        "warehouse__code", "zone", "aisle", "shelf"
    )
    for location in locations:
        yield [
            location.warehouse.code,
            location.zone,
            location.aisle,
            location.shelf,
            colors.get((location.warehouse_id, location.zone)),
            location.notes,
            location.is_active,
        ]


def _warehouse_rows(queryset: QuerySet[Warehouse]) -> Iterable[Row]:
    for warehouse in queryset.order_by("code"):
        yield [warehouse.code, warehouse.name]


def _category_rows(queryset: QuerySet[ProductCategory]) -> Iterable[Row]:
    categories = sorted(queryset.select_related(CATEGORY_CHAIN), key=lambda c: c.path.casefold())
    for category in categories:
        yield [
            category.path,
            category.name,
            category.level,
            category.parent.path if category.parent else None,
        ]


# --- contacts -----------------------------------------------------------------------------------

CONTACT_ROLES = (
    ("Donateur", "is_donor"),
    ("Transporteur", "is_carrier"),
    ("Expéditeur", "is_shipper"),
    ("Destinataire", "is_recipient"),
    ("Correspondant", "is_correspondent"),
)
CONTACT_FIELDS = (
    ("Nom", "name"),
    ("Civilité", "title"),
    ("Prénom", "first_name"),
    ("Nom de famille", "last_name"),
    ("Fonction", "job"),
    ("E-mail", "email"),
    ("Autres e-mails", "other_emails"),
    ("Téléphone", "phone"),
    ("Autres téléphones", "other_phones"),
    ("SIRET", "siret"),
    ("N° de TVA", "vat_number"),
    ("Immatriculation", "legal_registration"),
    ("Identifiant ASF", "asf_id"),
)
ADDRESS_FIELDS = (
    ("Adresse", "line1"),
    ("Complément", "line2"),
    ("Code postal", "postal_code"),
    ("Ville", "city"),
    ("Pays", "country"),
)
CONTACT_HEADER = (
    "Type",
    *(label for label, _field in CONTACT_FIELDS),
    "Organisation",
    *(label for label, _field in CONTACT_ROLES),
    "Destinations",
    *(label for label, _field in ADDRESS_FIELDS),
    "Notes",
    "Actif",
)


def _contact_rows(queryset: QuerySet[Contact]) -> Iterable[Row]:
    contacts = (
        queryset.select_related("organisation")
        .prefetch_related(
            "destinations",
            Prefetch(
                "addresses",
                queryset=ContactAddress.objects.filter(default_marker=True),
                to_attr="default_addresses",
            ),
        )
        .order_by("name", "pk")
    )
    for contact in contacts:
        address = contact.default_addresses[0] if contact.default_addresses else None
        yield [
            contact.get_kind_display(),
            *(getattr(contact, field) for _label, field in CONTACT_FIELDS),
            contact.organisation.name if contact.organisation else None,
            *(getattr(contact, field) for _label, field in CONTACT_ROLES),
            TAG_SEPARATOR.join(sorted(d.iata_code for d in contact.destinations.all())),
            *(getattr(address, field) if address else None for _label, field in ADDRESS_FIELDS),
            contact.notes,
            contact.is_active,
        ]


TABLES: dict[str, ExportTable] = {
    table.name: table
    for table in (
        ExportTable(
            "products",
            tuple(PRODUCT_COLUMNS.columns[key].label for key in PRODUCT_KEYS),
            _products,
            _product_rows,
        ),
        ExportTable(
            "locations",
            ("Entrepôt", "Zone", "Étagère", "Bac", "Couleur du rack", "Notes", "Actif"),
            Location.objects.all,
            _location_rows,
        ),
        ExportTable("warehouses", ("Code", "Nom"), Warehouse.objects.all, _warehouse_rows),
        ExportTable(
            "categories",
            ("Catégorie", "Nom", "Niveau", "Catégorie parente"),
            ProductCategory.objects.all,
            _category_rows,
        ),
        ExportTable("contacts", CONTACT_HEADER, Contact.objects.all, _contact_rows),
    )
}


def get_table(name: str) -> ExportTable:
    try:
        return TABLES[name]
    except KeyError:
        raise UnknownTable(name) from None


def export_table(name: str, queryset: QuerySet[Any] | None = None) -> bytes:
    return get_table(name).export(queryset)
