"""Bin packing for the pack screen and order preparation (S-CARTONS).

Greedy first-fit: lines are taken largest unit first (by the larger of its volume and weight
ratios to the carton), and each line's units go into the first carton with room for them, then
into new cartons. Pure computation: nothing is read from or written to the database here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from wms.services.errors import StockError

# The values a user may accept for a product with neither weight nor volume (S-CARTONS).
DEFAULT_UNIT_WEIGHT_G = Decimal(5)
DEFAULT_UNIT_VOLUME_CM3 = Decimal(1)


class MissingDimensions(StockError):
    """Products with no weight and no volume: packing needs the user's consent to defaults."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            "Poids et volume inconnus pour : "
            + ", ".join(names)
            + ". Confirmez l'emploi des valeurs par défaut (5 g, 1 cm³) ou complétez la fiche.",
            code="missing_dimensions",
        )
        self.names = names


@dataclass(frozen=True)
class Capacity:
    volume_cm3: Decimal
    weight_g: Decimal

    def __post_init__(self) -> None:
        if self.volume_cm3 <= 0 or self.weight_g <= 0:
            raise StockError("Le carton doit avoir des dimensions et un poids maximal positifs.")


@dataclass(frozen=True)
class Line:
    key: Any  # what the caller packs (a product, its id, …)
    label: str
    quantity: int
    unit_volume_cm3: Decimal
    unit_weight_g: Decimal


@dataclass
class Bin:
    contents: dict[Any, int] = field(default_factory=dict)
    volume_cm3: Decimal = Decimal(0)
    weight_g: Decimal = Decimal(0)

    def room_for(self, line: Line, capacity: Capacity) -> int:
        return _units_within(
            capacity.volume_cm3 - self.volume_cm3,
            capacity.weight_g - self.weight_g,
            line,
        )

    def put(self, line: Line, units: int) -> None:
        self.contents[line.key] = self.contents.get(line.key, 0) + units
        self.volume_cm3 += line.unit_volume_cm3 * units
        self.weight_g += line.unit_weight_g * units


def _units_within(volume: Decimal, weight: Decimal, line: Line) -> int:
    limits = []
    if line.unit_volume_cm3 > 0:
        limits.append(math.floor(volume / line.unit_volume_cm3))
    if line.unit_weight_g > 0:
        limits.append(math.floor(weight / line.unit_weight_g))
    if not limits:  # weightless and volumeless: only reachable with explicit zero values
        return line.quantity
    return max(0, min(limits))


def unit_size(
    weight_g: Decimal | int | None, volume_cm3: Decimal | int | None, *, use_defaults: bool
) -> tuple[Decimal, Decimal] | None:
    """(volume, weight) of one unit; a missing half takes its default value. None when both are
    missing and the user has not accepted the defaults."""
    if not weight_g and not volume_cm3 and not use_defaults:
        return None
    volume = Decimal(volume_cm3) if volume_cm3 else DEFAULT_UNIT_VOLUME_CM3
    weight = Decimal(weight_g) if weight_g else DEFAULT_UNIT_WEIGHT_G
    return volume, weight


def build_lines(
    items: Iterable[tuple[Any, str, int, Decimal | int | None, Decimal | int | None]],
    *,
    use_defaults: bool,
) -> list[Line]:
    """Lines from (key, label, quantity, unit weight g, unit volume cm³). Raises
    MissingDimensions naming every item with neither weight nor volume, unless the user has
    accepted the default values (S-CARTONS)."""
    lines, missing = [], []
    for key, label, quantity, weight_g, volume_cm3 in items:
        size = unit_size(weight_g, volume_cm3, use_defaults=use_defaults)
        if size is None:
            missing.append(label)
            continue
        lines.append(Line(key, label, quantity, size[0], size[1]))
    if missing:
        raise MissingDimensions(missing)
    return lines


def pack_lines(lines: list[Line], capacity: Capacity, max_bins: int | None = None) -> list[Bin]:
    """Cartons for these lines; raises StockError for a unit that fits in no carton, and as
    soon as more than `max_bins` cartons would be needed (a typo of a million units must not
    build a million cartons in memory)."""
    too_big = [
        line.label
        for line in lines
        if line.unit_volume_cm3 > capacity.volume_cm3 or line.unit_weight_g > capacity.weight_g
    ]
    if too_big:
        raise StockError(
            "Une unité est plus grande ou plus lourde que le carton : " + ", ".join(too_big) + ".",
            code="unit_too_large",
        )

    def size(line: Line) -> Decimal:
        return max(
            line.unit_volume_cm3 / capacity.volume_cm3, line.unit_weight_g / capacity.weight_g
        )

    bins: list[Bin] = []
    for line in sorted(lines, key=size, reverse=True):
        remaining = line.quantity
        for carton in bins:
            if remaining == 0:
                break
            units = min(remaining, carton.room_for(line, capacity))
            if units:
                carton.put(line, units)
                remaining -= units
        per_carton = max(1, Bin().room_for(line, capacity))
        while remaining:
            if max_bins is not None and len(bins) >= max_bins:
                raise StockError(
                    f"Ces lignes demandent plus de {max_bins} cartons : divisez-les.",
                    code="too_many_cartons",
                )
            carton = Bin()
            units = min(remaining, per_carton)
            carton.put(line, units)
            bins.append(carton)
            remaining -= units
    return bins


def units_per_carton(
    unit_volume_cm3: Decimal | int | None,
    unit_weight_g: Decimal | int | None,
    capacity: Capacity,
) -> int | None:
    """The partners' estimate: units per carton from the known values, None when none is known."""
    limits = []
    if unit_volume_cm3:
        limits.append(math.floor(capacity.volume_cm3 / Decimal(unit_volume_cm3)))
    if unit_weight_g:
        limits.append(math.floor(capacity.weight_g / Decimal(unit_weight_g)))
    if not limits:
        return None
    return max(0, min(limits))


def cartons_needed(quantity: int, per_carton: int | None) -> int | None:
    if not per_carton:
        return None
    return math.ceil(quantity / per_carton)
