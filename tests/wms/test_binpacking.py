"""Bin packing (S-CARTONS): greedy first-fit by max(volume ratio, weight ratio). Whatever the
lines, every unit is placed exactly once, no carton is over its volume or weight, and there are
never more cartons than units. Pure computation: no database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.services.binpacking import (
    Capacity,
    Line,
    MissingDimensions,
    build_lines,
    cartons_needed,
    pack_lines,
    unit_size,
    units_per_carton,
)
from wms.services.errors import StockError

CARTON = Capacity(volume_cm3=Decimal(36000), weight_g=Decimal(8000))


def placed(bins: list) -> dict:
    totals: dict = {}
    for carton in bins:
        for key, units in carton.contents.items():
            totals[key] = totals.get(key, 0) + units
    return totals


# --- the property --------------------------------------------------------------------------


def amounts(upper: int) -> st.SearchStrategy[Decimal]:
    """Sizes with one decimal, 0 included (a product may have only one of the two values)."""
    return st.integers(min_value=0, max_value=upper * 10).map(lambda tenths: Decimal(tenths) / 10)


@st.composite
def problems(draw: st.DrawFn) -> tuple[Capacity, list[Line]]:
    volume = draw(st.integers(min_value=1, max_value=60_000))
    weight = draw(st.integers(min_value=1, max_value=30_000))
    capacity = Capacity(Decimal(volume), Decimal(weight))
    count = draw(st.integers(min_value=1, max_value=6))
    lines = [
        Line(
            key=index,
            label=f"Produit {index}",
            quantity=draw(st.integers(min_value=0, max_value=80)),
            # Every unit fits in an empty carton: oversized units are the error case below.
            unit_volume_cm3=draw(amounts(volume)).min(capacity.volume_cm3),
            unit_weight_g=draw(amounts(weight)).min(capacity.weight_g),
        )
        for index in range(count)
    ]
    return capacity, lines


@given(problems())
def test_every_unit_is_placed_once_and_no_carton_is_overfull(problem):
    capacity, lines = problem
    bins = pack_lines(lines, capacity)
    by_key = {line.key: line for line in lines}
    expected = {line.key: line.quantity for line in lines if line.quantity}
    assert placed(bins) == expected
    for carton in bins:
        assert carton.contents and all(units > 0 for units in carton.contents.values())
        volume = sum(by_key[key].unit_volume_cm3 * units for key, units in carton.contents.items())
        weight = sum(by_key[key].unit_weight_g * units for key, units in carton.contents.items())
        assert volume <= capacity.volume_cm3
        assert weight <= capacity.weight_g
        assert (carton.volume_cm3, carton.weight_g) == (volume, weight)
    assert len(bins) <= sum(line.quantity for line in lines)


# --- examples --------------------------------------------------------------------------------


def test_first_fit_puts_small_units_in_the_room_left_by_big_ones():
    capacity = Capacity(Decimal(100), Decimal(1000))
    big = Line("big", "Gros", 3, Decimal(60), Decimal(1))
    small = Line("small", "Petit", 4, Decimal(30), Decimal(1))
    bins = pack_lines([small, big], capacity)  # the biggest unit goes first, whatever the order
    assert [carton.contents for carton in bins] == [
        {"big": 1, "small": 1},
        {"big": 1, "small": 1},
        {"big": 1, "small": 1},
        {"small": 1},
    ]


def test_the_weight_ratio_counts_when_it_is_the_larger():
    heavy = Line("eau", "Eau 1,5 L", 10, Decimal(1500), Decimal(1600))
    bins = pack_lines([heavy], CARTON)
    assert [carton.contents["eau"] for carton in bins] == [5, 5]  # 8000 g / 1600 g


def test_no_lines_need_no_carton():
    assert pack_lines([], CARTON) == []


@pytest.mark.parametrize(
    ("volume", "weight"),
    [(Decimal(36001), Decimal(10)), (Decimal(10), Decimal(8001))],
    ids=["larger", "heavier"],
)
def test_a_unit_larger_or_heavier_than_the_carton_is_an_error(volume, weight):
    lines = [Line(1, "Lit pliant", 1, volume, weight), Line(2, "Gants", 5, Decimal(1), Decimal(1))]
    with pytest.raises(
        StockError, match="plus grande ou plus lourde que le carton : Lit pliant"
    ) as caught:
        pack_lines(lines, CARTON)
    assert caught.value.code == "unit_too_large"


@pytest.mark.parametrize(("volume", "weight"), [(0, 8000), (36000, 0), (-1, 10)])
def test_a_carton_needs_a_positive_volume_and_weight(volume, weight):
    with pytest.raises(StockError, match="dimensions et un poids maximal positifs"):
        Capacity(Decimal(volume), Decimal(weight))


# --- missing weight and volume ---------------------------------------------------------------


def test_a_product_with_neither_weight_nor_volume_needs_the_users_consent():
    assert unit_size(None, None, use_defaults=False) is None
    assert unit_size(0, 0, use_defaults=False) is None
    assert unit_size(None, None, use_defaults=True) == (Decimal(1), Decimal(5))


def test_a_missing_half_takes_its_default_value():
    assert unit_size(120, None, use_defaults=False) == (Decimal(1), Decimal(120))
    assert unit_size(None, 750, use_defaults=False) == (Decimal(750), Decimal(5))


def test_building_lines_names_every_product_without_dimensions():
    items = [
        ("a", "Compresses", 10, 20, 50),
        ("b", "Attelle", 2, None, None),
        ("c", "Bandes", 3, 0, None),
    ]
    with pytest.raises(MissingDimensions) as caught:
        build_lines(items, use_defaults=False)
    assert caught.value.names == ["Attelle", "Bandes"]
    assert caught.value.code == "missing_dimensions"
    assert "Attelle, Bandes" in caught.value.message and "5 g, 1 cm³" in caught.value.message
    lines = build_lines(items, use_defaults=True)
    assert [(line.key, line.unit_volume_cm3, line.unit_weight_g) for line in lines] == [
        ("a", Decimal(50), Decimal(20)),
        ("b", Decimal(1), Decimal(5)),
        ("c", Decimal(1), Decimal(5)),
    ]
    assert isinstance(caught.value, StockError)


# --- the partners' estimate ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "weight", "per_carton"),
    [
        (500, 100, 72),  # 36000/500 = 72 < 8000/100 = 80
        (100, 500, 16),  # weight limits: 8000/500
        (500, None, 72),  # only the known values count
        (None, 100, 80),
        (None, None, None),  # "–"
        (0, 0, None),
        (40000, 10, 0),  # larger than the carton
    ],
)
def test_units_per_carton_uses_the_known_values(volume, weight, per_carton):
    assert units_per_carton(volume, weight, CARTON) == per_carton


@pytest.mark.parametrize(
    ("quantity", "per_carton", "cartons"),
    [(100, 72, 2), (72, 72, 1), (1, 72, 1), (0, 72, 0), (5, None, None), (5, 0, None)],
)
def test_cartons_needed_rounds_up_and_is_unknown_without_an_estimate(quantity, per_carton, cartons):
    assert cartons_needed(quantity, per_carton) == cartons
