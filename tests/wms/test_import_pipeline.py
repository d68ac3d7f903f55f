"""The generic parts of the import pipeline (wms/imports): readers, header aliases, value parsers
and the all-or-nothing loop. Product-specific behaviour is in test_import_products.py."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wms.imports import values
from wms.imports.columns import Column, ColumnSet
from wms.imports.errors import CellError, ImportFileError, RowError
from wms.imports.lookups import LocationRef, location_ref
from wms.imports.pipeline import Outcome, run_import
from wms.imports.readers import (
    decode_text,
    normalize_header,
    read_csv,
    read_table,
    read_xlsx,
    sniff_delimiter,
)
from wms.models import ProductTag

# --- readers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("Poids (g)", "poids_g"),
        ("  Catégorie ", "categorie"),
        ("Volume (cm³)", "volume_cm3"),
        ("Code-barres", "code_barres"),
        ("N° de lot", "n_de_lot"),
        ("PRIX   HT", "prix_ht"),
    ],
)
def test_headers_are_normalised(written: str, normalised: str) -> None:
    assert normalize_header(written) == normalised


TEXT = "Nom;Note\nCrème;Sœur à 20 €\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        TEXT.encode("utf-16"),  # with its BOM
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-16-le"),  # no BOM: the NUL bytes give it away
        TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16-be-bom", "utf16-le", "utf16-be", "cp1252"],
)
def test_every_supported_encoding_decodes_to_the_same_text(data: bytes) -> None:
    assert decode_text(data) == TEXT


def test_bytes_cp1252_leaves_undefined_fall_back_to_latin1() -> None:
    assert decode_text(b"Nom\nA\x81B\n") == "Nom\nA\x81B\n"


def test_a_stray_nul_byte_does_not_make_utf8_look_like_utf16() -> None:
    assert decode_text(b"Nom;Prix\nA\x00;1\n") == "Nom;Prix\nA\x00;1\n"


def test_a_broken_utf16_file_is_a_file_error() -> None:
    with pytest.raises(ImportFileError, match="Encodage du fichier illisible"):
        decode_text(codecs.BOM_UTF16_LE + b"N\x00o")


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [
        ("Nom;Prix", ";"),
        ("Nom,Prix", ","),
        ("Nom\tPrix", "\t"),
        ('"Nom; complet",Prix,TVA', ","),
        ("Nom;Prix,HT", ";"),  # a tie: French Excel's `;` wins
        ("Nom", ","),
    ],
)
def test_the_delimiter_is_the_one_the_header_line_uses(first_line: str, delimiter: str) -> None:
    assert sniff_delimiter(f"\n{first_line}\nx;y,z\n") == delimiter


def test_blank_rows_are_skipped_but_keep_their_line_numbers() -> None:
    table = read_csv(b"Nom;Prix;\nA;1;ignored\n;;\n\nB;2\n")

    assert table.headers == {"nom": "Nom", "prix": "Prix"}
    assert [(row.line, row.cells) for row in table.rows] == [
        (2, {"nom": "A", "prix": "1"}),
        (5, {"nom": "B", "prix": "2"}),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Le fichier est vide."),
        (b";\nA;B\n", "La première ligne doit contenir les noms des colonnes."),
        (b"Nom;NOM\nA;B\n", "La colonne « NOM » apparaît deux fois dans la ligne d'en-tête."),
        (b'Nom\n"' + b"a" * 200_000 + b'"\n', "Fichier CSV illisible"),
    ],
)
def test_unusable_csv_files_are_file_errors(data: bytes, message: str) -> None:
    with pytest.raises(ImportFileError) as excinfo:
        read_csv(data)

    assert excinfo.value.message.startswith(message)


def test_an_xlsx_keeps_typed_cells_and_reads_the_first_sheet_only() -> None:
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Nom", "Prix", "Date", "Actif", None])
    sheet.append(["A", 1.5, dt.datetime(2027, 3, 31), True, "sans en-tête"])
    sheet.append([None, None])
    sheet.append(["B", 2])
    workbook.create_sheet("Autre").append(["Ignoré"])
    buffer = BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue(), "Produits.XLSX")

    assert table.headers == {"nom": "Nom", "prix": "Prix", "date": "Date", "actif": "Actif"}
    assert [(row.line, row.cells["nom"], row.cells["prix"]) for row in table.rows] == [
        (2, "A", 1.5),
        (4, "B", 2),
    ]
    assert table.rows[0].cells["date"] == dt.datetime(2027, 3, 31)
    assert table.rows[0].cells["actif"] is True


def test_a_corrupt_xlsx_is_a_file_error() -> None:
    with pytest.raises(ImportFileError, match="Fichier XLSX illisible"):
        read_xlsx(b"PK\x03\x04 truncated")


def test_a_file_without_extension_is_refused() -> None:
    with pytest.raises(ImportFileError) as excinfo:
        read_table(b"Nom\nA\n", "produits")

    assert excinfo.value.message == (
        "Format de fichier non pris en charge (sans extension) : CSV, XLSX ou XLS attendu."
    )


# --- columns ------------------------------------------------------------------------------------


COLUMNS = ColumnSet(
    [Column("name", "Nom", ("Désignation", "name")), Column("price", "Prix HT", ("PU HT",))]
)


def test_headers_bind_to_columns_through_their_aliases() -> None:
    table = read_csv("DÉSIGNATION;pu ht;Fournisseur\nGants;1,5;X\n".encode())

    mapping = COLUMNS.bind(table)
    row = mapping.row(table.rows[0])

    assert mapping.present == {"name": "designation", "price": "pu_ht"}
    assert mapping.ignored == ["Fournisseur"]
    assert row.value("price", lambda cell: values.decimal(cell, places=2, max_digits=8), None) == (
        Decimal("1.50")
    )
    assert row.has("name") and not row.has("missing")
    assert row.cell("missing") is None


def test_an_alias_claimed_by_two_columns_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="names both"):
        ColumnSet([Column("a", "Nom"), Column("b", "Désignation", ("nom",))])


def test_a_row_collects_all_its_cell_errors() -> None:
    table = read_csv(b"Nom;Prix HT\nGants;abc\n")
    row = COLUMNS.bind(table).row(table.rows[0])

    row.value("price", lambda cell: values.decimal(cell, places=2, max_digits=8), None)
    row.problem("autre chose.")

    with pytest.raises(RowError) as excinfo:
        row.check()
    assert str(excinfo.value) == "ligne 2 : Prix HT : « abc » n'est pas un nombre. ; autre chose."


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12,50", Decimal("12.50")),
        ("12.5", Decimal("12.50")),
        ("1 234,5", Decimal("1234.50")),
        ("1\u202f234,5 €", Decimal("1234.50")),
        ("1.234,56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("0,125", Decimal("0.13")),  # half-up, not banker's rounding
        (",5", Decimal("0.50")),
        (12.5, Decimal("12.50")),
        (3, Decimal("3.00")),
        (None, None),
        ("  ", None),
    ],
)
def test_decimals_accept_commas_dots_and_spaces(cell: values.Cell, expected: Decimal) -> None:
    assert values.decimal(cell, places=2, max_digits=12) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("abc", "« abc » n'est pas un nombre."),
        ("1,2,3", "« 1,2,3 » n'est pas un nombre."),
        (True, "« True » n'est pas un nombre."),
        (float("nan"), "« nan » n'est pas un nombre."),
        ("-0,01", "« -0,01 » : la valeur ne peut pas être négative."),
        ("1000000", "« 1000000 » : nombre trop grand."),
        # Beyond what quantize() can represent: a cell error, not decimal.InvalidOperation.
        ("1" * 40, f"« {'1' * 40} » : nombre trop grand."),
        (1e40, "« 1e+40 » : nombre trop grand."),
    ],
)
def test_bad_decimals_are_refused(cell: values.Cell, message: str) -> None:
    with pytest.raises(CellError) as excinfo:
        values.decimal(cell, places=2, max_digits=8)

    assert excinfo.value.message == message


def test_a_decimal_minimum_other_than_zero_is_named() -> None:
    with pytest.raises(CellError, match="au moins 1"):
        values.decimal("0,5", places=2, max_digits=8, minimum=Decimal(1))
    assert values.decimal("-5", places=0, max_digits=8, minimum=None) == Decimal(-5)


@given(st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2))
def test_a_decimal_written_with_a_comma_reads_back_the_same(value: Decimal) -> None:
    written = f"{value:f}".replace(".", ",")

    assert values.decimal(written, places=2, max_digits=8) == value


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("12", 12), ("12,5", 13), ("12,4", 12), (60.6, 61), (7.0, 7), ("", None)],
)
def test_integers_are_rounded_half_up(cell: values.Cell, expected: int | None) -> None:
    assert values.integer(cell) == expected


@pytest.mark.parametrize(
    ("cell", "kwargs", "message"),
    [
        ("-1", {}, "ne peut pas être négative"),
        ("0", {"minimum": 1}, "au moins 1"),
        ("11", {"maximum": 10}, "nombre trop grand"),
    ],
)
def test_integers_out_of_range_are_refused(cell: str, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(CellError, match=message):
        values.integer(cell, **kwargs)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5,5", Decimal("0.0550")),
        ("5,5 %", Decimal("0.0550")),
        ("20", Decimal("0.2000")),
        ("0,055", Decimal("0.0550")),
        ("0,2 %", Decimal("0.0020")),  # an explicit % always means a percentage
        (0.2, Decimal("0.2000")),
        ("0", Decimal("0.0000")),
        (None, None),
    ],
)
def test_rates_accept_fractions_and_percentages(cell: values.Cell, expected: Decimal) -> None:
    assert values.rate(cell) == expected


@pytest.mark.parametrize("cell", ["100", "1", "-5"])
def test_rates_outside_zero_to_one_are_refused(cell: str) -> None:
    with pytest.raises(CellError, match="taux invalide"):
        values.rate(cell)


@pytest.mark.parametrize("word", ["oui", "OUI", "o", "yes", "Y", "vrai", "true", "1", "x", "X"])
def test_yes_words_are_true(word: str) -> None:
    assert values.boolean(word) is True


@pytest.mark.parametrize("word", ["non", "N", "no", "faux", "FALSE", "0"])
def test_no_words_are_false(word: str) -> None:
    assert values.boolean(word) is False


def test_booleans_from_spreadsheet_cells_and_blanks() -> None:
    assert values.boolean(True) is True
    assert values.boolean(0) is False
    assert values.boolean(1.0) is True
    assert values.boolean("") is None
    with pytest.raises(CellError) as excinfo:
        values.boolean("peut-être")
    assert excinfo.value.message == "« peut-être » : oui ou non attendu."


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("4006381333931", ("4006381333931", "04006381333931")),
        (" 4006 3813 33931 ", ("4006381333931", "04006381333931")),
        ("96385074", ("96385074", "00000096385074")),
        (36000291452, ("036000291452", "00036000291452")),  # a number cell lost its zero
        (4006381333931.0, ("4006381333931", "04006381333931")),
        ("", None),
    ],
)
def test_gtins_are_validated_and_normalised(
    cell: values.Cell, expected: tuple[str, str] | None
) -> None:
    assert values.gtin(cell) == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("4006381333932", "« 4006381333932 » : chiffre de contrôle invalide."),
        ("1234", "« 1234 » n'est pas un GTIN (8, 12, 13 ou 14 chiffres)."),
        (12.5, "« 12.5 » n'est pas un GTIN (8, 12, 13 ou 14 chiffres)."),
        ("ABC", "« ABC » n'est pas un GTIN (8, 12, 13 ou 14 chiffres)."),
    ],
)
def test_bad_gtins_are_refused(cell: values.Cell, message: str) -> None:
    with pytest.raises(CellError) as excinfo:
        values.gtin(cell)

    assert excinfo.value.message == message


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("31/03/2027", dt.date(2027, 3, 31)),
        ("31/03/27", dt.date(2027, 3, 31)),
        ("2027-03-31", dt.date(2027, 3, 31)),
        ("31.03.2027", dt.date(2027, 3, 31)),
        (dt.datetime(2027, 3, 31, 0, 0), dt.date(2027, 3, 31)),
        (dt.date(2027, 3, 31), dt.date(2027, 3, 31)),
        (None, None),
    ],
)
def test_dates_in_french_and_iso_forms(cell: values.Cell, expected: dt.date | None) -> None:
    assert values.date(cell) == expected


def test_an_impossible_date_is_refused() -> None:
    with pytest.raises(CellError) as excinfo:
        values.date("31/02/2027")

    assert excinfo.value.message == "« 31/02/2027 » n'est pas une date (JJ/MM/AAAA attendu)."


def test_text_drops_the_point_zero_of_number_cells_and_checks_length() -> None:
    assert values.text(123.0) == "123"
    assert values.text(12.5) == "12.5"
    assert values.text(dt.date(2027, 3, 31)) == "2027-03-31"
    assert values.text("  a b ") == "a b"
    with pytest.raises(CellError) as excinfo:
        values.text("abcdef", max_length=5)
    assert excinfo.value.message == "texte trop long (6 caractères, 5 au plus)."


def test_lists_split_on_pipes_commas_and_semicolons() -> None:
    assert values.text_list("urgence, pharmacie | EPI;  Urgence ;;") == [
        "urgence",
        "pharmacie",
        "EPI",
    ]
    assert values.text_list(None) == []
    with pytest.raises(CellError, match="trop long"):
        values.text_list("abc, abcdef", max_length=5)


def test_paths_split_on_greater_than_and_respect_the_depth() -> None:
    assert values.path(" Médical >pansements >  stériles ", max_depth=4) == [
        "Médical",
        "pansements",
        "stériles",
    ]
    assert values.path("", max_depth=4) == []
    with pytest.raises(CellError, match="5 niveaux, 4 au plus"):
        values.path("A > B > C > D > E", max_depth=4)
    with pytest.raises(CellError, match="un niveau est vide"):
        values.path("A >  > C", max_depth=4)
    with pytest.raises(CellError, match="trop long"):
        values.path("A > abcdef", max_depth=4, max_length=5)


def test_colours_are_hex() -> None:
    assert values.color("1e90ff") == "#1E90FF"
    assert values.color("#ABCDEF") == "#ABCDEF"
    assert values.color("") == ""
    with pytest.raises(CellError):
        values.color("bleu")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("REC A-01-2", LocationRef("REC", "A", "01", "2")),
        ("LOC:REC:A-01-2", LocationRef("REC", "A", "01", "2")),
        ("loc:main:b-2-3", LocationRef("main", "b", "2", "3")),
        ("", None),
    ],
)
def test_locations_as_shown_or_as_their_qr_payload(cell: str, expected: LocationRef | None) -> None:
    assert location_ref(cell) == expected


@pytest.mark.parametrize("cell", ["A-01-2", "REC A-01", "REC A--2", "LOC:REC"])
def test_malformed_locations_are_refused(cell: str) -> None:
    with pytest.raises(CellError, match="n'est pas un emplacement"):
        location_ref(cell)


# --- the loop -----------------------------------------------------------------------------------


def _tagging(rows_failing: set[int]) -> tuple[list[int], object]:
    def process(line: int) -> Outcome:
        ProductTag.objects.create(name=f"tag {line}")
        if line in rows_failing:
            raise RowError(line, "refusée.")
        return Outcome.CREATED

    return list(range(2, 6)), process


@pytest.mark.django_db
def test_a_failed_row_makes_the_run_apply_nothing() -> None:
    rows, process = _tagging({3})

    result = run_import(rows, process, line_of=lambda line: line)  # type: ignore[arg-type]

    assert (result.created, [error.line for error in result.errors]) == (3, [3])
    assert (result.committed, result.failed) == (False, True)
    assert not ProductTag.objects.exists()


@pytest.mark.django_db
def test_with_skip_errors_a_failed_row_takes_only_its_own_writes_back() -> None:
    rows, process = _tagging({3, 5})
    forgotten: list[bool] = []

    result = run_import(
        rows,
        process,  # type: ignore[arg-type]
        line_of=lambda line: line,
        skip_errors=True,
        after_row_error=lambda: forgotten.append(True),
    )

    assert (result.committed, result.failed) == (True, False)
    assert sorted(ProductTag.objects.values_list("name", flat=True)) == ["tag 2", "tag 4"]
    assert forgotten == [True, True]


@pytest.mark.django_db
def test_database_refusals_and_service_errors_become_row_errors() -> None:
    from wms.services.errors import StockError

    ProductTag.objects.create(name="existant")

    def process(line: int) -> Outcome:
        if line == 2:
            ProductTag.objects.create(name="existant")  # unique name
        if line == 3:
            raise StockError("Stock insuffisant.")
        return Outcome.SKIPPED

    result = run_import([2, 3, 4], process, line_of=lambda line: line, skip_errors=True)

    assert [error.line for error in result.errors] == [2, 3]
    assert result.errors[0].message.startswith("refusé par la base de données (")
    assert result.errors[1].message == "Stock insuffisant."
    assert result.skipped == 1
    assert result.summary() == "créés: 0, mis à jour: 0, ignorés: 1, erreurs: 2"


@pytest.mark.django_db
def test_a_dry_run_counts_then_rolls_back() -> None:
    rows, process = _tagging(set())

    result = run_import(rows, process, line_of=lambda line: line, dry_run=True)  # type: ignore[arg-type]

    assert (result.created, result.committed, result.failed) == (4, False, False)
    assert not ProductTag.objects.exists()
