"""Category import: one category per row, given as its path ("MÉDICAL > Pansements"), as levels
(category_l1…l4, as the product import reads them), or as a name under a parent path (what the
export writes beside the path). Missing parents are created; names follow S-CATALOG (roots in
capitals). A category has nothing besides its name, so an existing one is reported and skipped."""

from __future__ import annotations

import functools

from wms.models import ProductCategory
from wms.models.catalog import MAX_CATEGORY_DEPTH

from . import values
from .columns import Column, ColumnSet, RowView
from .errors import CellError
from .lookups import CatalogLookups
from .pipeline import Outcome
from .products import CATEGORY_LEVELS, CATEGORY_NAME_LENGTH
from .table_import import TableImporter

PATH = functools.partial(values.path, max_depth=MAX_CATEGORY_DEPTH, max_length=CATEGORY_NAME_LENGTH)
NAME = functools.partial(values.text, max_length=CATEGORY_NAME_LENGTH)


class CategoryImporter(TableImporter):
    columns = ColumnSet(
        [
            Column("category", "Catégorie", ("chemin", "chemin de catégorie", "category path")),
            Column("name", "Nom", ("name", "nom de la catégorie", "libellé")),
            Column("parent", "Catégorie parente", ("parent", "parent category", "parente")),
            Column("level", "Niveau", ("level",)),
            *(
                Column(
                    key, f"Catégorie niveau {level}", (f"catégorie {level}", f"category {level}")
                )
                for level, key in enumerate(CATEGORY_LEVELS, start=1)
            ),
        ]
    )
    identifying = ("category", "name", CATEGORY_LEVELS[0])

    def __init__(self, *, update: bool = False) -> None:
        super().__init__(update=update)
        self.lookups = CatalogLookups()

    def _levels(self, row: RowView) -> list[str]:
        if row.filled("category"):
            levels: list[str] = row.value("category", PATH, [])
            name = " ".join(row.value("name", NAME, "").split())
            if levels and name and name.casefold() != levels[-1].casefold():
                row.problem(
                    f"le nom « {name} » n'est pas le dernier niveau de « {' > '.join(levels)} »."
                )
            return levels
        if any(row.filled(key) for key in CATEGORY_LEVELS):
            levels = [" ".join(row.value(key, NAME, "").split()) for key in CATEGORY_LEVELS]
            while levels and not levels[-1]:
                levels.pop()
            if not all(levels):
                row.problem("niveau de catégorie manquant avant un niveau renseigné.")
            return levels
        name = " ".join(row.value("name", NAME, "").split())
        if not name:
            return []
        parent: list[str] = row.value("parent", PATH, [])
        if len(parent) >= MAX_CATEGORY_DEPTH:
            row.problem(
                f"« {name} » serait au niveau {len(parent) + 1}, {MAX_CATEGORY_DEPTH} au plus."
            )
        return [*parent, name]

    def process(self, row: RowView) -> Outcome:
        levels = self._levels(row)
        row.check()
        if not levels:
            raise row.error("la catégorie est vide.")
        existing = self.lookups.find_category(levels)
        if existing is not None:
            self.once(row, str(existing.pk), f"la catégorie « {existing.path} »")
            self.existing(row, f"catégorie « {existing.path} »", existing)
            return Outcome.SKIPPED
        try:
            category = self.lookups.category(levels)
        except CellError as exc:
            raise row.error(exc.message) from exc
        self.once(row, str(category.pk), f"la catégorie « {category.path} »")
        node: ProductCategory | None = category
        while node is not None:  # the parents this row created are new too
            self.remember_created(node)
            node = node.parent
        return Outcome.CREATED
