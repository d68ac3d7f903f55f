"""scan.codes.resolve_code: what a scanned or typed string means (S-SCAN, issue 6 acceptance 1).

One table: each row is a string as a scanner or a worker sends it, and what it must resolve to.
The check digits are computed with wms.gtin.check_digit, so every GTIN here is a real one unless
the row is about a wrong check digit.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from scan.codes import resolve_code
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory
from wms.gtin import check_digit
from wms.models import Location, Product

pytestmark = pytest.mark.django_db

GS = "\x1d"


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


def wrong_check_digit(body: str) -> str:
    return body + str((check_digit(body) + 1) % 10)


# The gloves: an EAN-13.
GLOVES_EAN13 = with_check_digit("376012345678")
GLOVES = "0" + GLOVES_EAN13  # its GTIN-14, as AI 01 carries it
# The compresses: an EAN-8, the same item in every GTIN length.
COMPRESSES_EAN8 = with_check_digit("9638507")
COMPRESSES_UPCA = COMPRESSES_EAN8.zfill(12)
COMPRESSES_EAN13 = COMPRESSES_EAN8.zfill(13)
COMPRESSES_ITF14 = COMPRESSES_EAN8.zfill(14)
# GS1's own Digital Link example GTIN.
GEL = with_check_digit("0950600013435")
# Two products imported with one GTIN.
SYRINGES_EAN13 = with_check_digit("400638133393")
# A real GTIN no product carries.
NOBODYS = with_check_digit("0376012345679")
BAD_IN_AI01 = wrong_check_digit("0376012345678")
BAD_EAN13 = wrong_check_digit("376012345678")
BAD_EAN8 = wrong_check_digit("9638507")
SSCC = with_check_digit("37601234560000000")
BAD_SSCC = wrong_check_digit("37601234560000000")
TOKEN = "0b1e4a3c-9d1c-4b7e-8f55-1e2d3c4b5a69"


@pytest.fixture
def catalogue() -> None:
    ProductFactory(sku="ASF-GANT-M", name="Gants nitrile M", ean=GLOVES_EAN13)
    ProductFactory(sku="ASF-COMP", name="Compresses stériles", ean=COMPRESSES_EAN8)
    ProductFactory(sku="ASF-GEL", name="Gel hydroalcoolique", ean=GEL)
    ProductFactory(sku="ASF-SAV-500", name="Savon liquide 500 ml")
    ProductFactory(sku="ASF-SAV-1L", name="Savon liquide 1 l")
    ProductFactory(sku="ABC-123", name="Attelles")
    ProductFactory(sku="ASF-BANDE", name="Bandes de crêpe", barcode="ABC-123")
    ProductFactory(sku="ASF-MASQ", name="Masques FFP2", is_active=False)
    ProductFactory(sku="ASF-SER-A", name="Seringues 5 ml", ean=SYRINGES_EAN13)
    ProductFactory(sku="ASF-SER-B", name="Seringues 5 ml importées", ean=SYRINGES_EAN13)
    reception = WarehouseFactory(code="REC", name="Réception")
    LocationFactory(warehouse=reception, zone="A", aisle="01", shelf="2")
    # "B-1-2-3" reads two ways: zone B-1, aisle 2 / zone B, aisle 1-2.
    LocationFactory(warehouse=reception, zone="B-1", aisle="2", shelf="3")
    LocationFactory(warehouse=reception, zone="B", aisle="1-2", shelf="3")


GLOVES_LOT = {"kind": "gs1", "sku": "ASF-GANT-M", "gtin": GLOVES, "lot": "LOT42"}
JAN_2027 = {**GLOVES_LOT, "expires_on": "2027-01-31"}
GLOVES_PRODUCT = {"kind": "product", "sku": "ASF-GANT-M"}
COMPRESSES_PRODUCT = {"kind": "product", "sku": "ASF-COMP", "gtin": COMPRESSES_ITF14}

# (what is sent, GS substitute setting, what it must mean). An "error" value is a substring of
# the expected French message; a row without "error" expects none. "candidates" lists SKUs (or
# the number of location candidates); "label" is a substring of the fragment's label.
CASES = [
    # --- GS1 element strings, every separator spelling --------------------------------------
    pytest.param(
        f"01{GLOVES}1727013110LOT42{GS}21SN-0007",
        "",
        {**JAN_2027, "serial": "SN-0007"},
        id="gs1 with a real GS after a variable-length lot",
    ),
    pytest.param(
        # The scan field maps Ctrl+] (a wedge scanner's GS) to the very same 0x1D character.
        f"01{GLOVES}10LOT42{GS}17270131",
        "",
        JAN_2027,
        id="gs1 with a Ctrl+]-mapped GS between lot and expiry",
    ),
    pytest.param(f"01{GLOVES}10LOT42<GS>17270131", "", JAN_2027, id="gs1 with the GS spelled <GS>"),
    pytest.param(f"01{GLOVES}10LOT42<gs>17270131", "", JAN_2027, id="gs1 with the GS spelled <gs>"),
    pytest.param(
        f"01{GLOVES}10LOT42\\x1d17270131", "", JAN_2027, id="gs1 with the GS spelled \\x1d"
    ),
    pytest.param(
        f"01{GLOVES}10LOT42~17270131", "~", JAN_2027, id="gs1 with the substitute character ~"
    ),
    pytest.param(
        f"01{GLOVES}10LOT42|17270131", "|", JAN_2027, id="gs1 with the substitute character |"
    ),
    pytest.param(
        f"01{GLOVES}10LOT42~17270131",
        "",
        {"kind": "unknown", "error": "Code inconnu"},
        id="a tilde is no separator while no substitute is configured",
    ),
    pytest.param(
        f"]C101{GLOVES}10LOT42{GS}17270131", "", JAN_2027, id="gs1-128 with the ]C1 prefix"
    ),
    pytest.param(f"]d201{GLOVES}1727013110LOT42", "", JAN_2027, id="gs1 data matrix with ]d2"),
    pytest.param(f"]Q301{GLOVES}1727013110LOT42", "", JAN_2027, id="gs1 qr code with ]Q3"),
    pytest.param(f"]e001{GLOVES}1727013110LOT42", "", JAN_2027, id="gs1 databar with ]e0"),
    pytest.param(f"{GS}01{GLOVES}1727013110LOT42", "", JAN_2027, id="gs1 with a leading GS"),
    pytest.param(
        f"]C1{GS}01{GLOVES}10LOT42{GS}17270131",
        "",
        JAN_2027,
        id="gs1 with a prefix and a leading GS",
    ),
    pytest.param(f"(01){GLOVES}(17)270131(10)LOT42", "", JAN_2027, id="gs1 typed with parentheses"),
    pytest.param(
        f"(01) {GLOVES} (17) 270131 (10) LOT42",
        "",
        JAN_2027,
        id="gs1 typed with parentheses and spaces",
    ),
    pytest.param(
        f"01{GLOVES}", "", {"kind": "gs1", "sku": "ASF-GANT-M"}, id="gs1 bare AI 01 alone"
    ),
    pytest.param(
        f"01{GLOVES}1727020010LOT42",
        "",
        {**GLOVES_LOT, "expires_on": "2027-02-28"},
        id="ai 17 day 00 is the last day of february",
    ),
    pytest.param(
        f"]d201{GLOVES}1728020010LOT42",
        "",
        {**GLOVES_LOT, "expires_on": "2028-02-29"},
        id="ai 17 day 00 is the last day of a leap february",
    ),
    pytest.param(
        f"]d201{GLOVES}17270231",
        "",
        {"kind": "gs1", "sku": "ASF-GANT-M", "expires_on": None, "error": "Date de péremption"},
        id="an impossible expiry is reported beside the product",
    ),
    pytest.param(
        f"]C100{SSCC}02{GLOVES}3712",
        "",
        {"kind": "gs1", "sscc": SSCC, "gtin": GLOVES, "sku": "ASF-GANT-M", "quantity": 12},
        id="pallet label sscc with contained gtin and count",
    ),
    pytest.param(
        f"]C101{GLOVES}3024{GS}10L-9",
        "",
        {"kind": "gs1", "sku": "ASF-GANT-M", "quantity": 24, "lot": "L-9"},
        id="ai 30 count becomes the quantity",
    ),
    pytest.param(
        f"00{SSCC}",
        "",
        {"kind": "gs1", "sscc": SSCC, "sku": None},
        id="a bare sscc element string",
    ),
    pytest.param(
        f"]C100{BAD_SSCC}",
        "",
        {"kind": "gs1", "sscc": BAD_SSCC, "error": "Chiffre de contrôle invalide pour le SSCC"},
        id="an sscc with a wrong check digit",
    ),
    # --- GS1 Digital Link ---------------------------------------------------------------------
    pytest.param(
        f"https://id.gs1.org/01/{GEL}/10/ABC?17=270131",
        "",
        {"kind": "gs1", "sku": "ASF-GEL", "gtin": GEL, "lot": "ABC", "expires_on": "2027-01-31"},
        id="digital link on id.gs1.org",
    ),
    pytest.param(
        f"https://qr.example.org/produits/01/{GEL}/21/XYZ",
        "",
        {"kind": "gs1", "sku": "ASF-GEL", "serial": "XYZ"},
        id="digital link on a custom domain",
    ),
    pytest.param(
        f"]Q3https://id.gs1.org/01/{GEL}",
        "",
        {"kind": "gs1", "sku": "ASF-GEL"},
        id="digital link behind a ]Q3 prefix",
    ),
    # --- GS1 that parses but does not name one product -----------------------------------------
    pytest.param(
        f"]C101{NOBODYS}10LOT1",
        "",
        {"kind": "gs1", "sku": None, "gtin": NOBODYS, "lot": "LOT1", "error": "Aucun produit"},
        id="gs1 with a gtin no product has",
    ),
    pytest.param(
        f"]C101{BAD_IN_AI01}10LOT1",
        "",
        {
            "kind": "gs1",
            "sku": None,
            "lot": "LOT1",
            "error": f"Chiffre de contrôle invalide pour le GTIN {BAD_IN_AI01}",
        },
        id="gs1 ai 01 with a wrong check digit",
    ),
    pytest.param(
        f"]C101{SYRINGES_EAN13.zfill(14)}",
        "",
        {"kind": "gs1", "candidates": ["ASF-SER-A", "ASF-SER-B"], "error": "Plusieurs produits"},
        id="gs1 with a gtin two products share",
    ),
    pytest.param(
        "(01)0376012345",
        "",
        {"kind": "unknown", "error": "Code GS1 illisible"},
        id="parentheses around a truncated gtin",
    ),
    pytest.param(
        "]C1ZZZ-not-gs1",
        "",
        {"kind": "unknown", "error": "Code GS1 illisible"},
        id="an unreadable gs1-128",
    ),
    # --- product codes --------------------------------------------------------------------------
    pytest.param(COMPRESSES_EAN8, "", COMPRESSES_PRODUCT, id="the item as EAN-8"),
    pytest.param(COMPRESSES_UPCA, "", COMPRESSES_PRODUCT, id="the same item as UPC-A"),
    pytest.param(COMPRESSES_EAN13, "", COMPRESSES_PRODUCT, id="the same item as EAN-13"),
    pytest.param(COMPRESSES_ITF14, "", COMPRESSES_PRODUCT, id="the same item as ITF-14"),
    pytest.param(
        f"]E0{GLOVES_EAN13}",
        "",
        {**GLOVES_PRODUCT, "gtin": GLOVES},
        id="an EAN-13 behind its ]E0 prefix",
    ),
    pytest.param("ASF-GANT-M", "", GLOVES_PRODUCT, id="an exact sku"),
    pytest.param("asf-gant-m", "", GLOVES_PRODUCT, id="a sku typed in lower case"),
    pytest.param("  ASF-GANT-M\n", "", GLOVES_PRODUCT, id="a sku with blanks around it"),
    pytest.param("]C0ASF-GANT-M", "", GLOVES_PRODUCT, id="a sku behind a plain code 128 prefix"),
    pytest.param("COMPRESSES STERILES", "", {"kind": "product", "sku": "ASF-COMP"}, id="a name"),
    pytest.param("compress", "", {"kind": "product", "sku": "ASF-COMP"}, id="a unique prefix"),
    pytest.param(
        "Masques ffp2",
        "",
        {"kind": "product", "sku": "ASF-MASQ", "label": "archivé"},
        id="an archived product still resolves and says so",
    ),
    pytest.param(
        "Masq",
        "",
        {"kind": "unknown", "error": "Code inconnu"},
        id="a prefix finds no archived product",
    ),
    pytest.param(
        "savon liq",
        "",
        {"kind": "ambiguous", "candidates": ["ASF-SAV-1L", "ASF-SAV-500"]},
        id="two products share a name prefix",
    ),
    pytest.param(
        "ABC-123",
        "",
        {"kind": "ambiguous", "candidates": ["ABC-123", "ASF-BANDE"]},
        id="a sku of one product is the barcode of another",
    ),
    pytest.param(
        SYRINGES_EAN13,
        "",
        {"kind": "ambiguous", "candidates": ["ASF-SER-A", "ASF-SER-B"]},
        id="an EAN-13 two products share",
    ),
    pytest.param(
        BAD_EAN13,
        "",
        {"kind": "unknown", "error": f"Chiffre de contrôle invalide pour le GTIN {BAD_EAN13}"},
        id="an EAN-13 with a wrong check digit",
    ),
    pytest.param(
        BAD_EAN8,
        "",
        {"kind": "unknown", "error": f"Chiffre de contrôle invalide pour le GTIN {BAD_EAN8}"},
        id="an EAN-8 with a wrong check digit",
    ),
    # --- cartons and shipments (no model yet: recognised by their form, then not found) -------
    pytest.param(
        "MM-20260115-3",
        "",
        {"kind": "carton", "carton": "MM-20260115-3", "error": "Colis inconnu"},
        id="a carton code",
    ),
    pytest.param(
        "mm-20260115-12",
        "",
        {"kind": "carton", "carton": "MM-20260115-12", "error": "Colis inconnu"},
        id="a carton code in lower case",
    ),
    pytest.param(
        "MM-20261340-1",
        "",
        {"kind": "unknown", "error": "Code inconnu"},
        id="a carton code with an impossible date is no carton code",
    ),
    pytest.param(
        "260042",
        "",
        {"kind": "shipment", "shipment": "260042", "error": "Expédition inconnue"},
        id="a shipment reference",
    ),
    pytest.param(
        "2610000",
        "",
        {"kind": "shipment", "shipment": "2610000", "error": "Expédition inconnue"},
        id="a shipment reference past 9999",
    ),
    pytest.param(
        "260000",
        "",
        {"kind": "unknown", "error": "Code inconnu"},
        id="number zero is no shipment reference",
    ),
    # --- locations ------------------------------------------------------------------------------
    pytest.param(
        "LOC:REC:A-01-2", "", {"kind": "location", "location": "LOC:REC:A-01-2"}, id="a loc payload"
    ),
    pytest.param(
        "]Q1loc:rec:a-01-2",
        "",
        {"kind": "location", "location": "LOC:REC:A-01-2"},
        id="a loc payload in lower case behind a qr prefix",
    ),
    pytest.param(
        "REC A-01-2",
        "",
        {"kind": "location", "location": "LOC:REC:A-01-2"},
        id="the printed location form",
    ),
    pytest.param(
        "Réception A-01-2",
        "",
        {"kind": "location", "location": "LOC:REC:A-01-2"},
        id="the printed location form with the warehouse name",
    ),
    pytest.param(
        "LOC:REC:Z-99-9",
        "",
        {"kind": "location", "location": "LOC:REC:Z-99-9", "error": "Emplacement inconnu"},
        id="a loc payload of no location",
    ),
    pytest.param(
        "LOC:REC:B-1-2-3",
        "",
        {"kind": "ambiguous", "candidates": 2},
        id="a loc payload whose dashes read two ways",
    ),
    pytest.param(
        "LOC:REC:A-01",
        "",
        {"kind": "unknown", "error": "Code d'emplacement mal formé : LOC:REC:A-01"},
        id="a loc payload without a shelf",
    ),
    # --- tracking URLs --------------------------------------------------------------------------
    pytest.param(
        f"https://wms.example.org/scan/shipment/track/{TOKEN}/",
        "",
        {"kind": "shipment", "shipment": None, "error": "Aucune expédition pour ce lien"},
        id="a tracking url",
    ),
    pytest.param(
        f"/scan/shipment/track/{TOKEN.upper()}/?utm=label",
        "",
        {"kind": "shipment", "error": "Aucune expédition pour ce lien"},
        id="a tracking path with a query",
    ),
    # --- nothing ----------------------------------------------------------------------------------
    pytest.param(
        "XYZZY-NOTHING", "", {"kind": "unknown", "error": "Code inconnu"}, id="an unknown string"
    ),
    pytest.param("Zq", "", {"kind": "unknown", "error": "Code inconnu"}, id="too short a prefix"),
    pytest.param("  ", "", {"kind": "unknown", "error": "Aucun code"}, id="blanks only"),
    pytest.param("]C1", "", {"kind": "unknown", "error": "Code GS1 illisible"}, id="a bare prefix"),
]


def matches(result, expected):
    data = result.to_json()
    for key, want in expected.items():
        if key == "error":
            continue
        if key == "label":
            assert want in result.label
        elif key == "candidates" and isinstance(want, int):
            assert len(data["candidates"]) == want
        elif key == "candidates":
            assert sorted(candidate["sku"] for candidate in data["candidates"]) == want
        else:
            assert data[key] == want, key
    if "error" in expected:
        assert expected["error"] in (data["error"] or "")
    else:
        assert data["error"] is None


@pytest.mark.parametrize(("raw", "substitute", "expected"), CASES)
def test_a_scanned_string_means_what_s_scan_says(catalogue, raw, substitute, expected):
    products, locations = Product.objects.count(), Location.objects.count()
    with override_settings(SCAN_GS_SUBSTITUTE=substitute):
        result = resolve_code(raw)
    matches(result, expected)
    # Resolving only reads.
    assert (Product.objects.count(), Location.objects.count()) == (products, locations)


def test_the_table_has_at_least_forty_strings():
    assert len(CASES) >= 40


def test_the_json_form_gives_the_expiry_as_an_iso_date(catalogue):
    result = resolve_code(f"]d201{GLOVES}17270131")
    assert result.expires_on == dt.date(2027, 1, 31)
    assert result.to_json()["expires_on"] == "2027-01-31"


def test_a_gs1_scan_names_the_product_for_the_fragment(catalogue):
    result = resolve_code(f"]d201{GLOVES}17270131")
    assert result.product is not None and result.product.name == "Gants nitrile M"


def test_the_readings_of_a_dashed_location_are_told_apart(catalogue):
    result = resolve_code("LOC:REC:B-1-2-3")
    labels = sorted(candidate["label"] for candidate in result.candidates)
    assert labels == [
        "Réception : zone B, étagère 1-2, bac 3",
        "Réception : zone B-1, étagère 2, bac 3",
    ]


def test_a_prefix_shared_by_too_many_products_asks_for_more(db):
    for n in range(12):
        ProductFactory(name=f"Pansement {n:02d}")
    result = resolve_code("pansement")
    assert result.kind == "ambiguous"
    assert len(result.candidates) == 10
    assert result.error == "Trop de produits correspondent : précisez la saisie."
