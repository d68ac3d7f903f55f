"""What a scanned or typed string means (S-SCAN, "/scan/resolve/" and "Codes understood").

One entry point, `resolve_code(raw)`. GS1 comes first: whenever GS1 application identifiers parse,
the result is `gs1`. Otherwise the plain string is tried, in the order of S-SCAN, as a product code,
a carton code, a shipment reference, a location and a tracking URL; the first of these that
recognises the string answers. Several matches at that step give `ambiguous` with `candidates`;
nothing gives `unknown` with a French `error`.

Decisions the spec leaves open:
- A result whose `error` is set is not usable as it stands, whatever its kind: a GS1 code whose
  AI 01 has a wrong check digit is `gs1` (its AIs did parse) with the error; a well-formed carton
  code, shipment reference or `LOC:` payload that matches nothing keeps its kind, its code and
  the error ("Colis inconnu : …").
- A bare string (no symbology identifier, no separator, no parentheses, no URL) is read as GS1
  only when it carries an identification key (AI 00, 01 or 02): an EAN-13 or ITF-14 starting
  with "10", or a product barcode such as "10ABC", would otherwise parse as a lot number (AI 10).
  A string of 8, 12, 13 or 14 digits is always a GTIN, never GS1 AIs.
- Archived products (`is_active` False) still resolve by an exact code, their label saying
  "archivé"; a name prefix only finds active products.
- `location` holds the location's canonical QR payload (`LOC:<warehouse>:<zone>-<aisle>-<shelf>`),
  its natural key, as `sku` does for products.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import uuid
from dataclasses import dataclass, field
from functools import reduce
from itertools import combinations
from typing import Any

from biip import ParseConfig, ParseError
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementStrings
from biip.gs1_messages import GS1Message
from biip.symbology import GS1Symbology, SymbologyIdentifier
from django.conf import settings
from django.db.models import Q

from wms.gtin import GTIN_LENGTHS, check_digit, normalize_gtin
from wms.models import Carton, Location, Product, Shipment
from wms.text import fold_key

GS = "\x1d"

PRODUCT = "product"
GS1 = "gs1"
CARTON = "carton"
SHIPMENT = "shipment"
LOCATION = "location"
AMBIGUOUS = "ambiguous"
UNKNOWN = "unknown"

# The keys of the S-SCAN JSON answer, in that order.
JSON_KEYS = (
    "kind",
    "sku",
    "gtin",
    "lot",
    "expires_on",
    "serial",
    "sscc",
    "quantity",
    "location",
    "carton",
    "shipment",
    "candidates",
    "error",
)

# Enough to choose from on a phone; also bounds the rows read, so the query cost stays flat.
MAX_CANDIDATES = 10
# Shorter prefixes match half the catalogue and say nothing.
MIN_PREFIX_LENGTH = 3

EMPTY_ERROR = "Aucun code : scannez ou saisissez un code."

Candidate = dict[str, str | int]


@dataclass
class CodeResult:
    kind: str
    sku: str | None = None
    gtin: str | None = None
    lot: str | None = None
    expires_on: dt.date | None = None
    serial: str | None = None
    sscc: str | None = None
    quantity: int | None = None
    location: str | None = None
    carton: str | None = None
    shipment: str | None = None
    candidates: list[Candidate] = field(default_factory=list)
    error: str | None = None
    # For the HTML fragment only, not part of the S-SCAN JSON: what was found, in words, and the
    # product itself when there is exactly one.
    label: str = ""
    product: Product | None = field(default=None, repr=False, compare=False)
    # The shipment found (by its reference, a tracking URL or one of its cartons), for the
    # fragment's link to its detail page.
    shipment_id: int | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {key: getattr(self, key) for key in JSON_KEYS}
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        data["candidates"] = [dict(candidate) for candidate in self.candidates]
        return data


def resolve_code(raw: str) -> CodeResult:
    """What `raw` (a scan or a typed string) means; reads the database, never writes."""
    # Only real blanks are trimmed here: str.strip() would also drop a leading GS, which is
    # what marks a GS1 element string sent by some scanners.
    text = raw.strip(" \t\r\n")
    if not text.strip():
        return CodeResult(kind=UNKNOWN, error=EMPTY_ERROR)

    symbology, body = _split_symbology(text)
    gs1 = _resolve_gs1(symbology, body)
    if gs1 is not None and gs1.kind == GS1:
        return gs1
    # A string marked as GS1 that did not parse may still be a plain code (a SKU containing the
    # substitute character, say); the GS1 reading's error is kept for when nothing else fits.
    unreadable_gs1_error = gs1.error if gs1 is not None else None

    plain = body.strip()
    if not plain:  # a symbology identifier and nothing after it
        return CodeResult(kind=UNKNOWN, error=unreadable_gs1_error or EMPTY_ERROR)
    for resolver in (
        _resolve_product,
        _resolve_carton,
        _resolve_shipment,
        _resolve_location,
        _resolve_tracking_url,
    ):
        result = resolver(plain)
        if result is not None:
            return result
    return CodeResult(
        kind=UNKNOWN, error=unreadable_gs1_error or f"Code inconnu : « {_shown(text)} »."
    )


# --- GS1 ---------------------------------------------------------------------------------------

# Parentheses typed by hand: "(01)03760123456784(17)270131(10)LOT42".
_HRI = re.compile(r"^\(\d{2,4}\)")
_URL = re.compile(r"^https?://", re.IGNORECASE)
# Spellings of the group separator that reach us as text: a scanner configured to print it, or
# a string copied from a log. The browser field turns Ctrl+] into a real GS before sending.
_GS_SPELLINGS = re.compile(r"<GS>|\\x1d", re.IGNORECASE)
# The identification keys: SSCC, GTIN, GTIN of the contained trade items.
_KEY_AIS = frozenset({"00", "01", "02"})


def _gs1_config() -> ParseConfig:
    # Dates are checked by us, so that a bad expiry is reported beside the product it belongs to
    # instead of making the whole code unreadable.
    return ParseConfig(gs1_element_strings_verify_date=False, separator_chars=(GS,))


def _split_symbology(text: str) -> tuple[SymbologyIdentifier | None, str]:
    """An AIM symbology identifier (`]C1`, `]d2`, `]Q3`, `]e0`, `]E0`…) and the data after it."""
    if not text.startswith("]") or len(text) < 3:
        return None, text
    try:
        symbology = SymbologyIdentifier.extract(text)
    except (ParseError, ValueError, IndexError):
        return None, text
    return symbology, text[len(symbology) :]


def _with_real_separators(body: str) -> str:
    body = _GS_SPELLINGS.sub(GS, body)
    substitute = settings.SCAN_GS_SUBSTITUTE
    if substitute:
        body = body.replace(substitute, GS)
    return body


def _resolve_gs1(symbology: SymbologyIdentifier | None, body: str) -> CodeResult | None:
    """A `gs1` result; an `unknown` one when the string was marked as GS1 but does not parse;
    None when it is no GS1 code at all."""
    if _URL.match(body):
        return _from_digital_link(body)
    body = _with_real_separators(body)
    if _HRI.match(body):
        try:
            message = GS1Message.parse_hri(body, config=_gs1_config())
        except (ParseError, ValueError):
            return _unreadable(body)
        return _from_elements(message.element_strings)

    gs1_symbology = symbology.gs1_symbology if symbology is not None else None
    if GS in body or gs1_symbology in GS1Symbology.with_gs1_messages():
        elements = _parse_message(body)
        if not elements:
            return _unreadable(body)
        return _from_elements(elements)

    if symbology is not None or (body.isdigit() and len(body) in GTIN_LENGTHS):
        return None  # an EAN/UPC/ITF symbology, or a bare GTIN: the product step reads it
    elements = _parse_message(body)
    if elements and any(element.ai.ai in _KEY_AIS for element in elements):
        return _from_elements(elements)
    return None


def _parse_message(body: str) -> GS1ElementStrings | None:
    try:
        return GS1Message.parse(body, config=_gs1_config()).element_strings
    except (ParseError, ValueError):
        return None


def _from_digital_link(url: str) -> CodeResult | None:
    try:
        link = GS1DigitalLinkURI.parse(url, config=_gs1_config())
    except (ParseError, ValueError):
        return None  # another URL: a tracking link, perhaps
    return _from_elements(link.element_strings)


def _unreadable(body: str) -> CodeResult:
    return CodeResult(kind=UNKNOWN, error=f"Code GS1 illisible : « {_shown(body)} ».")


def _value(elements: GS1ElementStrings, ai: str) -> str | None:
    element = elements.get(ai=ai)
    return element.value if element is not None else None


def _from_elements(elements: GS1ElementStrings) -> CodeResult:
    result = CodeResult(kind=GS1)
    errors: list[str] = []

    result.lot = _value(elements, "10")
    result.serial = _value(elements, "21")

    expiry = elements.get(ai="17")
    if expiry is not None:
        # biip already reads day 00 as the month's last day; an impossible date gives None.
        result.expires_on = expiry.date
        if expiry.date is None:
            errors.append(f"Date de péremption invalide (AI 17) : {expiry.value}.")

    sscc = _value(elements, "00")
    if sscc is not None:
        result.sscc = sscc
        if check_digit(sscc[:-1]) != int(sscc[-1]):
            errors.append(f"Chiffre de contrôle invalide pour le SSCC {sscc}.")

    for ai in ("30", "37"):
        count = _value(elements, ai)
        if count is not None and count.isdigit():
            result.quantity = int(count)
            break

    # AI 02 (the trade items inside a logistic unit, with their count in AI 37) names the
    # product when AI 01 is absent, as on a pallet label.
    gtin = _value(elements, "01") or _value(elements, "02")
    if gtin is not None:
        result.gtin = gtin
        if check_digit(gtin[:-1]) != int(gtin[-1]):
            errors.insert(0, f"Chiffre de contrôle invalide pour le GTIN {gtin}.")
        else:
            _attach_gs1_product(result, gtin, errors)

    result.error = " ".join(errors) or None
    return result


def _attach_gs1_product(result: CodeResult, gtin: str, errors: list[str]) -> None:
    # Product.gtin is not unique (imports may repeat one): two products ⇒ the worker chooses.
    products = list(Product.objects.filter(gtin=gtin).order_by("name_key", "pk")[:MAX_CANDIDATES])
    if not products:
        errors.insert(0, f"Aucun produit avec le GTIN {gtin}.")
    elif len(products) == 1:
        result.sku, result.product = products[0].sku, products[0]
        result.label = _product_label(products[0])
    else:
        result.candidates = [_product_candidate(product) for product in products]
        errors.insert(0, f"Plusieurs produits ont le GTIN {gtin} : choisissez.")


# --- products ----------------------------------------------------------------------------------


def _product_label(product: Product) -> str:
    label = f"{product.name} ({product.sku})"
    return label if product.is_active else f"{label} — archivé"


def _product_candidate(product: Product) -> Candidate:
    return {"kind": PRODUCT, "label": _product_label(product), "sku": product.sku}


def _product_result(product: Product, gtin: str | None) -> CodeResult:
    return CodeResult(
        kind=PRODUCT,
        sku=product.sku,
        gtin=gtin,
        label=_product_label(product),
        product=product,
    )


def _choice(products: list[Product], gtin: str | None, too_many: bool = False) -> CodeResult:
    if len(products) == 1:
        return _product_result(products[0], gtin)
    return CodeResult(
        kind=AMBIGUOUS,
        gtin=gtin,
        candidates=[_product_candidate(product) for product in products[:MAX_CANDIDATES]],
        error="Trop de produits correspondent : précisez la saisie." if too_many else None,
    )


def _gtin_reading(code: str) -> tuple[str | None, str | None]:
    """(GTIN-14, None) for a valid GTIN, (None, French error) for a GTIN-shaped string with a
    wrong check digit, (None, None) for anything else."""
    if not (code.isdigit() and len(code) in GTIN_LENGTHS):
        return None, None
    if check_digit(code[:-1]) != int(code[-1]):
        return None, f"Chiffre de contrôle invalide pour le GTIN {code}."
    return normalize_gtin(code), None


def _resolve_product(code: str) -> CodeResult | None:
    """Exact SKU, GTIN (any length), barcode or name; then a unique name prefix."""
    gtin, gtin_error = _gtin_reading(code)
    folded = fold_key(code)
    # SKUs and barcodes are compared without case (a SKU typed on a phone keyboard comes in lower
    # case); listing the usual spellings keeps SQLite on its indexes, and MariaDB's
    # case-insensitive collation finds them anyway. Python then keeps only the true matches.
    spellings = {code, code.upper(), code.lower()}
    condition = Q(sku__in=spellings) | Q(barcode__in=spellings) | Q(name_key=folded)
    if gtin is not None:
        condition |= Q(gtin=gtin)
    rows = Product.objects.filter(condition).order_by("name_key", "pk")[: MAX_CANDIDATES + 1]
    needle = code.casefold()
    exact = [
        product
        for product in rows
        if product.sku.casefold() == needle
        or (product.barcode and product.barcode.casefold() == needle)
        or product.name_key == folded
        or (gtin is not None and product.gtin == gtin)
    ]
    if exact:
        return _choice(exact, gtin, too_many=len(exact) > MAX_CANDIDATES)
    if gtin_error is not None:
        return CodeResult(kind=UNKNOWN, error=gtin_error)
    if len(folded) < MIN_PREFIX_LENGTH:
        return None
    prefixed = list(
        Product.objects.filter(is_active=True, name_key__startswith=folded).order_by(
            "name_key", "pk"
        )[: MAX_CANDIDATES + 1]
    )
    if not prefixed:
        return None
    return _choice(prefixed, None, too_many=len(prefixed) > MAX_CANDIDATES)


# --- cartons and shipments ---------------------------------------------------------------------

# TT-YYYYMMDD-N: two letters for the type of what it holds, the creation day, a per-day number.
_CARTON_CODE = re.compile(r"^([A-Z]{2})-(\d{8})-([1-9]\d*)$", re.IGNORECASE)
# YYNNNN: two-digit year and a yearly number of four digits, five after 9999
# (what wms.services.references.next_reference("shipment") gives).
_SHIPMENT_REFERENCE = re.compile(r"^\d{2}(?:\d{4}|[1-9]\d{4})$")
_TRACKING_URL = re.compile(
    r"(?:^|/)scan/shipment/track/(?P<token>[0-9a-f-]{32,36})/?(?:[?#].*)?$", re.IGNORECASE
)


def _shipment_label(shipment: Shipment) -> str:
    return f"Expédition {shipment.reference} · {shipment.destination} · " + str(
        shipment.get_status_display()
    )


def _shipment_result(shipment: Shipment) -> CodeResult:
    return CodeResult(
        kind=SHIPMENT,
        shipment=shipment.reference,
        label=_shipment_label(shipment),
        shipment_id=shipment.pk,
    )


def _resolve_carton(code: str) -> CodeResult | None:
    match = _CARTON_CODE.match(code)
    if match is None or not _is_date(match.group(2)):
        return None
    wanted = code.upper()
    cartons = Carton.objects.select_related("shipment")
    carton = cartons.filter(code=wanted).first()
    if carton is None:
        # A label printed while the carton was open shows type letters that may have changed
        # since; its date and number part is unique on its own.
        carton = cartons.filter(code_suffix=wanted.split("-", 1)[1]).first()
    if carton is None:
        return CodeResult(kind=CARTON, carton=wanted, error=f"Colis inconnu : {wanted}.")
    shipment = carton.shipment
    label = f"Colis {carton.code} · {carton.status_label}"
    if shipment is not None:
        label += f" · expédition {shipment.reference}"
    return CodeResult(
        kind=CARTON,
        carton=carton.code,
        shipment=shipment.reference if shipment else None,
        label=label,
        shipment_id=shipment.pk if shipment else None,
    )


def _resolve_shipment(code: str) -> CodeResult | None:
    if not _SHIPMENT_REFERENCE.match(code) or int(code[2:]) == 0:
        return None
    found = Shipment.objects.select_related("destination").filter(reference=code).first()
    if found is None:
        return CodeResult(kind=SHIPMENT, shipment=code, error=f"Expédition inconnue : {code}.")
    return _shipment_result(found)


def _resolve_tracking_url(code: str) -> CodeResult | None:
    match = _TRACKING_URL.search(code)
    if match is None:
        return None
    try:
        token = uuid.UUID(match.group("token"))
    except ValueError:
        return None
    found = Shipment.objects.select_related("destination").filter(tracking_token=token).first()
    if found is None:
        return CodeResult(kind=SHIPMENT, error="Aucune expédition pour ce lien de suivi.")
    return _shipment_result(found)


def _is_date(yyyymmdd: str) -> bool:
    try:
        dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    except ValueError:
        return False
    return True


# --- locations ---------------------------------------------------------------------------------

_LOCATION_PAYLOAD = re.compile(r"^LOC:(?P<warehouse>[^:]+):(?P<code>.+)$", re.IGNORECASE)
# The form printed beside the QR code: "<warehouse code or name> <zone>-<aisle>-<shelf>".
_PRINTED_LOCATION = re.compile(r"^(?P<warehouse>.+?)\s+(?P<code>\S+-\S+-\S+)$")


def _location_splits(code: str) -> Q | None:
    """Every (zone, aisle, shelf) reading of "Z-A-S": the parts may contain dashes themselves."""
    parts = code.split("-")
    if len(parts) < 3 or not all(parts):
        return None
    readings = [
        Q(
            zone="-".join(parts[:first]),
            aisle="-".join(parts[first:second]),
            shelf="-".join(parts[second:]),
        )
        for first, second in combinations(range(1, len(parts)), 2)
    ]
    return reduce(operator.or_, readings)


def _location_result(locations: list[Location]) -> CodeResult:
    if len(locations) == 1:
        location = locations[0]
        label = str(location) if location.is_active else f"{location} — inactif"
        return CodeResult(kind=LOCATION, location=location.qr_payload, label=label)
    return CodeResult(
        kind=AMBIGUOUS,
        # Spelled out part by part: "B-1-2-3" read two ways prints the same both times.
        candidates=[
            {
                "kind": LOCATION,
                "label": f"{location.warehouse.name} : zone {location.zone}, "
                f"étagère {location.aisle}, bac {location.shelf}",
                "id": location.pk,
            }
            for location in locations[:MAX_CANDIDATES]
        ],
    )


def _resolve_location(code: str) -> CodeResult | None:
    payload = _LOCATION_PAYLOAD.match(code)
    if payload is not None:
        warehouse = payload.group("warehouse").strip().upper()
        location_code = payload.group("code").strip().upper()
        canonical = f"LOC:{warehouse}:{location_code}"
        splits = _location_splits(location_code)
        if splits is None:
            return CodeResult(kind=UNKNOWN, error=f"Code d'emplacement mal formé : {canonical}.")
        found = list(
            Location.objects.select_related("warehouse")
            .filter(splits, warehouse__code=warehouse)
            .order_by("pk")[: MAX_CANDIDATES + 1]
        )
        if not found:
            return CodeResult(
                kind=LOCATION, location=canonical, error=f"Emplacement inconnu : {canonical}."
            )
        return _location_result(found)

    # The printed form is weaker evidence than the QR payload: it answers only when it finds
    # something, and several readings give the choice.
    printed = _PRINTED_LOCATION.match(code)
    if printed is None:
        return None
    splits = _location_splits(printed.group("code").upper())
    if splits is None:
        return None
    warehouse = printed.group("warehouse").strip()
    found = list(
        Location.objects.select_related("warehouse")
        .filter(splits)
        .filter(Q(warehouse__code=warehouse.upper()) | Q(warehouse__name__iexact=warehouse))
        .order_by("pk")[: MAX_CANDIDATES + 1]
    )
    return _location_result(found) if found else None


def _shown(text: str, limit: int = 80) -> str:
    """The code as the worker can read it back: separators spelled out, length bounded."""
    readable = text.replace(GS, "<GS>")
    return readable if len(readable) <= limit else f"{readable[: limit - 1]}…"
