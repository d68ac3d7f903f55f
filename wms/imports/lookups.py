"""Finding, or creating when missing, what an imported row names: a category path, tags, a
warehouse and a location (S-IMPORT: "missing categories, warehouses and locations named in a row
are created"). Names go through the S-CATALOG rules before they are looked up, so "médical" finds
the root "MÉDICAL"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wms.models import Location, ProductCategory, ProductTag, RackColor, Warehouse
from wms.models.catalog import MAX_CATEGORY_DEPTH
from wms.services.naming import normalize_category_name, normalize_code_part
from wms.text import fold_key

from .errors import CellError
from .limits import max_length
from .readers import Cell
from .values import text

LOC_PAYLOAD = re.compile(r"^LOC:(?P<warehouse>[^:]+):(?P<code>.+)$", re.IGNORECASE)
WRITTEN_LOCATION = re.compile(r"^(?P<warehouse>\S+)\s+(?P<code>\S+)$")


@dataclass(frozen=True)
class LocationRef:
    warehouse: str  # a warehouse code (or name)
    zone: str
    aisle: str
    shelf: str


def location_ref(cell: Cell) -> LocationRef | None:
    """'REC A-01-2' (as a location is shown) or 'LOC:REC:A-01-2' (its QR label)."""
    raw = text(cell)
    if not raw:
        return None
    match = LOC_PAYLOAD.match(raw) or WRITTEN_LOCATION.match(raw)
    parts = match.group("code").split("-") if match else []
    if match is None or len(parts) != 3 or not all(part.strip() for part in parts):
        raise CellError(
            f"« {raw} » n'est pas un emplacement (« ENTREPÔT ZONE-ÉTAGÈRE-BAC » ou "
            "« LOC:ENTREPÔT:ZONE-ÉTAGÈRE-BAC » attendu)."
        )
    zone, aisle, shelf = parts
    return LocationRef(match.group("warehouse"), zone, aisle, shelf)


def warehouse_named(name: str, *, exclude: int | None = None) -> Warehouse | None:
    """The warehouse of that name, case- and accent-insensitively on every database: SQLite's
    iexact ignores the case of ASCII letters only ("RÉCEPTION" would miss "Réception"), while
    MariaDB's collation already folds both. There are a handful of warehouses: compared here."""
    key = fold_key(name)
    return next(
        (
            warehouse
            for warehouse in Warehouse.objects.order_by("pk")
            if warehouse.pk != exclude and fold_key(warehouse.name) == key
        ),
        None,
    )


def _fits(value: str, model: type[Warehouse | Location], field: str, what: str) -> str:
    limit = max_length(model, field)
    if limit is not None and len(value) > limit:
        raise CellError(f"{what} « {value} » trop long ({limit} caractères au plus).")
    return value


class CatalogLookups:
    """One per import run. Tags are cached by folded name because the tag table has no key column
    (and a case-insensitive MariaDB collation would refuse "médical" beside "Médical"); the cache
    is dropped whenever a row is rolled back, since it may hold tags that row created."""

    def __init__(self) -> None:
        self._tags: dict[str, ProductTag] | None = None

    def forget(self) -> None:
        self._tags = None

    def category(self, levels: list[str]) -> ProductCategory:
        if not 1 <= len(levels) <= MAX_CATEGORY_DEPTH:
            raise CellError(f"{len(levels)} niveaux de catégories, {MAX_CATEGORY_DEPTH} au plus.")
        node: ProductCategory | None = None
        for depth, raw in enumerate(levels):
            name = normalize_category_name(raw, is_root=depth == 0)
            found = ProductCategory.objects.filter(
                parent_marker=node.pk if node else 0, name_key=fold_key(name)
            ).first()
            node = found or ProductCategory.objects.create(name=name, parent=node)
        if node is None:  # pragma: no cover - the length check above rules it out
            raise CellError("catégorie vide.")
        return node

    def find_category(self, levels: list[str]) -> ProductCategory | None:
        """The category at this path, or None when some level of it does not exist yet."""
        node: ProductCategory | None = None
        for depth, raw in enumerate(levels):
            name = normalize_category_name(raw, is_root=depth == 0)
            node = ProductCategory.objects.filter(
                parent_marker=node.pk if node else 0, name_key=fold_key(name)
            ).first()
            if node is None:
                return None
        return node

    def tags(self, names: list[str]) -> list[ProductTag]:
        if self._tags is None:
            self._tags = {fold_key(tag.name): tag for tag in ProductTag.objects.all()}
        found = []
        for name in names:
            key = fold_key(name)
            if key not in self._tags:
                self._tags[key] = ProductTag.objects.create(name=name)
            found.append(self._tags[key])
        return found

    def warehouse(self, written: str) -> Warehouse:
        """By code, else by name; a missing one is created with the code as its name. Blank: the
        receiving warehouse, where new stock lands anyway."""
        if not written.strip():
            receiving = Warehouse.receiving()
            if receiving is None:
                raise CellError("aucun entrepôt n'existe encore : indiquez son code.")
            return receiving
        code = normalize_code_part(written)
        found = Warehouse.objects.filter(code=code).first() or warehouse_named(written)
        if found is not None:
            return found
        _fits(code, Warehouse, "code", "Code d'entrepôt")
        return Warehouse.objects.create(name=code, code=code)

    def location(self, ref: LocationRef) -> Location:
        return self.location_and_created(ref)[0]

    def location_and_created(self, ref: LocationRef) -> tuple[Location, bool]:
        warehouse = self.warehouse(ref.warehouse)
        zone, aisle, shelf = (
            _fits(normalize_code_part(value), Location, field, what)
            for value, field, what in (
                (ref.zone, "zone", "Zone"),
                (ref.aisle, "aisle", "Étagère"),
                (ref.shelf, "shelf", "Bac"),
            )
        )
        return Location.objects.get_or_create(
            warehouse=warehouse, zone=zone, aisle=aisle, shelf=shelf
        )

    def rack_color(self, location: Location, color: str) -> None:
        RackColor.objects.update_or_create(
            warehouse=location.warehouse, zone=location.zone, defaults={"color": color}
        )
