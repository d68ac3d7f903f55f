"""What the steps of a take-over share: the source, the report, and the correspondence between
the earlier system's row ids and the new rows (legacy table → old id → new primary key)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .report import Report
from .source import LegacySource

LOST_LINKS = "Liens vers des lignes disparues"


class LegacyDataError(Exception):
    """The earlier data holds a row the new model cannot take (a reference to a row that does not
    exist — SQLite never enforced the declared foreign keys —, an empty mandatory timestamp…):
    the take-over stops, nothing is written, and the message names the row to fix."""


@dataclass
class TakeOver:
    source: LegacySource
    report: Report = field(default_factory=Report)
    ids: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    # Anything a later step needs from an earlier one beyond ids (e.g. folded categories).
    notes: dict[str, Any] = field(default_factory=dict)

    def remember(self, legacy_table: str, old_id: int, new_pk: int) -> None:
        self.ids[legacy_table][int(old_id)] = new_pk

    def new_id(self, legacy_table: str, old_id: Any) -> int | None:
        """The new primary key of a legacy row, None for a NULL reference or an unknown row."""
        if old_id is None or old_id == "":
            return None
        return self.ids[legacy_table].get(int(old_id))

    def linked_id(self, legacy_table: str, old_id: Any, where: str) -> int | None:
        """An optional reference: None for NULL; for a row that does not exist (SQLite never
        enforced the declared foreign keys) None too, and the lost link is reported."""
        new = self.new_id(legacy_table, old_id)
        if new is None and old_id not in (None, ""):
            skipped = (
                self.notes.get("dropped_shipments", {}) if legacy_table == "wms_shipment" else {}
            )
            if int(old_id) not in skipped:
                self.report.anomaly(
                    LOST_LINKS, f"{where} : {legacy_table} {old_id} introuvable, lien non repris"
                )
        return new

    def rows(self, legacy_table: str, order_by: str = "id") -> list[dict[str, Any]]:
        return self.source.rows(legacy_table, order_by)
