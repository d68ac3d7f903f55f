"""Bulk seeding for the benchmarks and the query-count gates (issue 12).

`seed(scale, seed=N)` fills an empty database with a warehouse's worth of data at one of the
scales below, fast: the big tables go in by batches of 5,000 rows, never through the per-row
services — products, cartons and their items, shipments and their history with `bulk_create`,
lots and the million movements with the driver's `executemany` (RawTable: bulk_create's
per-row model instances and SQL compiling were most of the time). What those services and the
models' `save()` would compute is computed here the same way, so that the application keeps
working on the result:

- products: `derive_product_fields` (the function `Product.save()` calls) fills name_key, gtin,
  pu_ttc and volume;
- lots and the ledger: every lot starts with an `in` movement, then cartons take units from it
  (`out` with the shipment for a shipment's carton, `precondition` for a loose one, as
  wms.services.packing does), and small removals, adjustments and counts follow; the lot's
  on-hand is the sum of its movements and never goes below zero, so `check_stock_ledger` is clean;
- cartons: code "LL-YYYYMMDD-N" with the dominant root category's letters, code_suffix from a
  per-day counter; shipments: reference YYNNNN from a yearly counter, random tokens; the
  reference sequences are then set past the highest numbers so that new cartons and shipments
  created by the application do not collide (no receipts are seeded: a lot's stock comes in
  through its `in` movement, without a receipt);
- shipment statuses follow the carton rule of wms.services.shipping (draft / picking / packed
  derived from the cartons; shipped and delivered with every carton shipped), with the status
  history rows a real life would have left.

Timestamps are historical (three years back from today): `auto_now_add` is switched off for the
seeding's inserts only (`historical_timestamps`).

Small master data (warehouses, locations, categories, contacts, destinations, users, the API key)
goes through the models' own `save()`: there are a few hundred rows at most.

On SQLite the seeding connection gets a large page cache and no fsync while it runs
(`sqlite_bulk_pragmas`), put back afterwards: the movements' indexes are filled in random order,
and with the default 2 MB cache inserting 300,000 movements took 10.2 s instead of 7.1 s (the gap
widens as the table grows). Nothing is tuned on MariaDB.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, models, transaction
from django.utils import timezone

from wms.gtin import check_digit
from wms.models import (
    ApiKey,
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Contact,
    ContactKind,
    Destination,
    Location,
    LotStatus,
    MovementType,
    Product,
    ProductCategory,
    ProductLot,
    ProductTag,
    RackColor,
    ReferenceSequence,
    Shipment,
    ShipmentStatus,
    StatusChange,
    StockMovement,
    TrackingEvent,
    TrackingStep,
    Warehouse,
)
from wms.roles import MANAGER_GROUP, WORKER_GROUP
from wms.services.catalog import derive_product_fields
from wms.services.packing import type_letters_of

BATCH_SIZE = 5_000
# Lots (with their movements) planned and written per transaction.
LOT_CHUNK = 10_000
HISTORY_DAYS = 3 * 365

WORKER_USERNAME = "bench-worker"
MANAGER_USERNAME = "bench-manager"
API_KEY_NAME = "bench"
SKU_PREFIX = "BN-"
# A French GS1 prefix (376…) for made-up but valid EAN-13 codes.
GTIN_PREFIX = "376"


@dataclass(frozen=True)
class Scale:
    products: int
    lots: int
    movements: int
    shipments: int
    # Loose cartons (prepared, in no shipment yet), as a share of the shipments.
    loose_carton_ratio: float = 0.1

    def __post_init__(self) -> None:
        if self.lots and self.movements % self.lots:
            raise ValueError("movements must be a multiple of lots (movements per lot)")
        if self.lots and self.movements // self.lots < 2:
            raise ValueError("at least two movements per lot")
        if self.lots and self.lots < self.products:
            raise ValueError("at least one lot per product (or no lots at all)")

    @property
    def movements_per_lot(self) -> int:
        return self.movements // self.lots if self.lots else 0

    def as_dict(self) -> dict[str, int]:
        return {
            "products": self.products,
            "lots": self.lots,
            "movements": self.movements,
            "shipments": self.shipments,
        }


SCALES: dict[str, Scale] = {
    # What the query-budget tests compare against.
    "small": Scale(products=100, lots=200, movements=1_000, shipments=40),
    # The CI gates (issue 12): 1,000 products, 10,000 movements.
    "medium": Scale(products=1_000, lots=2_000, movements=10_000, shipments=200),
    # The benchmark: 10,000 products, 100,000 lots, 1,000,000 movements, 10,000 shipments.
    "full": Scale(products=10_000, lots=100_000, movements=1_000_000, shipments=10_000),
}


class DatabaseNotEmpty(Exception):
    pass


@dataclass
class SeedReport:
    """Rows written per table and the seconds each took; the credentials for the harness."""

    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    worker_username: str = WORKER_USERNAME
    manager_username: str = MANAGER_USERNAME
    password: str = ""
    api_key: str = ""
    samples: dict[str, Any] = field(default_factory=dict)

    def add(self, table: str, count: int, seconds: float) -> None:
        self.rows[table] = self.rows.get(table, 0) + count
        self.seconds[table] = self.seconds.get(table, 0.0) + seconds


# --- names ----------------------------------------------------------------------------------------

CATEGORY_TREE: dict[str, dict[str, list[str]]] = {
    "MÉDICAL": {
        "Médicaments": ["Antalgiques", "Antibiotiques", "Solutés", "Antiseptiques"],
        "Pansements": ["Compresses", "Bandes", "Sparadraps"],
        "Matériel Médical": ["Injection", "Diagnostic", "Chirurgie", "Perfusion"],
    },
    "HYGIÈNE": {
        "Protection Individuelle": ["Masques", "Gants", "Vêtements"],
        "Désinfection": ["Surfaces", "Mains"],
        "Hygiène Corporelle": ["Savons", "Couches"],
    },
    "LOGISTIQUE": {
        "Emballage": ["Cartons", "Adhésifs", "Films"],
        "Étiquetage": [],
    },
    "ÉDUCATION": {
        "Fournitures": ["Cahiers", "Stylos"],
        "Livres": [],
    },
}

NOUNS = [
    "Compresses",
    "Seringues",
    "Gants",
    "Masques",
    "Bandes",
    "Paracétamol",
    "Ibuprofène",
    "Amoxicilline",
    "Sérum physiologique",
    "Cathéters",
    "Tubulures",
    "Thermomètres",
    "Savon",
    "Gel hydroalcoolique",
    "Couches",
    "Sparadrap",
    "Aiguilles",
    "Lingettes",
    "Blouses",
    "Charlottes",
    "Cahiers",
    "Stylos",
    "Attelles",
    "Pansements",
]
QUALIFIERS = [
    "stériles",
    "non stériles",
    "nitrile",
    "latex",
    "pédiatriques",
    "adultes",
    "jetables",
    "chirurgicaux",
    "FFP2",
    "hypoallergéniques",
    "effervescents",
    "en rouleau",
]
SIZES = ["5 ml", "10 ml", "100 ml", "500 mg", "1 g", "S", "M", "L", "XL", "10×10 cm", "7,5 cm"]
BRANDS = ["LABO DUPONT", "MÉDIPHARM", "SANTÉ PLUS", "HYGIA", "BIOCARE", "", ""]
CITIES = [
    ("Bamako", "BKO", "Mali"),
    ("Dakar", "DSS", "Sénégal"),
    ("Abidjan", "ABJ", "Côte d'Ivoire"),
    ("Antananarivo", "TNR", "Madagascar"),
    ("Port-au-Prince", "PAP", "Haïti"),
    ("Ouagadougou", "OUA", "Burkina Faso"),
    ("Niamey", "NIM", "Niger"),
    ("Conakry", "CKY", "Guinée"),
    ("Douala", "DLA", "Cameroun"),
    ("Lomé", "LFW", "Togo"),
    ("Cotonou", "COO", "Bénin"),
    ("Kinshasa", "FIH", "RD Congo"),
]


# --- helpers --------------------------------------------------------------------------------------


def _aware(day: dt.date, seconds: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)


def _ean13(number: int) -> str:
    body = f"{GTIN_PREFIX}{number:09d}"
    return body + str(check_digit(body))


@contextmanager
def historical_timestamps(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk inserts keep the creation dates set on the objects (auto_now / auto_now_add
    would overwrite them with now); restored afterwards, whatever happens."""
    changed: list[tuple[Any, bool, bool]] = []
    for model in model_classes:
        for model_field in model._meta.concrete_fields:
            if getattr(model_field, "auto_now_add", False) or getattr(
                model_field, "auto_now", False
            ):
                changed.append(
                    (model_field, model_field.auto_now_add, model_field.auto_now)  # type: ignore[attr-defined]
                )
                setattr(model_field, "auto_now_add", False)  # noqa: B010 (DateTimeField only)
                setattr(model_field, "auto_now", False)  # noqa: B010
    try:
        yield
    finally:
        for model_field, auto_now_add, auto_now in changed:
            setattr(model_field, "auto_now_add", auto_now_add)  # noqa: B010
            setattr(model_field, "auto_now", auto_now)  # noqa: B010


