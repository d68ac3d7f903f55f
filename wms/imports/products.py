"""Product import (S-IMPORT, S-CATALOG): one row per product, French or English headers.

Matching an existing product: by SKU, else by GTIN (any form), else by name (accent- and
case-insensitive; narrowed to the row's brand when it names one). A GTIN or name match whose SKU
differs from the SKU in the row is refused rather than guessed: renaming a SKU would orphan its
printed labels, and a second product with the same GTIN would make scans ambiguous.

An existing product is skipped unless `update=True`; then only the columns present in the file
change, and a blank cell leaves the field as it is (a sparse spreadsheet never wipes data).
A quantity is received as a new lot (through the receiving service) for every created or updated
row, so re-running the same file with `update=True` receives it again.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import models

from wms.models import Location, Product, ProductCategory, ProductLot, ProductTag
from wms.models.catalog import MAX_CATEGORY_DEPTH
from wms.services.naming import normalize_brand, normalize_name
from wms.services.receiving import quick_entry
from wms.text import fold_key

from . import values
from .columns import Column, ColumnSet, RowView
from .errors import CellError
from .limits import decimal_shape, max_length
from .lookups import CatalogLookups, LocationRef, location_ref
from .pipeline import ImportResult, Outcome
from .readers import Cell, Table, read_path
from .table_import import TableImporter

CATEGORY_LEVELS = tuple(f"category_l{level}" for level in range(1, MAX_CATEGORY_DEPTH + 1))

PRODUCT_COLUMNS = ColumnSet(
    [
        Column("sku", "SKU", ("référence", "réf", "ref", "code article", "code produit")),
        Column(
            "name",
            "Nom",
            ("désignation", "libellé", "produit", "nom du produit", "product", "product name"),
        ),
        Column("brand", "Marque", ("marques",)),
        Column("color", "Couleur", ("colour",)),
        Column(
            "category",
            "Catégorie",
            ("catégories", "categories", "chemin de catégorie", "category path", "famille"),
        ),
        *(
            Column(
                key,
                f"Catégorie niveau {level}",
                (f"catégorie_l{level}", f"catégorie {level}", f"category {level}", f"cat l{level}"),
            )
            for level, key in enumerate(CATEGORY_LEVELS, start=1)
        ),
        Column("tags", "Étiquettes", ("étiquette", "tag", "mots-clés")),
        Column("barcode", "Code-barres", ("code-barre", "codebarre", "code barre externe")),
        Column("ean", "EAN", ("gtin", "ean13", "ean-13", "ean-8", "upc", "gtin-14", "code EAN")),
        Column(
            "pu_ht",
            "Prix HT",
            ("PU HT", "prix unitaire HT", "prix", "price", "unit price", "price excl VAT"),
        ),
        Column("tva", "TVA", ("taux de TVA", "taux TVA", "TVA %", "VAT", "VAT rate")),
        Column("length_cm", "Longueur (cm)", ("longueur", "length")),
        Column("width_cm", "Largeur (cm)", ("largeur", "width")),
        Column("height_cm", "Hauteur (cm)", ("hauteur", "height")),
        Column("weight_g", "Poids (g)", ("poids", "weight")),
        Column("volume_cm3", "Volume (cm³)", ("volume",)),
        Column(
            "storage_conditions",
            "Conditions de stockage",
            ("conditions_stockage", "conditions stockage", "stockage", "storage"),
        ),
        Column("perishable", "Périssable", ()),
        Column(
            "quarantine_default",
            "Quarantaine",
            ("quarantaine par défaut", "quarantaine_defaut", "quarantine"),
        ),
        Column("is_active", "Actif", ("active", "is active")),
        Column("notes", "Notes", ("note", "remarques", "commentaire", "commentaires", "comments")),
        Column("default_location", "Emplacement par défaut", ("emplacement", "location")),
        Column("warehouse", "Entrepôt", ()),
        Column("zone", "Zone", ("rack",)),
        Column("aisle", "Étagère", ()),
        Column("shelf", "Bac", ("bin",)),
        Column("rack_color", "Couleur du rack", ("couleur rack", "rack colour")),
        Column("quantity", "Quantité", ("qté", "qty")),
        Column(
            "expires_on",
            "Date de péremption",
            ("péremption", "DLC", "DLUO", "DDM", "expiration", "expiry date", "expires on"),
        ),
        Column("lot_code", "Lot", ("numéro de lot", "n° de lot", "lot number")),
    ]
)
IDENTIFYING = ("sku", "name", "ean")
LOCATION_PARTS = ("zone", "aisle", "shelf")


# --- model-derived parsers: the limits come from the model so they cannot drift ----------------


def _text_parser(name: str, model: type[models.Model] = Product) -> Callable[[Cell], str]:
    return functools.partial(values.text, max_length=max_length(model, name))


def _decimal_parser(name: str) -> Callable[[Cell], Decimal | None]:
    places, digits = decimal_shape(Product, name)
    return functools.partial(values.decimal, places=places, max_digits=digits)


CATEGORY_NAME_LENGTH = max_length(ProductCategory, "name")
TAG_NAME_LENGTH = max_length(ProductTag, "name")
LOT_CODE_PARSER = _text_parser("lot_code", ProductLot)
FIELD_PARSERS: dict[str, Callable[[Cell], object]] = {
    **{
        name: _text_parser(name)
        for name in ("sku", "name", "brand", "color", "barcode", "storage_conditions", "notes")
    },
    **{name: _decimal_parser(name) for name in ("pu_ht", "length_cm", "width_cm", "height_cm")},
    "tva": functools.partial(values.rate, places=decimal_shape(Product, "tva")[0]),
    "weight_g": values.integer,
    "volume_cm3": values.integer,
    "perishable": values.boolean,
    "quarantine_default": values.boolean,
    "is_active": values.boolean,
}
NORMALIZERS: dict[str, Callable[[str], str]] = {"name": normalize_name, "brand": normalize_brand}


@dataclass
class ProductRow:
    """What one row asks for; None (or empty) means "the row says nothing about it"."""

    fields: dict[str, object] = field(default_factory=dict)
    gtin: str = ""  # the 14-digit form of fields["ean"]
    category: list[str] | None = None
    tags: list[str] | None = None
    location: LocationRef | None = None
    rack_color: str = ""
    quantity: int | None = None
    expires_on: dt.date | None = None
    lot_code: str = ""


def parse_row(row: RowView) -> ProductRow:
    parsed = ProductRow()
    for name, parser in FIELD_PARSERS.items():
        value = row.value(name, parser, None)
        if value is None or value == "":
            continue
        if name in NORMALIZERS:
            value = NORMALIZERS[name](str(value))
        parsed.fields[name] = value
    code = row.value("ean", values.gtin, None)
    if code is not None:
        parsed.fields["ean"], parsed.gtin = code
    parsed.category = _category(row)
    if row.filled("tags"):
        tags: list[str] = row.value(
            "tags", functools.partial(values.text_list, max_length=TAG_NAME_LENGTH), []
        )
        parsed.tags = tags
    parsed.location = _location(row)
    parsed.rack_color = row.value("rack_color", values.color, "")
    parsed.quantity = row.value("quantity", functools.partial(values.integer, minimum=0), None)
    parsed.expires_on = row.value("expires_on", values.date, None)
    parsed.lot_code = row.value("lot_code", LOT_CODE_PARSER, "")
    if not parsed.quantity and (parsed.expires_on or parsed.lot_code):
        row.problem("un lot ou une date de péremption sans quantité à recevoir.")
    row.check()
    return parsed


def _category(row: RowView) -> list[str] | None:
    limit = CATEGORY_NAME_LENGTH
    if row.filled("category"):
        if any(row.filled(key) for key in CATEGORY_LEVELS):
            row.problem("catégorie donnée deux fois (chemin et niveaux) : gardez l'une des formes.")
        return row.value(
            "category",
            functools.partial(values.path, max_depth=MAX_CATEGORY_DEPTH, max_length=limit),
            None,
        )
    levels = [
        row.value(key, functools.partial(values.text, max_length=limit), "")
        for key in CATEGORY_LEVELS
    ]
    while levels and not levels[-1]:
        levels.pop()
    if not levels:
        return None
    if not all(levels):
        row.problem("niveau de catégorie manquant avant un niveau renseigné.")
        return None
    return [" ".join(level.split()) for level in levels]


def _location(row: RowView) -> LocationRef | None:
    parts_filled = any(row.filled(key) for key in ("warehouse", *LOCATION_PARTS))
    if row.filled("default_location"):
        if parts_filled:
            row.problem(
                f"emplacement donné deux fois : « {row.label('default_location')} » et "
                "entrepôt / zone / étagère / bac. Gardez l'une des formes."
            )
        return row.value("default_location", location_ref, None)
    if not parts_filled:
        return None
    zone, aisle, shelf = (row.value(key, values.text, "") for key in LOCATION_PARTS)
    if not (zone and aisle and shelf):
        row.problem("emplacement incomplet : zone, étagère et bac sont nécessaires.")
        return None
    return LocationRef(row.value("warehouse", values.text, ""), zone, aisle, shelf)


# --- matching -----------------------------------------------------------------------------------


def _describe(product: Product) -> str:
    return f"« {product.name} » (SKU {product.sku})"


def find_product(row: RowView, parsed: ProductRow) -> Product | None:
    sku = str(parsed.fields.get("sku", ""))
    ean = parsed.fields.get("ean", "")
    if sku:
        # Case-insensitive on every database (MariaDB's collation already is): "rv-001" is RV-001.
        product = Product.objects.filter(sku__iexact=sku).first()
        if product is not None:
            if parsed.gtin:
                other = Product.objects.filter(gtin=parsed.gtin).exclude(pk=product.pk).first()
                if other is not None:
                    raise row.error(f"le GTIN {ean} est déjà celui de {_describe(other)}.")
            return product
    found: Product | None = None
    how = ""
    if parsed.gtin:
        matches = list(Product.objects.filter(gtin=parsed.gtin)[:2])
        if len(matches) > 1:
            raise row.error(f"plusieurs produits ont le GTIN {ean} : précisez le SKU.")
        found, how = (matches[0], f"le GTIN {ean}") if matches else (None, "")
    name = str(parsed.fields.get("name", ""))
    if found is None and name:
        candidates = Product.objects.filter(name_key=fold_key(name))
        if "brand" in parsed.fields:
            candidates = candidates.filter(brand=parsed.fields["brand"])
        if parsed.gtin:
            # A product with another GTIN is another product, whatever its name.
            candidates = candidates.filter(gtin__in=["", parsed.gtin])
        matches = list(candidates[:2])
        if len(matches) > 1:
            raise row.error(f"plusieurs produits s'appellent « {name} » : précisez le SKU.")
        found, how = (matches[0], "le nom") if matches else (None, "")
    if found is not None and sku and found.sku.casefold() != sku.casefold():
        raise row.error(
            f"{how} désigne déjà {_describe(found)}, pas le SKU {sku} : "
            "corrigez le SKU ou videz sa cellule."
        )
    return found


# --- applying -----------------------------------------------------------------------------------


class ProductImporter(TableImporter):
    columns = PRODUCT_COLUMNS
    identifying = IDENTIFYING

    def __init__(self, *, update: bool = False) -> None:
        super().__init__(update=update)
        self.lookups = CatalogLookups()

    def forget(self) -> None:
        self.lookups.forget()

    def missing_columns_message(self) -> str:
        return (
            "Aucune colonne ne désigne les produits : il faut au moins « Nom », « SKU » ou "
            "« EAN » dans la première ligne."
        )

    def process(self, row: RowView) -> Outcome:
        parsed = parse_row(row)
        if parsed.fields.get("sku"):
            # Two rows for one SKU: the second would silently overwrite or be skipped.
            sku = str(parsed.fields["sku"])
            self.once(row, f"sku:{sku.casefold()}", f"le SKU {sku}")
        product = find_product(row, parsed)
        if product is not None and self.existing(row, _describe(product), product) is (
            Outcome.SKIPPED
        ):
            return Outcome.SKIPPED
        created = product is None
        if product is None:
            if "name" not in parsed.fields:
                raise row.error("le nom est obligatoire pour créer un produit.")
            product = Product()
        for name, value in parsed.fields.items():
            if name == "sku" and not created:
                continue  # matched case-insensitively: the SKU on file stays as it is
            setattr(product, name, value)
        location = self._resolve(row, parsed, product)
        product.save()
        if created:
            self.remember_created(product)
        if parsed.tags is not None:
            product.tags.set(self.lookups.tags(parsed.tags))
        if parsed.rack_color:
            target = location or product.default_location
            if target is None:
                raise row.error("couleur de rack sans emplacement.")
            self.lookups.rack_color(target, parsed.rack_color)
        if parsed.quantity:
            quick_entry(
                product=product,
                quantity=parsed.quantity,
                expires_on=parsed.expires_on,
                lot_code=parsed.lot_code,
                location=location,
            )
        return Outcome.CREATED if created else Outcome.UPDATED

    def _resolve(self, row: RowView, parsed: ProductRow, product: Product) -> Location | None:
        """Category and location named by the row, created when missing."""
        try:
            if parsed.category is not None:
                product.category = self.lookups.category(parsed.category)
            if parsed.location is None:
                return None
            product.default_location = self.lookups.location(parsed.location)
            return product.default_location
        except CellError as exc:
            raise row.error(exc.message) from exc


def import_products(
    table: Table, *, update: bool = False, dry_run: bool = False, skip_errors: bool = False
) -> ImportResult:
    return ProductImporter(update=update).run(table, dry_run=dry_run, skip_errors=skip_errors)


def import_products_file(
    path: str | Path, *, update: bool = False, dry_run: bool = False, skip_errors: bool = False
) -> ImportResult:
    return import_products(read_path(path), update=update, dry_run=dry_run, skip_errors=skip_errors)
