"""Name rules of S-CATALOG (wms.services.naming), used by forms, imports and normalize_wms_text."""

from __future__ import annotations

import pytest
from django.test import override_settings

from wms.services.naming import (
    UNITS,
    normalize_brand,
    normalize_category_name,
    normalize_code_part,
    normalize_name,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("paracétamol 500mg", "Paracétamol 500mg"),
        ("pH-mètre", "pH-mètre"),
        ("gel hydro-alcoolique 100ml", "Gel Hydro-Alcoolique 100ml"),
        ("éther officinal", "Éther Officinal"),
    ],
)
def test_it_applies_the_examples_of_the_spec(typed, expected):
    assert normalize_name(typed) == expected


def test_a_lower_case_word_gets_a_capital_initial_and_a_hyphenated_one_on_each_part():
    assert normalize_name("compresses stériles") == "Compresses Stériles"
    assert normalize_name("anti-moustique") == "Anti-Moustique"


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_units_stay_lower_case(unit):
    assert normalize_name(f"sérum 5 {unit}") == f"Sérum 5 {unit}"


def test_the_listed_units_include_those_of_the_spec():
    assert {"mg", "ml", "g", "kg", "cm", "µg", "ui"} <= UNITS


def test_words_with_digits_or_mixed_case_stay_as_typed():
    assert normalize_name("seringue 5ml luer-Lock 2x") == "Seringue 5ml luer-Lock 2x"
    assert normalize_name("iPhone eCG BANDE") == "iPhone eCG BANDE"


def test_acronyms_of_the_configured_list_are_upper_cased():
    assert normalize_name("masque ffp2 epi") == "Masque FFP2 EPI"
    assert normalize_name("Kit Pca") == "Kit PCA"


@override_settings(NAME_ACRONYMS=["EPI", "MSF"])
def test_an_acronym_added_to_the_setting_is_upper_cased():
    assert normalize_name("don msf") == "Don MSF"
    # Only the configured list counts: FFP2 is no longer in it, and a word with a digit stays.
    assert normalize_name("masque ffp2") == "Masque ffp2"


@override_settings(NAME_ACRONYMS=[])
def test_without_the_setting_an_acronym_is_an_ordinary_word():
    assert normalize_name("kit epi") == "Kit Epi"


def test_spaces_are_collapsed_and_trimmed():
    assert normalize_name("  gants \t  nitrile\n  poudré ") == "Gants Nitrile Poudré"
    assert normalize_brand("  b.   braun ") == "B. BRAUN"


def test_the_rules_are_idempotent():
    for typed in ("paracétamol 500mg", "gel hydro-alcoolique 100ml", "masque ffp2 epi", "pH-mètre"):
        once = normalize_name(typed)
        assert normalize_name(once) == once


def test_brands_are_upper_cased():
    assert normalize_brand("laboratoire dupont") == "LABORATOIRE DUPONT"
    assert normalize_brand("Mölnlycke") == "MÖLNLYCKE"


def test_root_categories_are_upper_cased_and_deeper_ones_follow_the_name_rules():
    assert normalize_category_name("hygiène  corporelle", is_root=True) == "HYGIÈNE CORPORELLE"
    assert normalize_category_name("médical", is_root=True) == "MÉDICAL"
    assert normalize_category_name("hygiène  corporelle", is_root=False) == "Hygiène Corporelle"
    assert normalize_category_name("gants epi", is_root=False) == "Gants EPI"


def test_location_code_parts_lose_every_space_and_are_upper_cased():
    assert normalize_code_part(" a 1 ") == "A1"
    assert normalize_code_part("rcp") == "RCP"
    assert normalize_code_part("01") == "01"
