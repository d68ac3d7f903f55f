"""What each printed document and label shows (S-PRINT): plain functions from model instances to
template contexts, with no request and no rendering.

Query counts do not grow with the data: a builder reads a shipment's cartons, their contents,
lots and products in a fixed number of queries, whatever the number of cartons or lines.

Documents are made of named blocks (`Block`), listed per document in `LAYOUTS`, each drawn by
`templates/print/blocks/<name>.html`. The print template editor of a later issue will let a
manager reorder, hide and reword them; these lists and `TEXTS` are the defaults it resets to.
Text blocks are plain text with `{placeholders}` from a whitelist, filled here and escaped by the
template — never executed as a template, never raw HTML.

Decisions the spec leaves open:
- Carton order in a shipment ("k / n", packing lists): creation order (primary key), which is
  also the order of the codes' daily sequence; a carton keeps its number when others are added.
- A carton outside any shipment gets a label with its code (Code 128) and a QR of that code,
  which the scan app resolves to the carton; no destination, no "k / n".
- Totals of weight and volume are shown only when every product of the document has the value;
  otherwise the document says the data is incomplete (the shipment note leaves a blank line to
  fill in by hand).
- The picking list groups a carton's lines by the location of their lots (where the units were
  taken), in location order.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from wms.models import (
    Carton,
    CartonItem,
    Location,
    PrintTemplate,
    Product,
    RackColor,
    Shipment,
)
from wms.printing.codes import code128_svg, qr_svg
from wms.services.shipping import tracking_url

T = TypeVar("T")

NOTE = "note"
PACKING_LIST = "packing-list"
DONATION = "donation"
HUMANITARIAN = "humanitarian"
CUSTOMS = "customs"
CARTON_PACKING_LIST = "carton-packing-list"
PICKING_LIST = "picking-list"

SHIPMENT_DOCUMENTS = (NOTE, PACKING_LIST, DONATION, HUMANITARIAN, CUSTOMS)
CERTIFICATES = (DONATION, HUMANITARIAN, CUSTOMS)

TITLES: dict[str, str | Promise] = {
    NOTE: _("Shipment note"),
    PACKING_LIST: _("Packing list"),
    DONATION: _("Donation certificate"),
    HUMANITARIAN: _("Humanitarian certificate"),
    CUSTOMS: _("Customs certificate"),
    CARTON_PACKING_LIST: _("Carton packing list"),
    PICKING_LIST: _("Picking list"),
}

_CERTIFICATE = (
    "organisation",
    "title",
    "certificate_text",
    "parties",
    "destination",
    "cartons",
    "content",
    "signature",
)
LAYOUTS: dict[str, tuple[str, ...]] = {
    NOTE: (
        "organisation",
        "title",
        "flight",
        "destination",
        "cartons",
        "parties",
        "attestation",
        "signatures",
    ),
    PACKING_LIST: ("organisation", "title", "destination", "cartons", "lines", "totals"),
    DONATION: _CERTIFICATE,
    HUMANITARIAN: _CERTIFICATE,
    CUSTOMS: _CERTIFICATE,
    CARTON_PACKING_LIST: ("organisation", "title", "carton", "lines", "totals"),
    PICKING_LIST: ("title", "carton", "picking"),
}

# Default texts of the text blocks, per document and block.
TEXTS: dict[tuple[str, str], str | Promise] = {
    (NOTE, "attestation"): _(
        "{organisation} certifies that the goods of shipment {reference} are a donation, free "
        "of charge and with no commercial value, sent for humanitarian purposes to {recipient} "
        "in {city} ({country})."
    ),
    (DONATION, "certificate_text"): _(
        "I, the undersigned, {signatory}, on behalf of {organisation}, certify that the "
        "{cartons} cartons of shipment {reference} sent to {recipient} in {city} ({country}) are "
        "a donation, free of charge, with no commercial value, and may not be sold."
    ),
    (HUMANITARIAN, "certificate_text"): _(
        "I, the undersigned, {signatory}, on behalf of {organisation}, certify that the "
        "{cartons} cartons of shipment {reference} are intended solely for humanitarian and "
        "medical use by {recipient} in {city} ({country}), and will not be resold."
    ),
    (CUSTOMS, "certificate_text"): _(
        "For customs: the {cartons} cartons of shipment {reference}, sent by {shipper} to "
        "{recipient} in {city} ({country}), hold humanitarian goods given free of charge, with no "
        "commercial value. No payment is due for them."
    ),
}

# The only names a text block may use (the template editor will offer the same list).
PLACEHOLDERS = (
    "organisation",
    "signatory",
    "reference",
    "shipper",
    "recipient",
    "correspondent",
    "city",
    "iata",
    "country",
    "cartons",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Block:
    name: str
    text: str = ""

    @property
    def template(self) -> str:
        return f"print/blocks/{self.name}.html"


def fill(text: str, values: dict[str, Any]) -> str:
    """Replace the whitelisted `{placeholders}` of a text block; anything else stays as typed."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return _PLACEHOLDER.sub(replace, text)


