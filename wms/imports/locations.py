"""Location import: warehouse, zone, shelf and bin (or one "Emplacement" cell as printed or as
its QR payload), rack colour, notes, active. A missing warehouse is created, as for products
(S-IMPORT). Matched by its four parts: an existing location is skipped, or updated (notes,
active, rack colour) with `update`."""

from __future__ import annotations

import functools

from wms.models import Location

from . import values
from .columns import Column, ColumnSet, RowView
from .errors import CellError
from .limits import max_length
from .lookups import CatalogLookups, LocationRef, location_ref
from .pipeline import Outcome
from .table_import import TableImporter

NOTES_LENGTH = max_length(Location, "notes")
PARTS = ("zone", "aisle", "shelf")


class LocationImporter(TableImporter):
    columns = ColumnSet(
        [
            Column("location", "Emplacement", ("location", "code emplacement", "adresse")),
            Column("warehouse", "Entrepôt", ("warehouse", "code entrepôt")),
            Column("zone", "Zone", ("rack",)),
            Column("aisle", "Étagère", ("aisle", "allée", "rayon")),
            Column("shelf", "Bac", ("bin", "shelf", "niveau")),
            Column("rack_color", "Couleur du rack", ("couleur rack", "rack colour", "couleur")),
            Column("notes", "Notes", ("note", "remarques", "commentaire")),
            Column("is_active", "Actif", ("active", "is active")),
        ]
    )
    identifying = ("location", "zone")

    def __init__(self, *, update: bool = False) -> None:
        super().__init__(update=update)
        self.lookups = CatalogLookups()

    def _ref(self, row: RowView) -> LocationRef | None:
        if row.filled("location"):
            if any(row.filled(key) for key in PARTS):
                row.problem(
                    f"emplacement donné deux fois : « {row.label('location')} » et "
                    "zone / étagère / bac. Gardez l'une des formes."
                )
            return row.value("location", location_ref, None)
        zone, aisle, shelf = (row.value(key, values.text, "") for key in PARTS)
        if not (zone and aisle and shelf):
            row.problem("emplacement incomplet : zone, étagère et bac sont nécessaires.")
            return None
        return LocationRef(row.value("warehouse", values.text, ""), zone, aisle, shelf)

    def process(self, row: RowView) -> Outcome:
        ref = self._ref(row)
        color = row.value("rack_color", values.color, "")
        # A blank cell says nothing: on update it must leave the notes as they are, not wipe them.
        notes = (
            row.value("notes", functools.partial(values.text, max_length=NOTES_LENGTH), None)
            if row.filled("notes")
            else None
        )
        active = row.value("is_active", values.boolean, None)
        row.check()
        if ref is None:  # pragma: no cover - row.check() raised when the parts were missing
            raise row.error("emplacement manquant.")
        try:
            location, created = self.lookups.location_and_created(ref)
        except CellError as exc:
            raise row.error(exc.message) from exc
        self.once(row, str(location.pk), f"l'emplacement {location}")
        if created:
            outcome = Outcome.CREATED
        else:
            outcome = self.existing(row, f"emplacement {location}")
            if outcome is Outcome.SKIPPED:
                return outcome
        changed: list[str] = []
        if notes is not None and notes != location.notes:
            location.notes, changed = notes, [*changed, "notes"]
        if active is not None and active != location.is_active:
            location.is_active, changed = active, [*changed, "is_active"]
        if changed:
            location.save(update_fields=changed)
        if color:
            self.lookups.rack_color(location, color)
        return outcome
