"""Warehouse import: code and name. Matched by code, else by name (case-insensitive); a new
warehouse without a name takes its code as its name, as a location import would create it."""

from __future__ import annotations

import functools

from wms.models import Warehouse
from wms.services.naming import normalize_code_part

from . import values
from .columns import Column, ColumnSet, RowView
from .limits import max_length
from .lookups import warehouse_named
from .pipeline import Outcome
from .table_import import TableImporter

CODE_LENGTH = max_length(Warehouse, "code")
NAME_LENGTH = max_length(Warehouse, "name")


class WarehouseImporter(TableImporter):
    columns = ColumnSet(
        [
            Column("code", "Code", ("code entrepôt", "code entrepot", "warehouse code")),
            Column("name", "Nom", ("entrepôt", "name", "nom de l'entrepôt", "warehouse")),
        ]
    )
    identifying = ("code", "name")

    def process(self, row: RowView) -> Outcome:
        code = normalize_code_part(
            row.value("code", functools.partial(values.text, max_length=CODE_LENGTH), "")
        )
        name = " ".join(
            row.value("name", functools.partial(values.text, max_length=NAME_LENGTH), "").split()
        )
        row.check()
        if not code and not name:
            raise row.error("le code ou le nom de l'entrepôt est obligatoire.")
        found = (Warehouse.objects.filter(code=code).first() if code else None) or (
            warehouse_named(name) if name else None
        )
        if found is None:
            if not code:
                raise row.error("le code est obligatoire pour créer un entrepôt.")
            created = Warehouse.objects.create(code=code, name=name or code)
            self.once(row, str(created.pk), code)
            return Outcome.CREATED
        if code and found.code != code:
            raise row.error(
                f"le nom « {name} » est déjà celui de l'entrepôt {found.code}, pas de {code}."
            )
        # Keyed on the record, not on what the row wrote: "REC" and "Réception" are one warehouse.
        self.once(row, str(found.pk), found.code)
        outcome = self.existing(row, f"entrepôt {found.code} « {found.name} »")
        if outcome is Outcome.UPDATED and name and name != found.name:
            clash = warehouse_named(name, exclude=found.pk)
            if clash is not None:
                raise row.error(f"le nom « {name} » est déjà celui de l'entrepôt {clash.code}.")
            found.name = name
            found.save(update_fields=["name"])
        return outcome