@dataclass(frozen=True)
class Template:
    """A document's layout ([{"block", "visible"}, …] in order) and texts ({block: text})."""

    layout: list[dict[str, Any]]
    texts: dict[str, str]


# The unsaved template the editor's preview prints with (wms/services/print_templates.py).
_PREVIEW: ContextVar[tuple[str, Template] | None] = ContextVar("print_preview", default=None)


@contextmanager
def previewing(document: str, template: Template) -> Iterator[None]:
    token = _PREVIEW.set((document, template))
    try:
        yield
    finally:
        _PREVIEW.reset(token)


def saved_template(document: str) -> Template | None:
    """The template in force: the preview's, else the latest saved version (one query)."""
    preview = _PREVIEW.get()
    if preview is not None and preview[0] == document:
        return preview[1]
    row = PrintTemplate.objects.filter(document=document).order_by("-version").first()
    return None if row is None else Template(list(row.layout), dict(row.texts))


def blocks(document: str, values: dict[str, Any]) -> list[Block]:
    """The visible blocks in order, their texts filled: the saved template's, else the defaults.
    A block the saved layout does not know (added to LAYOUTS since) is printed at the end."""
    defaults = LAYOUTS[document]
    template = saved_template(document)
    if template is None:
        order, texts = list(defaults), {}
    else:
        listed = [entry["block"] for entry in template.layout if entry.get("block") in defaults]
        shown = [
            entry["block"]
            for entry in template.layout
            if entry.get("block") in defaults and entry.get("visible", True)
        ]
        order = shown + [name for name in defaults if name not in listed]
        texts = template.texts
    result = []
    for name in order:
        text = ""
        if (document, name) in TEXTS:
            raw = texts.get(name)
            text = fill(str(TEXTS[document, name]) if raw is None else str(raw), values)
        result.append(Block(name, text))
    return result


# --- shared data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str
    contact: str
    signatory: str


def organisation() -> Organisation:
    return Organisation(
        settings.ORG_NAME, settings.ORG_ADDRESS, settings.ORG_CONTACT, settings.ORG_SIGNATORY
    )


@dataclass(frozen=True)
class Parties:
    """The names printed for the parties: the shipment's snapshots, never the contacts' current
    names (renaming a contact must not change a document already printed)."""

    shipper: str
    recipient: str
    correspondent: str
    address: str
    country: str


def parties(shipment: Shipment) -> Parties:
    return Parties(
        shipment.shipper_name,
        shipment.recipient_name,
        shipment.correspondent_name,
        shipment.destination_address,
        shipment.destination_country or shipment.destination.country,
    )


@dataclass(frozen=True)
class Line:
    product: str
    brand: str
    sku: str
    lot_code: str
    quantity: int
    expires_on: dt.date | None
    carton_code: str
    location: str
    warehouse: str
    weight_g: int | None
    volume_cm3: int | None