@contextmanager
def sqlite_bulk_pragmas() -> Iterator[None]:
    """On SQLite, a big page cache for the seeding connection (the movement table's indexes are
    filled in random order: with the default 2 MB cache every insert reads and writes pages
    back and forth) and no fsync while seeding (a crash leaves a database to throw away anyway).
    Put back afterwards. Nothing to do on MariaDB, nor inside a transaction (tests)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -1048576")  # KiB: 1 GiB at most, used as it fills
        cursor.execute("PRAGMA synchronous = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
            cursor.execute(f"PRAGMA synchronous = {int(synchronous)}")


def _next_pk(model: type[models.Model]) -> int:
    last = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


class _Writer:
    """bulk_create in batches, timed per table."""

    def __init__(self, report: SeedReport, batch_size: int) -> None:
        self.report = report
        self.batch_size = batch_size

    def write(self, model: type[models.Model], objects: Sequence[models.Model]) -> None:
        started = time.perf_counter()
        for start in range(0, len(objects), self.batch_size):
            model._default_manager.bulk_create(objects[start : start + self.batch_size])
        self.report.add(model._meta.db_table, len(objects), time.perf_counter() - started)


# Plain strings: the database driver gets exact str values.
IN, OUT, ADJUST, COUNT, PRECONDITION = (
    str(MovementType.IN.value),
    str(MovementType.OUT.value),
    str(MovementType.ADJUST.value),
    str(MovementType.COUNT.value),
    str(MovementType.PRECONDITION.value),
)
MOVEMENT_COLUMNS = (
    "product_id",
    "lot_id",
    "delta",
    "movement_type",
    "from_location_id",
    "to_location_id",
    "reason_code",
    "carton_id",
    "shipment_id",
    "user_id",
    "created_at",
)


class RawTable:
    """INSERT … VALUES through the driver's executemany, for the two big tables (lots and the
    million movements): bulk_create builds a model instance per row and runs each value
    through the SQL compiler, several times slower than the driver's own batching
    (mysqlclient turns executemany into multi-row INSERTs; sqlite3 reuses one prepared
    statement). Rows carry database-ready values in `columns` order; every other column gets
    its field's default, so a field added later with a default is filled here too."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = {
            f.attname: f
            for f in model._meta.concrete_fields
            if not f.generated  # computed by the database (ProductLot.fefo_expiry)
        }
        unknown = set(columns) - {*fields, "id"}
        if unknown:
            raise ValueError(f"{model.__name__} has no column(s) {sorted(unknown)}")
        others = [f for name, f in fields.items() if name not in columns and not f.primary_key]
        self.constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)
        quote = connection.ops.quote_name
        names = [fields[name].column if name in fields else name for name in columns]
        names += [f.column for f in others]
        # Table and column names come from the model, quoted: no outside text in the SQL.
        table = quote(model._meta.db_table)
        column_list = ", ".join(quote(name) for name in names)
        placeholders = ", ".join(["%s"] * len(names))
        self.sql = f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})"  # noqa: S608

    def insert(self, rows: Sequence[tuple[Any, ...]], batch_size: int) -> None:
        constants = self.constants
        with connection.cursor() as cursor:
            for start in range(0, len(rows), batch_size):
                cursor.executemany(
                    self.sql, [row + constants for row in rows[start : start + batch_size]]
                )


