"""Carton codes `TT-YYYYMMDD-N` (S-CARTONS): the type letters of the dominant root category (by
weight, else by units), the local creation date, a per-day counter; TT follows the contents while
the carton is open and is frozen once it is packed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from tests.factories import ProductFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import Carton, ProductCategory
from wms.services import packing, stock

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^[A-Z0-9]{2}-\d{8}-\d+$")


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def letters(carton: Carton) -> str:
    carton.refresh_from_db()
    return carton.code.split("-", 1)[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Matériel médical", "MM"),
        ("Pharmacie", "PH"),
        ("Équipement", "EQ"),
        ("  hygiène   et soins ", "HE"),
        ("Lits d'hôpital", "LD"),
        ("A", "AX"),
        ("4x4 pièces", "4P"),
        ("", "XX"),
        ("—", "XX"),
    ],
)
def test_type_letters_are_initials_or_the_first_two_letters(name, expected):
    assert packing.type_letters_of(name) == expected


def test_a_new_carton_is_xx_with_the_format_of_the_code(sc):
    carton = packing.create_carton(actor=sc.actor)
    assert CODE.match(carton.code)
    assert carton.code.startswith("XX-")
    assert carton.code == f"XX-{carton.code_suffix}"


def test_the_dominant_root_category_is_chosen_by_weight(sc):
    heavy = stocked_product(10, category="Pharmacie", weight_g=1000)
    light = stocked_product(50, category="Matériel médical", weight_g=10)
    carton = packing.pack(product=light, quantity=20, actor=sc.actor).carton  # 200 g
    assert letters(carton) == "MM"
    packing.pack(product=heavy, quantity=1, actor=sc.actor, carton=carton)  # 1000 g > 200 g
    assert letters(carton) == "PH"


def test_without_every_weight_the_dominant_category_is_chosen_by_units(sc):
    heavy = stocked_product(10, category="Pharmacie", weight_g=1000)
    unknown = stocked_product(50, category="Matériel médical", weight_g=None)
    carton = packing.pack(product=heavy, quantity=2, actor=sc.actor).carton
    packing.pack(product=unknown, quantity=3, actor=sc.actor, carton=carton)
    assert letters(carton) == "MM"  # 3 units > 2 units


def test_a_subcategory_counts_for_its_root(sc):
    root, _ = ProductCategory.objects.get_or_create(name="Équipement", parent=None)
    child = ProductCategory.objects.create(name="Fauteuils roulants", parent=root)
    product = ProductFactory(category=child, weight_g=100)
    stock.receive(product=product, quantity=5)
    carton = packing.pack(product=product, quantity=1, actor=sc.actor).carton
    assert letters(carton) == "EQ"


def test_products_without_a_category_give_xx(sc):
    product = ProductFactory(category=None, weight_g=100)
    stock.receive(product=product, quantity=5)
    carton = packing.pack(product=product, quantity=2, actor=sc.actor).carton
    assert letters(carton) == "XX"


def test_the_type_changes_while_picking_and_is_frozen_when_packed(sc):
    pharmacy = stocked_product(10, category="Pharmacie", weight_g=100)
    equipment = stocked_product(10, category="Équipement", weight_g=100)
    carton = packing.pack(product=pharmacy, quantity=1, actor=sc.actor).carton
    suffix = carton.code_suffix
    packing.pack(product=equipment, quantity=2, actor=sc.actor, carton=carton)
    assert letters(carton) == "EQ"
    packing.close_carton(carton=carton, actor=sc.actor)
    assert letters(carton) == "EQ"
    # Frozen: whatever happens to the catalogue, the printed label stays right.
    equipment.weight_g = 1
    equipment.save()
    packing.reopen_carton(carton=carton, actor=sc.actor)
    assert letters(carton) == "EQ"  # reopening alone does not recompute the letters
    # Once reopened (picking again) the next pack recomputes them from the contents.
    packing.pack(product=pharmacy, quantity=1, actor=sc.actor, carton=carton)
    assert letters(carton) == "PH"  # 2 × 100 g > 2 × 1 g
    carton.refresh_from_db()
    assert carton.code_suffix == suffix and carton.code == f"PH-{suffix}"


def test_the_code_has_the_local_date_and_a_per_day_counter(sc):
    # 23:30 UTC on 14 March is 00:30 on 15 March in Paris.
    with time_machine.travel(dt.datetime(2031, 3, 14, 23, 30, tzinfo=dt.UTC), tick=False):
        first = packing.create_carton(actor=sc.actor)
        second = packing.create_carton(actor=sc.actor)
    assert first.created_on == dt.date(2031, 3, 15)
    assert (first.code, second.code) == ("XX-20310315-1", "XX-20310315-2")
    with time_machine.travel(dt.datetime(2031, 3, 15, 22, 59, tzinfo=dt.UTC), tick=False):
        assert packing.create_carton(actor=sc.actor).code == "XX-20310315-3"
    with time_machine.travel(dt.datetime(2031, 3, 15, 23, 0, tzinfo=dt.UTC), tick=False):
        assert packing.create_carton(actor=sc.actor).code == "XX-20310316-1"


def test_packed_codes_match_the_format(sc):
    shipment = sc.packed_shipment(cartons=3)
    codes = list(shipment.cartons.values_list("code", flat=True))
    assert len(set(codes)) == 3
    assert all(CODE.match(code) for code in codes)