@dataclass(frozen=True)
class Totals:
    """Σ quantity × unit weight and volume; None when a product lacks the value."""

    quantity: int
    weight_g: int | None
    volume_cm3: int | None

    @property
    def weight_kg(self) -> Decimal | None:
        return None if self.weight_g is None else Decimal(self.weight_g) / 1000

    @property
    def volume_dm3(self) -> Decimal | None:
        return None if self.volume_cm3 is None else Decimal(self.volume_cm3) / 1000

    @property
    def complete(self) -> bool:
        return self.weight_g is not None and self.volume_cm3 is not None


@dataclass(frozen=True)
class SummaryRow:
    product: str
    brand: str
    quantity: int


def _items_prefetch() -> Prefetch:  # type: ignore[type-arg]
    return Prefetch(
        "items",
        queryset=CartonItem.objects.select_related(
            "lot__product", "lot__location__warehouse"
        ).order_by("lot__product__name", "lot__expires_on", "pk"),
    )


def shipment_cartons(shipment: Shipment) -> list[Carton]:
    """The cartons of a shipment in their printed order, contents loaded (two queries)."""
    return list(
        Carton.objects.filter(shipment=shipment).order_by("pk").prefetch_related(_items_prefetch())
    )


def _with_items(carton: Carton) -> Carton:
    loaded: Carton = Carton.objects.prefetch_related(_items_prefetch()).get(pk=carton.pk)
    return loaded


def _line(carton_code: str, item: CartonItem) -> Line:
    lot, product = item.lot, item.lot.product
    return Line(
        product=product.name,
        brand=product.brand,
        sku=product.sku,
        lot_code=lot.lot_code,
        quantity=item.quantity,
        expires_on=lot.expires_on,
        carton_code=carton_code,
        location=lot.location.code,
        warehouse=lot.location.warehouse.name,
        weight_g=product.weight_g,
        volume_cm3=product.volume_cm3,
    )


def lines_of(cartons: Iterable[Carton]) -> list[Line]:
    return [_line(carton.code, item) for carton in cartons for item in carton.items.all()]


def totals_of(lines: Sequence[Line]) -> Totals:
    def total(values: list[int | None]) -> int | None:
        if not lines or any(value is None for value in values):
            return None
        return sum(value for value in values if value is not None)

    return Totals(
        quantity=sum(line.quantity for line in lines),
        weight_g=total(
            [None if line.weight_g is None else line.quantity * line.weight_g for line in lines]
        ),
        volume_cm3=total(
            [None if line.volume_cm3 is None else line.quantity * line.volume_cm3 for line in lines]
        ),
    )


def summary_of(lines: Iterable[Line]) -> list[SummaryRow]:
    """Quantities per product (the certificates' content summary), by product name."""
    quantities: dict[tuple[str, str, str], int] = {}
    for line in lines:
        key = (line.product, line.brand, line.sku)
        quantities[key] = quantities.get(key, 0) + line.quantity
    return [
        SummaryRow(name, brand, quantity)
        for (name, brand, _sku), quantity in sorted(quantities.items())
    ]


# --- shipment documents -------------------------------------------------------------------------


def shipment_document(shipment: Shipment, document: str) -> dict[str, Any]:
    """Context of a shipment document (`document` in SHIPMENT_DOCUMENTS), A5."""
    if document not in SHIPMENT_DOCUMENTS:
        raise ValueError(f"unknown shipment document: {document}")
    cartons = shipment_cartons(shipment)
    lines = lines_of(cartons)
    names = parties(shipment)
    org = organisation()
    destination = shipment.destination
    values = {
        "organisation": org.name,
        "signatory": org.signatory,
        "reference": shipment.reference,
        "shipper": names.shipper,
        "recipient": names.recipient,
        "correspondent": names.correspondent,
        "city": destination.city,
        "iata": destination.iata_code,
        "country": names.country,
        "cartons": len(cartons),
    }
    return {
        "document": document,
        "title": TITLES[document],
        "page_size": "a5",
        "org": org,
        "shipment": shipment,
        "destination": destination,
        "parties": names,
        "cartons": cartons,
        "carton_count": len(cartons),
        "lines": lines,
        "totals": totals_of(lines),
        "summary": summary_of(lines),
        "today": timezone.localdate(),
        "blocks": blocks(document, values),
    }