# --- plans (plain tuples, then model objects per batch) -------------------------------------------


@dataclass
class _LotPlan:
    pk: int
    product_id: int
    location_id: int
    received_on: dt.date
    initial: int
    status: str
    expires_on: dt.date | None
    taken: int = 0
    # (when, -quantity, carton id, shipment id or None)
    carton_takes: list[tuple[dt.datetime, int, int, int | None]] = field(default_factory=list)


@dataclass
class _CartonPlan:
    pk: int
    when: dt.datetime
    status: str
    shipment_id: int | None
    location_id: int | None
    items: list[tuple[int, int]] = field(default_factory=list)  # (lot pk, quantity)


class Seeder:
    def __init__(
        self,
        scale: Scale,
        *,
        seed: int = 1,
        password: str = "",
        batch_size: int = BATCH_SIZE,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.password = password
        self.report = SeedReport(password=password)
        self.writer = _Writer(self.report, batch_size)
        self.log = log or (lambda line: None)
        self.today = timezone.localdate()
        self.start_day = self.today - dt.timedelta(days=HISTORY_DAYS)
        self.sequences: dict[tuple[str, str], int] = {}
        self.now = timezone.now()

    def _past(self, moment: dt.datetime) -> dt.datetime:
        return min(moment, self.now)

    # -- entry ---------------------------------------------------------------------------------

    def run(self) -> SeedReport:
        existing = Product.objects.count()
        if existing:
            raise DatabaseNotEmpty(
                f"seed_bench fills an empty catalogue only: this database already holds "
                f"{existing} products. Point it at a fresh database (DB_NAME=… for MariaDB, or "
                "a new SQLite file) — benchmark rows are never mixed with other data."
            )
        started = time.perf_counter()
        with (
            sqlite_bulk_pragmas(),
            historical_timestamps(
                ProductLot, StockMovement, Carton, Shipment, StatusChange, TrackingEvent
            ),
        ):
            self._step("master data", self._master_data)
            self._step("products", self._products)
            self._step("lots plan", self._plan_lots)
            self._step("shipments and cartons", self._shipments_and_cartons)
            self._step("lots and movements", self._lots_and_movements)
            self._step("carton items", self._carton_items)
            self._step("sequences", self._sequences)
        self.report.total_seconds = time.perf_counter() - started
        self._samples()
        return self.report

    def _step(self, name: str, action: Callable[[], None]) -> None:
        started = time.perf_counter()
        action()
        self.log(f"  {name}: {time.perf_counter() - started:.1f} s")

    def _timed_save(self, model: type[models.Model], objects: list[Any]) -> None:
        started = time.perf_counter()
        for obj in objects:
            obj.save()
        self.report.add(model._meta.db_table, len(objects), time.perf_counter() - started)

    # -- master data ---------------------------------------------------------------------------

    @transaction.atomic
    def _master_data(self) -> None:
        rng = self.rng
        self.worker = self._user(WORKER_USERNAME, WORKER_GROUP)
        self.manager = self._user(MANAGER_USERNAME, MANAGER_GROUP)
        key = ApiKey(name=API_KEY_NAME, scope_read=True, scope_write=True, created_by=self.manager)
        self.report.api_key = key.issue()
        key.save()

        receiving = Warehouse(name="Réception bench", code="BREC")
        stock = Warehouse(name="Stock bench", code="BSTK")
        self._timed_save(Warehouse, [receiving, stock])
        locations: list[Location] = []
        zones = ["A", "B", "C", "D", "E", "F", "G", "H"]
        for zone in zones:
            for aisle in range(1, 6):
                for shelf in range(1, 6):
                    locations.append(
                        Location(warehouse=stock, zone=zone, aisle=f"{aisle:02d}", shelf=str(shelf))
                    )
        locations += [
            Location(warehouse=receiving, zone="QUAI", aisle="01", shelf=str(shelf))
            for shelf in range(1, 5)
        ]
        self.writer.write(Location, locations)
        self.location_ids = list(
            Location.objects.filter(warehouse__in=[receiving, stock])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.writer.write(
            RackColor,
            [
                RackColor(warehouse=stock, zone=zone, color=f"#{rng.randrange(0xFFFFFF):06X}")
                for zone in zones
            ],
        )

        # Categories: roots, then children (save() computes keys and levels).
        self.leaf_categories: list[ProductCategory] = []
        self.root_letters: dict[int, str] = {}
        categories: list[ProductCategory] = []
        for root_name, branches in CATEGORY_TREE.items():
            root = ProductCategory(name=root_name)
            root.save()
            categories.append(root)
            letters = type_letters_of(root_name)
            for branch_name, leaves in branches.items():
                branch = ProductCategory(name=branch_name, parent=root)
                branch.save()
                categories.append(branch)
                if not leaves:
                    self.leaf_categories.append(branch)
                    self.root_letters[branch.pk] = letters
                for leaf_name in leaves:
                    leaf = ProductCategory(name=leaf_name, parent=branch)
                    leaf.save()
                    categories.append(leaf)
                    self.leaf_categories.append(leaf)
                    self.root_letters[leaf.pk] = letters
        self.report.add(ProductCategory._meta.db_table, len(categories), 0.0)
        self.tags = [
            ProductTag.objects.get_or_create(name=name)[0]
            for name in ("Urgence", "Pédiatrie", "Chaîne du froid", "Fragile")
        ]

        self.carton_format = CartonFormat.default()
        if self.carton_format is None:
            self.carton_format = CartonFormat(
                name="Standard bench",
                length_cm=Decimal("40.0"),
                width_cm=Decimal("30.0"),
                height_cm=Decimal("30.0"),
                is_default=True,
            )
            self.carton_format.save()

        destinations = [
            Destination(city=city, iata_code=code, country=country)
            for city, code, country in CITIES
        ]
        self._timed_save(Destination, destinations)
        self.destinations = destinations
        contacts: list[Contact] = []
        self.shippers: list[Contact] = []
        self.recipients: dict[int, list[Contact]] = defaultdict(list)
        self.correspondents: dict[int, Contact] = {}
        for index in range(5):
            shipper = Contact(
                kind=ContactKind.ORGANISATION,
                name=f"Association Bench {index + 1}",
                is_shipper=True,
            )
            contacts.append(shipper)
            self.shippers.append(shipper)
        for destination in destinations:
            for index in range(3):
                recipient = Contact(
                    kind=ContactKind.ORGANISATION,
                    name=f"Centre de santé {destination.city} {index + 1}",
                    is_recipient=True,
                )
                contacts.append(recipient)
                self.recipients[destination.pk].append(recipient)
            correspondent = Contact(
                kind=ContactKind.PERSON,
                name=f"Correspondant {destination.city}",
                is_correspondent=True,
                email=f"correspondant.{destination.iata_code.lower()}@example.org",
            )
            contacts.append(correspondent)
            self.correspondents[destination.pk] = correspondent
        self._timed_save(Contact, contacts)

    def _user(self, username: str, group_name: str) -> User:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.set_password(self.password)
        user.is_active = True
        user.save()
        user.groups.add(*Group.objects.filter(name=group_name))
        self.report.add("auth_user", 1, 0.0)
        return user

    # -- products ------------------------------------------------------------------------------

    def _products(self) -> None:
        rng = self.rng
        first = _next_pk(Product)
        products: list[Product] = []
        self.product_letters: dict[int, str] = {}
        self.product_perishable: dict[int, bool] = {}
        self.product_ids: list[int] = []
        for index in range(self.scale.products):
            pk = first + index
            category = rng.choice(self.leaf_categories)
            perishable = category.name in {
                "Antalgiques",
                "Antibiotiques",
                "Solutés",
                "Antiseptiques",
            } or (rng.random() < 0.15)
            length, width, height = (Decimal(rng.randrange(20, 400)) / 10 for _ in range(3))
            product = Product(
                pk=pk,
                sku=f"{SKU_PREFIX}{index + 1:06d}",
                name=(
                    f"{rng.choice(NOUNS)} {rng.choice(QUALIFIERS)} {rng.choice(SIZES)} "
                    f"n°{index + 1}"
                ),
                brand=rng.choice(BRANDS),
                category=category,
                ean=_ean13(index + 1) if rng.random() < 0.8 else "",
                barcode=f"ASF{index + 1:07d}" if rng.random() < 0.1 else "",
                pu_ht=Decimal(rng.randrange(10, 5000)) / 100,
                tva=Decimal("0.055") if perishable else Decimal("0.2"),
                default_location_id=rng.choice(self.location_ids),
                length_cm=length,
                width_cm=width,
                height_cm=height,
                weight_g=rng.randrange(5, 2000),
                perishable=perishable,
                storage_conditions="Entre 2 et 8 °C" if rng.random() < 0.05 else "",
            )
            derive_product_fields(product)
            products.append(product)
            self.product_letters[pk] = self.root_letters[category.pk]
            self.product_perishable[pk] = perishable
            self.product_ids.append(pk)
        tag_links = [
            Product.tags.through(product_id=product.pk, producttag_id=rng.choice(self.tags).pk)
            for product in products
            if rng.random() < 0.3
        ]
        for start in range(0, len(products), LOT_CHUNK):
            with transaction.atomic():
                self.writer.write(Product, products[start : start + LOT_CHUNK])
        with transaction.atomic():
            self.writer.write(Product.tags.through, tag_links)

    # -- lots, planned before the cartons that take from them ---------------------------------

    def _plan_lots(self) -> None:
        rng = self.rng
        scale = self.scale
        if not scale.lots:  # a catalogue only
            self.lots, self.available, self.available_days = [], [], []
            return
        first = _next_pk(ProductLot)
        # Every product gets one lot; the others go to random products (some have many).
        owners = list(self.product_ids)
        owners += [rng.choice(self.product_ids) for _ in range(scale.lots - len(owners))]
        span = HISTORY_DAYS + 60
        received = sorted(
            self.today - dt.timedelta(days=rng.randrange(3, span)) for _ in range(scale.lots)
        )
        lots: list[_LotPlan] = []
        for index, (product_id, received_on) in enumerate(zip(owners, received, strict=True)):
            perishable = self.product_perishable[product_id]
            expires_on = (
                received_on + dt.timedelta(days=rng.randrange(300, 1200)) if perishable else None
            )
            roll = rng.random()
            if roll < 0.03:
                status = LotStatus.QUARANTINED
            elif roll < 0.05:
                status = LotStatus.HOLD
            elif expires_on is not None and expires_on < self.today and roll < 0.5:
                status = LotStatus.EXPIRED
            else:
                status = LotStatus.AVAILABLE
            lots.append(
                _LotPlan(
                    pk=first + index,
                    product_id=product_id,
                    location_id=rng.choice(self.location_ids),
                    received_on=received_on,
                    initial=rng.randrange(40, 400),
                    status=status,
                    expires_on=expires_on,
                )
            )
        self.lots = lots
        self.available = [lot for lot in lots if lot.status == LotStatus.AVAILABLE]
        self.available_days = [lot.received_on for lot in self.available]

    # -- shipments and cartons -----------------------------------------------------------------

    def _shipments_and_cartons(self) -> None:
        rng = self.rng
        scale = self.scale
        days = sorted(
            self.start_day + dt.timedelta(days=rng.randrange(0, HISTORY_DAYS + 1))
            for _ in range(scale.shipments)
        )
        # The most recent ones are still open, in every open status; the older ones left.
        open_count = max(3, scale.shipments // 30) if scale.shipments else 0
        first_shipment = _next_pk(Shipment)
        first_carton = _next_pk(Carton)
        shipments: list[Shipment] = []
        changes: list[StatusChange] = []
        events: list[TrackingEvent] = []
        cartons: list[_CartonPlan] = []
        year_counters: dict[int, int] = defaultdict(int)
        open_statuses = [ShipmentStatus.DRAFT, ShipmentStatus.PICKING, ShipmentStatus.PACKED]
        for index, day in enumerate(days):
            pk = first_shipment + index
            position_from_end = scale.shipments - index
            if position_from_end <= open_count:
                status = open_statuses[position_from_end % 3]
            elif (self.today - day).days < 40 or rng.random() < 0.1:
                status = ShipmentStatus.SHIPPED
            else:
                status = ShipmentStatus.DELIVERED
            created = self._past(_aware(day, rng.randrange(7 * 3600, 17 * 3600)))
            year_counters[day.year] += 1
            reference = f"{day:%y}{year_counters[day.year]:04d}"
            destination = rng.choice(self.destinations)
            shipper = rng.choice(self.shippers)
            recipient = rng.choice(self.recipients[destination.pk])
            correspondent = self.correspondents[destination.pk]
            timeline = [ShipmentStatus.DRAFT]
            # Each step a few days after the previous one, never after now.
            ready = self._past(created + dt.timedelta(days=rng.randrange(1, 6)))
            shipped = self._past(ready + dt.timedelta(days=rng.randrange(1, 10)))
            delivered = self._past(shipped + dt.timedelta(days=rng.randrange(5, 30)))
            ready_at: dt.datetime | None = None
            shipped_at: dt.datetime | None = None
            delivered_at: dt.datetime | None = None
            if status != ShipmentStatus.DRAFT:
                timeline.append(ShipmentStatus.PICKING)
            if status in (ShipmentStatus.PACKED, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
                ready_at = ready
                timeline.append(ShipmentStatus.PACKED)
            if status in (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED):
                shipped_at = shipped
                timeline.append(ShipmentStatus.SHIPPED)
            if status == ShipmentStatus.DELIVERED:
                delivered_at = delivered
                timeline.append(ShipmentStatus.DELIVERED)
            shipments.append(
                Shipment(
                    pk=pk,
                    reference=reference,
                    tracking_token=uuid.UUID(int=rng.getrandbits(128), version=4),
                    update_token=uuid.UUID(int=rng.getrandbits(128), version=4),
                    status=status,
                    destination=destination,
                    shipper=shipper,
                    shipper_name=shipper.name,
                    recipient=recipient,
                    recipient_name=recipient.name,
                    correspondent=correspondent,
                    correspondent_name=correspondent.name,
                    destination_address=f"{recipient.name}\n{destination.city}",
                    destination_country=destination.country,
                    created_at=created,
                    ready_at=ready_at,
                    shipped_at=shipped_at,
                    delivered_at=delivered_at,
                    created_by=self.manager,
                    flight_date=shipped_at.date() if shipped_at else None,
                    flight_number=f"AF{rng.randrange(100, 999)}" if shipped_at else "",
                    awb_number=f"057-{rng.randrange(10**7, 10**8)}" if shipped_at else "",
                )
            )
            for step, (before, after) in enumerate(itertools.pairwise(timeline)):
                when = {
                    ShipmentStatus.PICKING: self._past(created + dt.timedelta(hours=2)),
                    ShipmentStatus.PACKED: ready,
                    ShipmentStatus.SHIPPED: shipped,
                    ShipmentStatus.DELIVERED: delivered,
                }[after]
                changes.append(
                    StatusChange(
                        shipment_id=pk,
                        from_status=before,
                        to_status=after,
                        user=self.manager if step % 2 else self.worker,
                        created_at=when,
                    )
                )
            if shipped_at is not None:
                events.append(
                    TrackingEvent(
                        shipment_id=pk,
                        step=TrackingStep.BOARDING_OK,
                        actor_name="Agent fret",
                        actor_structure="Aéroport CDG",
                        author=self.manager,
                        created_at=shipped_at,
                    )
                )
            if delivered_at is not None:
                events.append(
                    TrackingEvent(
                        shipment_id=pk,
                        step=TrackingStep.RECEIVED_RECIPIENT,
                        actor_name=correspondent.name,
                        actor_structure=recipient.name,
                        via_update_link=True,
                        created_at=delivered_at,
                    )
                )
            # Cartons, with the carton statuses the shipment's status stands for.
            if status == ShipmentStatus.DRAFT:
                carton_statuses = [CartonStatus.PICKING] if index % 2 else []
            elif status == ShipmentStatus.PICKING:
                count = rng.randrange(2, 5)
                carton_statuses = [CartonStatus.PACKED] + [CartonStatus.PICKING] * (count - 1)
            elif status == ShipmentStatus.PACKED:
                carton_statuses = [CartonStatus.PACKED] * rng.randrange(1, 5)
            else:
                carton_statuses = [CartonStatus.SHIPPED] * rng.randrange(1, 6)
            for carton_status in carton_statuses:
                cartons.append(
                    _CartonPlan(
                        pk=first_carton + len(cartons),
                        when=self._past(created + dt.timedelta(minutes=30 + len(cartons) % 90)),
                        status=carton_status,
                        shipment_id=pk,
                        location_id=None,
                    )
                )
        for _ in range(int(scale.shipments * scale.loose_carton_ratio)):
            day = self.today - dt.timedelta(days=rng.randrange(0, 60))
            cartons.append(
                _CartonPlan(
                    pk=first_carton + len(cartons),
                    when=self._past(_aware(day, rng.randrange(7 * 3600, 17 * 3600))),
                    status=rng.choice(
                        [CartonStatus.PACKED, CartonStatus.PACKED, CartonStatus.PICKING]
                    ),
                    shipment_id=None,
                    location_id=rng.choice(self.location_ids),
                )
            )
        for year, last in year_counters.items():
            self._sequence("shipment", str(year), last)
        self._fill_cartons(cartons)
        carton_rows = self._carton_rows(cartons)
        with transaction.atomic():
            self.writer.write(Shipment, shipments)
            self.writer.write(StatusChange, changes)
            self.writer.write(TrackingEvent, events)
            self.writer.write(Carton, carton_rows)
        self.cartons = cartons
        self.shipment_ids = [shipment.pk for shipment in shipments]

    def _fill_cartons(self, cartons: list[_CartonPlan]) -> None:
        """1 to 3 lots per carton, among available lots received before it was packed."""
        rng = self.rng
        most_takes = self.scale.movements_per_lot - 1
        for carton in cartons:
            limit = bisect.bisect_right(self.available_days, carton.when.date() - dt.timedelta(1))
            if limit == 0:
                continue
            wanted = rng.randrange(1, 4)
            chosen: set[int] = set()
            for _attempt in range(wanted * 4):
                if len(chosen) == wanted:
                    break
                lot = self.available[rng.randrange(limit)]
                quantity = rng.randrange(1, 13)
                if (
                    lot.pk in chosen
                    or len(lot.carton_takes) >= most_takes
                    or lot.initial - lot.taken < quantity
                ):
                    continue
                chosen.add(lot.pk)
                lot.taken += quantity
                lot.carton_takes.append((carton.when, -quantity, carton.pk, carton.shipment_id))
                carton.items.append((lot.pk, quantity))

    def _carton_rows(self, cartons: list[_CartonPlan]) -> list[Carton]:
        lot_products = {lot.pk: lot.product_id for lot in self.lots}
        day_counters: dict[dt.date, int] = defaultdict(int)
        rows = []
        carton_format = self.carton_format
        assert carton_format is not None
        for carton in sorted(cartons, key=lambda plan: (plan.when, plan.pk)):
            day = carton.when.date()
            day_counters[day] += 1
            suffix = f"{day:%Y%m%d}-{day_counters[day]}"
            if carton.items:
                # The dominant root category, by units (wms.services.packing.dominant_type).
                units: dict[str, int] = defaultdict(int)
                for lot_pk, quantity in carton.items:
                    units[self.product_letters[lot_products[lot_pk]]] += quantity
                letters = max(units.items(), key=lambda pair: pair[1])[0]
            else:
                letters = "XX"
            packed = carton.status in (CartonStatus.PACKED, CartonStatus.SHIPPED)
            rows.append(
                Carton(
                    pk=carton.pk,
                    code=f"{letters}-{suffix}",
                    code_suffix=suffix,
                    # A carton left empty (no lot old enough for it) is still a draft.
                    status=(
                        CartonStatus.DRAFT
                        if carton.status == CartonStatus.PICKING and not carton.items
                        else carton.status
                    ),
                    carton_format=carton_format,
                    length_cm=carton_format.length_cm,
                    width_cm=carton_format.width_cm,
                    height_cm=carton_format.height_cm,
                    max_weight_g=carton_format.max_weight_g,
                    location_id=carton.location_id,
                    shipment_id=carton.shipment_id,
                    prepared_by=self.worker,
                    created_at=carton.when,
                    created_on=day,
                    packed_at=carton.when + dt.timedelta(minutes=20) if packed else None,
                )
            )
        for day, last in day_counters.items():
            self._sequence("carton", day.isoformat(), last)
        rows.sort(key=lambda row: row.pk)
        return rows

    # -- lots and their movements --------------------------------------------------------------

    def _lots_and_movements(self) -> None:
        lot_table = RawTable(
            ProductLot,
            (
                "id",
                "product_id",
                "lot_code",
                "expires_on",
                "received_on",
                "status",
                "quantity_on_hand",
                "location_id",
                "quarantine_reason",
                "created_at",
            ),
        )
        movement_table = RawTable(StockMovement, MOVEMENT_COLUMNS)
        for start in range(0, len(self.lots), LOT_CHUNK):
            chunk = self.lots[start : start + LOT_CHUNK]
            lots, movements = self._lot_rows(chunk)
            with transaction.atomic():
                self._raw_write(lot_table, lots)
                self._raw_write(movement_table, movements)
            self.log(f"    lots {start + len(chunk):,}/{len(self.lots):,}")

    def _raw_write(self, table: RawTable, rows: list[tuple[Any, ...]]) -> None:
        started = time.perf_counter()
        table.insert(rows, self.writer.batch_size)
        self.report.add(table.model._meta.db_table, len(rows), time.perf_counter() - started)

    def _lot_rows(
        self, plans: list[_LotPlan]
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Rows ready for the database (RawTable): one lot and its movements per plan."""
        rng = self.rng
        per_lot = self.scale.movements_per_lot
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value
        day = connection.ops.adapt_datefield_value
        lots: list[tuple[Any, ...]] = []
        movements: list[tuple[Any, ...]] = []
        worker, manager = self.worker.pk, self.manager.pk
        for plan in plans:
            arrived = _aware(plan.received_on, rng.randrange(7 * 3600, 12 * 3600))
            on_hand = plan.initial
            location = plan.location_id
            product, lot = plan.product_id, plan.pk
            # (product, lot, delta, type, from, to, reason, carton, shipment, user, created_at)
            movements.append(
                (
                    product,
                    lot,
                    plan.initial,
                    IN,
                    None,
                    location,
                    "receipt",
                    None,
                    None,
                    worker,
                    stamp(arrived),
                )
            )
            for when, delta, carton_id, shipment_id in plan.carton_takes:
                on_hand += delta
                kind = OUT if shipment_id is not None else PRECONDITION
                movements.append(
                    (
                        product,
                        lot,
                        delta,
                        kind,
                        location,
                        None,
                        "pack",
                        carton_id,
                        shipment_id,
                        worker,
                        stamp(when),
                    )
                )
            span = max(1, int((now - arrived).total_seconds()))
            for _ in range(per_lot - 1 - len(plan.carton_takes)):
                roll = rng.random()
                size = rng.randrange(1, 6)
                when = min(now, arrived + dt.timedelta(seconds=rng.randrange(3600, span + 3600)))
                if roll < 0.5 and on_hand >= size:
                    kind, delta, reason = OUT, -size, "scan_out"
                elif roll < 0.75:
                    delta = size if on_hand < size or rng.random() < 0.4 else -size
                    kind, reason = ADJUST, "correction"
                else:
                    delta = size if on_hand < size or rng.random() < 0.5 else -size
                    kind, reason = COUNT, "count"
                on_hand += delta
                movements.append(
                    (
                        product,
                        lot,
                        delta,
                        kind,
                        location if delta < 0 else None,
                        location if delta > 0 else None,
                        reason,
                        None,
                        None,
                        manager if rng.random() < 0.2 else worker,
                        stamp(when),
                    )
                )
            lots.append(
                (
                    lot,
                    product,
                    f"L{plan.received_on:%y%m}-{lot:06d}",
                    day(plan.expires_on),
                    day(plan.received_on),
                    plan.status,
                    on_hand,
                    location,
                    "Contrôle à réception" if plan.status == LotStatus.QUARANTINED else "",
                    stamp(arrived),
                )
            )
        return lots, movements

    def _carton_items(self) -> None:
        items = [
            CartonItem(carton_id=carton.pk, lot_id=lot_pk, quantity=quantity)
            for carton in self.cartons
            for lot_pk, quantity in carton.items
        ]
        with transaction.atomic():
            self.writer.write(CartonItem, items)

    # -- sequences -----------------------------------------------------------------------------

    def _sequence(self, kind: str, scope: str, last: int) -> None:
        self.sequences[(kind, scope)] = max(last, self.sequences.get((kind, scope), 0))

    @transaction.atomic
    def _sequences(self) -> None:
        """Counters past the highest seeded numbers: the application's next carton or shipment
        takes the following number instead of colliding with a seeded one."""
        existing = {
            (row.kind, row.scope): row
            for row in ReferenceSequence.objects.filter(kind__in={k for k, _ in self.sequences})
        }
        new, changed = [], []
        for (kind, scope), last in self.sequences.items():
            row = existing.get((kind, scope))
            if row is None:
                new.append(ReferenceSequence(kind=kind, scope=scope, last_value=last))
            elif row.last_value < last:
                row.last_value = last
                changed.append(row)
        self.writer.write(ReferenceSequence, new)
        ReferenceSequence.objects.bulk_update(changed, ["last_value"], batch_size=1000)

    def _samples(self) -> None:
        """Ids and codes a benchmark can request (a product in stock with several lots, a
        shipped shipment with cartons, a search term)."""
        lots_per_product: dict[int, int] = defaultdict(int)
        for lot in self.available:
            if lot.initial - lot.taken > 20:
                lots_per_product[lot.product_id] += 1
        product_id = max(lots_per_product, key=lambda pk: (lots_per_product[pk], -pk), default=0)
        product = Product.objects.filter(pk=product_id).values("pk", "sku", "name").first()
        shipment_id = next(
            (carton.shipment_id for carton in reversed(self.cartons) if carton.shipment_id), None
        )
        self.report.samples = {
            "product_id": product["pk"] if product else None,
            "product_sku": product["sku"] if product else "",
            "search": product["name"].split()[0] if product else "",
            "shipment_id": shipment_id,
            "location_id": self.location_ids[0],
        }


def seed(
    scale: Scale,
    *,
    seed: int = 1,
    password: str = "",
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] | None = None,
) -> SeedReport:
    """Fill an empty database at `scale`; DatabaseNotEmpty when it holds products already."""
    return Seeder(scale, seed=seed, password=password, batch_size=batch_size, log=log).run()
