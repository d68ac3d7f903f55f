"""Pallet listing import (S-IMPORT): a supplier's packing list read into the lines of a pallet
receipt.

A listing is not one of our tables: its columns are named by the supplier, in French or English,
often with a title block above the table (a workbook) or spread over PDF pages. So the columns are
*mapped* rather than bound: a guess from synonyms that the user can correct, then every row is
parsed and matched to a product (by GTIN, else SKU, else name and brand) or marked as a new
product, given a location and a quantity the user may edit, and applied or skipped.

This module reads and judges; `wms.services.pallet_receipts` creates the receipt, all or nothing.
Messages are French literals, shown as they are (the convention of `wms.imports`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.db.models.functions import Upper

from wms.models import Location, Product, ProductKitItem, ReceiptLine, Warehouse
from wms.services.naming import normalize_brand, normalize_code_part, normalize_name
from wms.services.stock import MAX_QUANTITY
from wms.text import fold_key

from . import values
from .errors import CellError, ImportFileError
from .limits import max_length
from .lookups import location_ref, warehouse_named
from .pdf_tables import page_count, read_pdf
from .products import PRODUCT_COLUMNS
from .readers import (
    TABLE_EXTENSIONS,
    WORKBOOK_EXTENSIONS,
    Cell,
    SourceRow,
    Table,
    is_blank,
    normalize_header,
    read_table,
    sheet_names,
)

PDF_EXTENSIONS = frozenset({".pdf"})
LISTING_EXTENSIONS = TABLE_EXTENSIONS | PDF_EXTENSIONS


# --- the fields a listing column can feed -------------------------------------------------------


def _product_aliases(*keys: str) -> tuple[str, ...]:
    """The spellings the product import already understands for these columns."""
    spellings: list[str] = []
    for key in keys:
        column = PRODUCT_COLUMNS.columns[key]
        spellings.extend((column.key, column.label, *column.aliases))
    return tuple(spellings)


@dataclass(frozen=True)
class ListingField:
    key: str
    # Most telling spelling first: when a file has two candidate columns, the first alias wins.
    aliases: tuple[str, ...]
    required: bool = False

    def spellings(self) -> list[str]:
        seen: dict[str, None] = {}
        for alias in (self.key, *self.aliases):
            seen.setdefault(normalize_header(alias), None)
        return list(seen)


LISTING_FIELDS: tuple[ListingField, ...] = (
    ListingField(
        "gtin",
        (
            *_product_aliases("ean"),
            "ean 13",
            "code ean13",
            "code-barres",
            "code barre",
            "code barres",
            *_product_aliases("barcode"),
            "barcode",
            "gencod",
            "gencode",
            "cip",
            "code cip",
        ),
    ),
    ListingField(
        "sku",
        (*_product_aliases("sku"), "article", "code", "item", "item code", "product code"),
    ),
    ListingField(
        "name",
        (
            *_product_aliases("name"),
            "description",
            "dénomination",
            "désignation article",
            "libellé article",
            "item description",
        ),
    ),
    ListingField(
        "brand", (*_product_aliases("brand"), "fabricant", "laboratoire", "labo", "manufacturer")
    ),
    ListingField(
        "quantity",
        (
            *_product_aliases("quantity"),
            "quantités",
            "qte",
            "quantité totale",
            "quantité livrée",
            "qté livrée",
            "nb",
            "nbre",
            "nombre",
            "nb unités",
            "unités",
            "units",
            "pcs",
            "pièces",
            # A carton count comes last: used only when the listing counts nothing finer.
            "nb colis",
            "nombre de colis",
            "colis",
        ),
        required=True,
    ),
    ListingField(
        "lot_code",
        (
            *_product_aliases("lot_code"),
            "n° lot",
            "nº lot",
            "no lot",
            "num lot",
            "numéro lot",
            "lot no",
            "batch",
            "batch number",
            "batch no",
        ),
    ),
    ListingField(
        "expires_on",
        (
            *_product_aliases("expires_on"),
            "DLU",
            "date limite d'utilisation",
            "date péremption",
            "date de peremption",
            "date d'expiration",
            "date limite",
            "expiry",
            "exp",
            "use by",
            "best before",
        ),
    ),
    ListingField(
        "location",
        (*_product_aliases("default_location"), "emplacement de stockage", "storage location"),
    ),
    ListingField(
        "storage_conditions",
        (
            *_product_aliases("storage_conditions"),
            "storage conditions",
            "conservation",
            "température",
            "temperature",
        ),
    ),
)
FIELD_KEYS = tuple(listing_field.key for listing_field in LISTING_FIELDS)
IDENTIFYING = ("gtin", "sku", "name")


def _check_aliases() -> None:
    """An alias may name one field only, or the guess would depend on the order of the list."""
    owners: dict[str, str] = {}
    for listing_field in LISTING_FIELDS:
        for spelling in listing_field.spellings():
            owner = owners.setdefault(spelling, listing_field.key)
            if owner != listing_field.key:
                raise ValueError(f"{spelling!r} names both {owner!r} and {listing_field.key!r}")


_check_aliases()


def guess_mapping(headers: Mapping[str, str]) -> dict[str, str]:
    """{field: normalised header} guessed from the file's headers ({normalised: as written}).

    Exact spellings first; then a header that starts with a spelling ("quantité_livrée_ce_jour",
    "désignation_du_produit"). A header feeds one field at most; unguessed fields map to ""."""
    mapping = dict.fromkeys(FIELD_KEYS, "")
    used: set[str] = set()
    for exact in (True, False):
        for listing_field in LISTING_FIELDS:
            if mapping[listing_field.key]:
                continue
            found = _first_header(listing_field, headers, used, exact=exact)
            if found:
                mapping[listing_field.key] = found
                used.add(found)
    return mapping


def _first_header(
    listing_field: ListingField, headers: Iterable[str], used: set[str], *, exact: bool
) -> str:
    free = [header for header in headers if header not in used]
    for spelling in listing_field.spellings():
        for header in free:
            if header == spelling if exact else header.startswith(f"{spelling}_"):
                return header
    return ""


def mapping_problems(mapping: Mapping[str, str], table: Table) -> list[str]:
    """Why this mapping cannot be used with this table (empty when it can)."""
    problems = []
    for key, header in mapping.items():
        if key not in FIELD_KEYS:
            problems.append(f"Champ inconnu : {key}.")
        elif header and header not in table.headers:
            problems.append(f"La colonne « {header} » n'existe pas dans le fichier.")
    if not mapping.get("quantity"):
        problems.append("Choisissez la colonne des quantités.")
    if not any(mapping.get(key) for key in IDENTIFYING):
        problems.append(
            "Choisissez au moins une colonne qui désigne le produit : code (GTIN / EAN), "
            "référence (SKU) ou désignation."
        )
    return problems


# --- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOptions:
    """Where the table is in the file: a workbook's sheet and header row, a PDF's pages."""

    sheet: str | None = None
    header_row: int = 1
    first_page: int = 1
    last_page: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "first_page": self.first_page,
            "last_page": self.last_page,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> ReadOptions:
        data = data or {}
        last_page = data.get("last_page")
        return cls(
            sheet=data.get("sheet") or None,
            header_row=int(data.get("header_row") or 1),
            first_page=int(data.get("first_page") or 1),
            last_page=int(last_page) if last_page else None,
        )


def extension_of(filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if extension not in LISTING_EXTENSIONS:
        shown = f"« {extension} »" if extension else "sans extension"
        raise ImportFileError(
            f"Format de fichier non pris en charge ({shown}) : CSV, XLSX, XLS ou PDF attendu."
        )
    return extension


def is_pdf(filename: str) -> bool:
    return extension_of(filename) in PDF_EXTENSIONS


def is_workbook(filename: str) -> bool:
    return extension_of(filename) in WORKBOOK_EXTENSIONS


def check_size(size: int, limit_mb: int) -> None:
    if size > limit_mb * 1024 * 1024:
        raise ImportFileError(
            f"Fichier trop volumineux ({size / (1024 * 1024):.1f} Mo) : {limit_mb} Mo au plus."
        )
    if size == 0:
        raise ImportFileError("Le fichier est vide.")


def read_listing(data: bytes, filename: str, options: ReadOptions) -> Table:
    if is_pdf(filename):
        return read_pdf(data, first_page=options.first_page, last_page=options.last_page)
    return read_table(data, filename, sheet=options.sheet, header_row=options.header_row)


@dataclass(frozen=True)
class FileShape:
    """What the reading choices offer: a workbook's sheets, a PDF's page count."""

    sheets: list[str] = field(default_factory=list)
    pages: int = 0


def file_shape(data: bytes, filename: str) -> FileShape:
    if is_pdf(filename):
        return FileShape(pages=page_count(data))
    if is_workbook(filename):
        return FileShape(sheets=sheet_names(data, filename))
    extension_of(filename)
    return FileShape()


# --- one row ------------------------------------------------------------------------------------

LOT_CODE_LENGTH = max_length(ReceiptLine, "lot_code")
STORAGE_LENGTH = max_length(ReceiptLine, "storage_conditions")
NAME_LENGTH = max_length(Product, "name")
BRAND_LENGTH = max_length(Product, "brand")
SKU_LENGTH = max_length(Product, "sku")
LOCATION_TEXT_LENGTH = 120
MONTH_YEAR = re.compile(r"^(?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})$")
# An expiry outside these years is a typo ("01/01/0025", "31/12/2205"), not a product.
PLAUSIBLE_YEARS = range(2000, 2101)

FIELD_NAMES = {
    "gtin": "code (GTIN / EAN)",
    "sku": "référence",
    "name": "désignation",
    "brand": "marque",
    "quantity": "quantité",
    "lot_code": "lot",
    "expires_on": "péremption",
    "location": "emplacement",
    "storage_conditions": "conditions de stockage",
}


def parse_quantity(cell: Cell) -> int:
    """A count of units: a whole number from 1 to MAX_QUANTITY ("1 200" is 1200; "2,5" is
    refused rather than rounded: half a box received is a typo to fix, not a guess)."""
    if is_blank(cell):
        raise CellError("quantité manquante.")
    shown = values.text(cell)
    number = values.decimal(cell, places=6, max_digits=24, minimum=None)
    if number is None:  # pragma: no cover - blank was handled above
        raise CellError("quantité manquante.")
    if number != number.to_integral_value():
        raise CellError(f"« {shown} » : la quantité doit être un nombre entier.")
    if number < 1:
        raise CellError(f"« {shown} » : la quantité doit être au moins 1.")
    if number > MAX_QUANTITY:
        raise CellError(f"« {shown} » : quantité trop grande ({MAX_QUANTITY} au plus).")
    return int(number)


def parse_expiry(cell: Cell) -> dt.date | None:
    """A date, or a month and year ("12/2026", as printed on medicines: the month's last day)."""
    if is_blank(cell):
        return None
    expires_on: dt.date | None
    if isinstance(cell, str) and (match := MONTH_YEAR.match(cell.strip())):
        month, year = int(match.group("month")), int(match.group("year"))
        year += 2000 if year < 100 else 0
        if not 1 <= month <= 12:
            raise CellError(f"« {cell.strip()} » n'est pas une date (JJ/MM/AAAA attendu).")
        expires_on = dt.date(year, month, calendar.monthrange(year, month)[1])
    else:
        expires_on = values.date(cell)
    if expires_on is not None and expires_on.year not in PLAUSIBLE_YEARS:
        raise CellError(f"« {values.text(cell)} » : date invraisemblable.")
    return expires_on


@dataclass
class ListingRow:
    """One data row of the listing, parsed; `problems` names what could not be read."""

    line: int
    ean: str = ""  # the GTIN as written
    gtin: str = ""  # its 14-digit form
    sku: str = ""
    name: str = ""
    brand: str = ""
    quantity_text: str = ""
    lot_code: str = ""
    expires_on: dt.date | None = None
    location_text: str = ""
    storage_conditions: str = ""
    problems: list[str] = field(default_factory=list)


class _Cells:
    def __init__(self, source: SourceRow, mapping: Mapping[str, str], row: ListingRow) -> None:
        self.source = source
        self.mapping = mapping
        self.row = row

    def cell(self, key: str) -> Cell:
        header = self.mapping.get(key) or ""
        return self.source.cells.get(header) if header else None

    def text(self, key: str, limit: int | None) -> str:
        try:
            return values.text(self.cell(key), max_length=limit)
        except CellError as exc:
            self.row.problems.append(f"{FIELD_NAMES[key]} : {exc.message}")
            return ""


def parse_row(source: SourceRow, mapping: Mapping[str, str]) -> ListingRow:
    row = ListingRow(line=source.line)
    cells = _Cells(source, mapping, row)
    try:
        code = values.gtin(cells.cell("gtin"))
    except CellError as exc:
        row.problems.append(f"{FIELD_NAMES['gtin']} : {exc.message}")
        code = None
    if code is not None:
        row.ean, row.gtin = code
    row.sku = cells.text("sku", SKU_LENGTH)
    row.name = normalize_name(cells.text("name", NAME_LENGTH))
    row.brand = normalize_brand(cells.text("brand", BRAND_LENGTH))
    row.quantity_text = cells.text("quantity", None)
    row.lot_code = cells.text("lot_code", LOT_CODE_LENGTH)
    try:
        row.expires_on = parse_expiry(cells.cell("expires_on"))
    except CellError as exc:
        row.problems.append(f"{FIELD_NAMES['expires_on']} : {exc.message}")
    row.location_text = cells.text("location", LOCATION_TEXT_LENGTH)
    row.storage_conditions = cells.text("storage_conditions", STORAGE_LENGTH)
    return row


# --- matching and locations ---------------------------------------------------------------------


def _described(product: Product) -> str:
    return f"« {product.name} » ({product.sku})"


class ProductIndex:
    """The products the rows of a listing may name, read in three queries whatever the number
    of rows (a listing has hundreds), then matched in memory by `match`."""

    def __init__(self, rows: Iterable[ListingRow]) -> None:
        rows = list(rows)
        gtins = {row.gtin for row in rows if row.gtin}
        eans = {row.ean for row in rows if row.ean}
        skus = {row.sku.upper() for row in rows if row.sku}
        names = {fold_key(row.name) for row in rows if row.name}
        products = Product.objects.select_related("default_location__warehouse").order_by("pk")
        self.by_gtin: dict[str, list[Product]] = {}
        self.by_barcode: dict[str, list[Product]] = {}
        self.by_sku: dict[str, Product] = {}
        self.by_name: dict[str, list[Product]] = {}
        if gtins:
            for product in products.filter(Q(gtin__in=gtins) | Q(barcode__in=eans)):
                self.by_gtin.setdefault(product.gtin, []).append(product)
                self.by_barcode.setdefault(product.barcode, []).append(product)
        if skus:
            # Case-insensitive like the product import ("rv-001" is RV-001) on every database.
            folded = products.annotate(sku_folded=Upper("sku")).filter(sku_folded__in=skus)
            for product in folded:
                self.by_sku.setdefault(product.sku.upper(), product)
        if names:
            for product in products.filter(name_key__in=names):
                self.by_name.setdefault(product.name_key, []).append(product)

    def match(self, row: ListingRow) -> Product | None:
        """The existing product this row names: by GTIN (or a barcode equal to the code), else
        by SKU, else by name (narrowed to the brand when the row has one). None when nothing
        matches; CellError when the row names several products (choosing would be a guess)."""
        if row.gtin:
            found = {p.pk: p for p in self.by_gtin.get(row.gtin, [])}
            found.update((p.pk, p) for p in self.by_barcode.get(row.ean, []))
            if len(found) > 1:
                raise CellError(
                    f"plusieurs produits ont le code {row.ean} : corrigez le catalogue."
                )
            if found:
                return next(iter(found.values()))
        if row.sku:
            product = self.by_sku.get(row.sku.upper())
            if product is not None:
                if row.gtin and product.gtin and product.gtin != row.gtin:
                    raise CellError(
                        f"la référence {row.sku} désigne {_described(product)}, "
                        f"dont le GTIN n'est pas {row.ean}."
                    )
                return product
        if row.name:
            matches = [
                product
                for product in self.by_name.get(fold_key(row.name), [])
                if (not row.brand or product.brand == row.brand)
                # A product with another GTIN is another product, whatever its name.
                and (not row.gtin or product.gtin in ("", row.gtin))
            ]
            if len(matches) > 1:
                raise CellError(
                    f"plusieurs produits s'appellent « {row.name} » : "
                    "indiquez leur code ou leur marque."
                )
            if matches:
                return matches[0]
        return None


def match_product(row: ListingRow) -> Product | None:
    """One row's product (see ProductIndex.match)."""
    return ProductIndex([row]).match(row)


LOCATION_CODE_ONLY = re.compile(r"^[^\s:]+-[^\s:]+-[^\s:]+$")  # not "LOC:REC:A-01-1"


def location_label(location: Location) -> str:
    """How a location is typed back: "REC A-01-1" (what `find_location` reads)."""
    return f"{location.warehouse.code} {location.code}"


def receiving_location(warehouse: Warehouse | None) -> Location | None:
    """Where a received line lands when neither the row nor its product names a place: the first
    active location of the receipt's warehouse (in code order: the dock, in our warehouses)."""
    if warehouse is None:
        return None
    return (
        Location.objects.select_related("warehouse")
        .filter(warehouse=warehouse, is_active=True)
        .order_by("zone", "aisle", "shelf")
        .first()
    )


def find_location(written: str, warehouse: Warehouse | None) -> Location:
    """An existing active location from "REC A-01-1", "LOC:REC:A-01-1", or "A-01-1" in the
    receipt's warehouse. Locations are never created here: a typo must not become a shelf."""
    text = " ".join(written.split())
    if LOCATION_CODE_ONLY.match(text) and warehouse is not None:
        text = f"{warehouse.code} {text}"
    ref = location_ref(text)
    if ref is None:
        raise CellError("emplacement manquant.")
    code = normalize_code_part(ref.warehouse)
    place = Warehouse.objects.filter(code=code).first() or warehouse_named(ref.warehouse)
    if place is None:
        raise CellError(f"entrepôt « {ref.warehouse} » inconnu.")
    parts = [normalize_code_part(part) for part in (ref.zone, ref.aisle, ref.shelf)]
    location = (
        Location.objects.select_related("warehouse")
        .filter(warehouse=place, zone=parts[0], aisle=parts[1], shelf=parts[2])
        .first()
    )
    if location is None:
        raise CellError(f"emplacement « {place.code} {'-'.join(parts)} » inconnu.")
    if not location.is_active:
        raise CellError(f"emplacement « {location_label(location)} » désactivé.")
    return location


# --- the review: one planned line per row -------------------------------------------------------


@dataclass
class Decision:
    """What the user chose for a row on the review screen."""

    apply: bool = True
    quantity: str | None = None  # None: the file's value
    location: str | None = None  # None: the row's or the default location

    def as_json(self) -> dict[str, Any]:
        return {"apply": self.apply, "quantity": self.quantity, "location": self.location}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Decision:
        data = data or {}
        quantity, location = data.get("quantity"), data.get("location")
        return cls(
            apply=bool(data.get("apply", True)),
            quantity=None if quantity is None else str(quantity),
            location=None if location is None else str(location),
        )


@dataclass
class PlannedLine:
    row: ListingRow
    decision: Decision
    product: Product | None = None
    quantity: int | None = None
    location: Location | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.row.line

    @property
    def apply(self) -> bool:
        return self.decision.apply

    @property
    def is_new_product(self) -> bool:
        return self.product is None and not self.errors

    @property
    def quantity_text(self) -> str:
        return self.row.quantity_text if self.decision.quantity is None else self.decision.quantity

    @property
    def location_text(self) -> str:
        if self.decision.location is not None:
            return self.decision.location
        if self.location is not None:
            return location_label(self.location)
        return self.row.location_text

    @property
    def message(self) -> str:
        return f"ligne {self.line} : {' ; '.join(self.errors)}"


class _Resolver:
    """Lookups shared by the rows of one plan (a listing repeats its locations)."""

    def __init__(self, warehouse: Warehouse | None, rows: list[ListingRow]) -> None:
        self.warehouse = warehouse
        self.products = ProductIndex(rows)
        # Kits hold no stock (S-CATALOG): one query for all of them, not one per row.
        self.kit_ids = set(ProductKitItem.objects.values_list("kit_id", flat=True).distinct())
        self._locations: dict[str, Location | CellError] = {}
        self._receiving: Location | None = None
        self._receiving_read = False

    def location(self, written: str) -> Location:
        key = fold_key(written)
        if key not in self._locations:
            try:
                self._locations[key] = find_location(written, self.warehouse)
            except CellError as exc:
                self._locations[key] = exc
        found = self._locations[key]
        if isinstance(found, CellError):
            raise found
        return found

    def receiving(self) -> Location | None:
        if not self._receiving_read:
            self._receiving = receiving_location(self.warehouse)
            self._receiving_read = True
        return self._receiving


def plan_line(row: ListingRow, decision: Decision, resolver: _Resolver) -> PlannedLine:
    planned = PlannedLine(row=row, decision=decision, errors=list(row.problems))
    try:
        planned.quantity = parse_quantity(planned.quantity_text)
    except CellError as exc:
        planned.errors.append(f"{FIELD_NAMES['quantity']} : {exc.message}")
    if not row.problems:
        try:
            planned.product = resolver.products.match(row)
        except CellError as exc:
            planned.errors.append(exc.message)
        else:
            if planned.product is None and not row.name:
                planned.errors.append(
                    "produit inconnu et sans désignation : impossible de le créer."
                )
    product = planned.product
    if product is not None and product.pk in resolver.kit_ids:
        planned.errors.append(f"« {product.name} » est un kit : recevez ses composants.")
    if product is not None and product.perishable and row.expires_on is None:
        planned.errors.append(f"« {product.name} » est périssable : la péremption est obligatoire.")
    written = decision.location if decision.location is not None else row.location_text
    try:
        if written and written.strip():
            planned.location = resolver.location(written)
        else:
            planned.location = (product.default_location if product else None) or (
                resolver.receiving()
            )
            if planned.location is None:
                raise CellError("aucun emplacement : indiquez-en un.")
    except CellError as exc:
        planned.errors.append(f"{FIELD_NAMES['location']} : {exc.message}")
    return planned


def plan_listing(
    table: Table,
    mapping: Mapping[str, str],
    decisions: Mapping[str, Any] | None,
    warehouse: Warehouse | None,
) -> list[PlannedLine]:
    """Every data row of the table, parsed, matched and located with the user's decisions
    (`decisions` is {str(line): Decision.as_json()}, as stored in the upload's options)."""
    rows = [parse_row(source, mapping) for source in table.rows]
    resolver = _Resolver(warehouse, [row for row in rows if not row.problems])
    decisions = decisions or {}
    return [
        plan_line(row, Decision.from_json(decisions.get(str(row.line))), resolver) for row in rows
    ]


def plan_errors(plan: Iterable[PlannedLine]) -> list[str]:
    """ "ligne N : raison" for every applied row that cannot be received, and the refusal of a
    plan that receives nothing."""
    applied = [planned for planned in plan if planned.apply]
    errors = [planned.message for planned in applied if planned.errors]
    if not applied:
        errors.append("Aucune ligne à recevoir : cochez au moins une ligne.")
    return errors


def new_product_key(row: ListingRow) -> str:
    """Rows of one listing naming the same unknown product create it once."""
    return f"gtin:{row.gtin}" if row.gtin else f"name:{fold_key(row.name)}|{fold_key(row.brand)}"


def quantity_total(plan: Iterable[PlannedLine]) -> int:
    return sum(planned.quantity or 0 for planned in plan if planned.apply)