def carton_packing_list(carton: Carton) -> dict[str, Any]:
    """Packing list of one carton (its shipment's destination when it has one), A5."""
    carton = _with_items(carton)
    lines = lines_of([carton])
    shipment = _shipment_of(carton)
    return {
        "document": CARTON_PACKING_LIST,
        "title": TITLES[CARTON_PACKING_LIST],
        "page_size": "a5",
        "org": organisation(),
        "carton": carton,
        "shipment": shipment,
        "destination": shipment.destination if shipment else None,
        "lines": lines,
        "totals": totals_of(lines),
        "today": timezone.localdate(),
        "blocks": blocks(CARTON_PACKING_LIST, {}),
    }


@dataclass(frozen=True)
class LocationGroup:
    warehouse: str
    location: str
    lines: list[Line] = field(default_factory=list)


def carton_picking_list(carton: Carton) -> dict[str, Any]:
    """Where to take each line of a carton from, grouped by location, A5."""
    carton = _with_items(carton)
    items = sorted(
        carton.items.all(),
        key=lambda item: (
            item.lot.location.warehouse.name,
            item.lot.location.zone,
            item.lot.location.aisle,
            item.lot.location.shelf,
            item.lot.product.name,
            item.pk,
        ),
    )
    ordered_lines = [_line(carton.code, item) for item in items]
    groups: list[LocationGroup] = []
    for line in ordered_lines:
        if not groups or (groups[-1].warehouse, groups[-1].location) != (
            line.warehouse,
            line.location,
        ):
            groups.append(LocationGroup(line.warehouse, line.location))
        groups[-1].lines.append(line)
    shipment = _shipment_of(carton)
    return {
        "document": PICKING_LIST,
        "title": TITLES[PICKING_LIST],
        "page_size": "a5",
        "org": organisation(),
        "carton": carton,
        "shipment": shipment,
        "destination": shipment.destination if shipment else None,
        "groups": groups,
        "totals": totals_of(ordered_lines),
        "today": timezone.localdate(),
        "blocks": blocks(PICKING_LIST, {}),
    }


def _shipment_of(carton: Carton) -> Shipment | None:
    if carton.shipment_id is None:
        return None
    # One query for the shipment and its destination (the carton may come without them).
    return Shipment.objects.select_related("destination").get(pk=carton.shipment_id)


# --- carton labels ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CartonLabel:
    code: str
    barcode: SafeString | None
    qr: SafeString
    reference: str = ""
    city: str = ""
    iata: str = ""
    country: str = ""
    position: int | None = None
    count: int | None = None


def _carton_label(
    carton: Carton, shipment: Shipment | None, position: int | None, count: int | None
) -> CartonLabel:
    barcode = code128_svg(carton.code, label=carton.code)
    if shipment is None:
        return CartonLabel(carton.code, barcode, qr_svg(carton.code, label=carton.code))
    destination = shipment.destination
    return CartonLabel(
        code=carton.code,
        barcode=barcode,
        qr=qr_svg(tracking_url(shipment), label=shipment.reference),
        reference=shipment.reference,
        city=destination.city,
        iata=destination.iata_code,
        country=destination.country,
        position=position,
        count=count,
    )


def labelled_cartons(shipment: Shipment) -> QuerySet[Carton]:
    """The cartons "k / n" counts: those with something in them (an empty draft carton is not
    going anywhere)."""
    return Carton.objects.filter(shipment=shipment, items__isnull=False).distinct().order_by("pk")


def shipment_labels(shipment: Shipment) -> dict[str, Any]:
    """One 100 × 150 mm label per carton of the shipment."""
    cartons = list(labelled_cartons(shipment).only("pk", "code"))
    count = len(cartons)
    return {
        "shipment": shipment,
        "labels": [
            _carton_label(carton, shipment, position, count)
            for position, carton in enumerate(cartons, start=1)
        ],
    }


