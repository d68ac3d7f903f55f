"""The take-over report (S-LEGACY): rows per table in the old and the new database, every
difference explained, and every anomaly met on the way (ledger gaps, names that match no
contact, invalid GTINs, duplicates folded by the new constraints…)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class TableCount:
    old: int = 0
    new: int = 0
    # Why new != old, one line per cause ("2 catégories racines « HYGIENE » fusionnées").
    explanations: list[str] = field(default_factory=list)

    @property
    def explained(self) -> bool:
        return self.old == self.new or bool(self.explanations)


@dataclass
class Report:
    counts: dict[str, TableCount] = field(default_factory=dict)
    anomalies: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    dry_run: bool = False
    committed: bool = False

    def table(self, legacy_table: str) -> TableCount:
        return self.counts.setdefault(legacy_table, TableCount())

    def count(self, legacy_table: str, *, old: int, new: int, why: str = "") -> None:
        """Record one legacy table's figures; `why` explains a difference (one line)."""
        entry = self.table(legacy_table)
        entry.old, entry.new = old, new
        if why:
            entry.explanations.append(why)

    def explain(self, legacy_table: str, why: str) -> None:
        self.table(legacy_table).explanations.append(why)

    def anomaly(self, kind: str, text: str) -> None:
        """kind: a short French heading ("Écarts du journal de stock", "Noms non rapprochés"…)."""
        self.anomalies[kind].append(text)

    @property
    def unexplained(self) -> list[str]:
        return [name for name, entry in self.counts.items() if not entry.explained]

    def render(self) -> str:
        width = max([len(name) for name in self.counts] + [20])
        lines = [
            "Reprise des données de l'ancien ASF WMS"
            + (" (simulation : rien n'a été enregistré)" if self.dry_run else ""),
            "",
            f"{'table (ancienne base)':<{width}}  {'ancienne':>8}  {'nouvelle':>8}  écart",
        ]
        for name in sorted(self.counts):
            entry = self.counts[name]
            gap = entry.new - entry.old
            shown = f"{gap:+d}" if gap else ""
            lines.append(f"{name:<{width}}  {entry.old:>8}  {entry.new:>8}  {shown}")
            lines.extend(f"{'':<{width}}    ↳ {why}" for why in entry.explanations)
        if self.unexplained:
            lines += ["", f"Écarts sans explication : {', '.join(self.unexplained)}"]
        lines += ["", f"Anomalies : {sum(len(items) for items in self.anomalies.values())}"]
        for kind in sorted(self.anomalies):
            items = self.anomalies[kind]
            lines.append(f"- {kind} ({len(items)})")
            lines.extend(f"    · {item}" for item in items)
        return "\n".join(lines) + "\n"