def carton_label(carton: Carton) -> dict[str, Any]:
    shipment = _shipment_of(carton)
    if shipment is None:
        return {"shipment": None, "labels": [_carton_label(carton, None, None, None)]}
    ids = list(labelled_cartons(shipment).values_list("pk", flat=True))
    position = ids.index(carton.pk) + 1 if carton.pk in ids else None
    return {
        "shipment": shipment,
        "labels": [_carton_label(carton, shipment, position, len(ids))],
    }


# --- product and location labels ----------------------------------------------------------------

SHEET = "sheet"
GRID = "grid"
LAYOUT_PAGE_SIZES = {SHEET: 4, GRID: 24}
_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class RackSwatch:
    zone: str
    color: str  # "#RRGGBB", checked: it goes into an SVG fill attribute


@dataclass(frozen=True)
class ProductLabel:
    name: str
    brand: str
    color: str
    sku: str
    location: str
    warehouse: str
    rack: RackSwatch | None
    qr: SafeString


@dataclass(frozen=True)
class LocationLabel:
    code: str
    warehouse: str
    payload: str
    rack: RackSwatch | None
    qr: SafeString


def load_products(ids: Iterable[int]) -> list[Product]:
    """Products to label, by name; unknown ids are left out."""
    return list(
        Product.objects.filter(pk__in=list(ids))
        .select_related("default_location__warehouse")
        .order_by("name", "pk")
    )


def load_locations(
    ids: Iterable[int] | None = None, warehouse_id: int | None = None
) -> list[Location]:
    """Locations to label, in location order; by ids, or every active one of a warehouse."""
    locations = Location.objects.select_related("warehouse")
    if ids is not None:
        locations = locations.filter(pk__in=list(ids))
    if warehouse_id is not None:
        locations = locations.filter(warehouse_id=warehouse_id, is_active=True)
    return list(locations.order_by("warehouse__name", "zone", "aisle", "shelf", "pk"))


def _rack_swatches(locations: Iterable[Location | None]) -> dict[tuple[int, str], RackSwatch]:
    """Rack colours of these locations' (warehouse, zone), in one query."""
    keys = {(location.warehouse_id, location.zone) for location in locations if location}
    if not keys:
        return {}
    colours = RackColor.objects.filter(
        warehouse_id__in={warehouse for warehouse, _zone in keys},
        zone__in={zone for _warehouse, zone in keys},
    )
    return {
        (colour.warehouse_id, colour.zone): RackSwatch(colour.zone, colour.color.upper())
        for colour in colours
        if (colour.warehouse_id, colour.zone) in keys and _HEX_COLOUR.match(colour.color)
    }


def product_labels(products: Sequence[Product]) -> list[ProductLabel]:
    """Labels of products loaded with their default location and its warehouse."""
    swatches = _rack_swatches(product.default_location for product in products)
    labels = []
    for product in products:
        location = product.default_location
        labels.append(
            ProductLabel(
                name=product.name,
                brand=product.brand,
                color=product.color,
                sku=product.sku,
                location=location.code if location else "",
                warehouse=location.warehouse.name if location else "",
                rack=swatches.get((location.warehouse_id, location.zone)) if location else None,
                qr=qr_svg(product.sku, label=product.sku),
            )
        )
    return labels


def location_labels(locations: Sequence[Location]) -> list[LocationLabel]:
    """Labels of locations loaded with their warehouse; the QR holds `qr_payload`."""
    swatches = _rack_swatches(locations)
    return [
        LocationLabel(
            code=location.code,
            warehouse=location.warehouse.name,
            payload=location.qr_payload,
            rack=swatches.get((location.warehouse_id, location.zone)),
            qr=qr_svg(location.qr_payload, label=location.code),
        )
        for location in locations
    ]


def pages(labels: Sequence[T], layout: str) -> list[Sequence[T]]:
    """Labels cut into printed pages: 4 per A4 sheet, or a grid of small labels."""
    size = LAYOUT_PAGE_SIZES[layout]
    return [labels[start : start + size] for start in range(0, len(labels), size)]
