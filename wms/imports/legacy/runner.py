"""The take-over in one transaction: check the source and the target, run every step in the
order their references need, and roll everything back for a dry run (the report's figures are
then those of a real run, written and undone)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import models, transaction

from wms.models import (
    Carton,
    CartonFormat,
    Contact,
    ContactAddress,
    Destination,
    IntegrationEvent,
    Location,
    Order,
    OrderDocument,
    PrintTemplate,
    Product,
    ProductCategory,
    ProductLot,
    ProductTag,
    PublicAccountRequest,
    PublicOrderLink,
    RackColor,
    Receipt,
    Shipment,
    StockMovement,
    Warehouse,
)

from . import accounts, catalog, contacts, ledger, orders, queue, sequences, shipping, stock
from .context import TakeOver
from .report import Report
from .source import LegacySource
from .timestamps import imported_timestamps

Step = Callable[[TakeOver], None]

# In the order of their references: users and the catalogue first, the ledger once lots,
# cartons and shipments exist, sequences last (after the highest migrated references).
STEPS: list[tuple[str, Step]] = [
    ("utilisateurs", accounts.import_users),
    ("catalogue et emplacements", catalog.import_catalog),
    ("contacts et destinations", contacts.import_contacts),
    ("portail et liens publics", accounts.import_portal),
    ("réceptions et lots", stock.import_receipts_and_lots),
    ("expéditions et suivi", shipping.import_shipments),
    ("colis", stock.import_cartons),
    ("journal de stock", ledger.import_ledger),
    ("commandes et réservations", orders.import_orders),
    ("modèles d'impression", queue.import_print_templates),
    ("file des e-mails et événements", queue.import_integration_events),
    ("séquences", sequences.import_sequences),
]
# Tables of the earlier schema the take-over cannot do without.
REQUIRED_TABLES = (
    "auth_user",
    "contacts_contact",
    "wms_product",
    "wms_productlot",
    "wms_stockmovement",
    "wms_shipment",
)
# Business data of the target: any row here means the take-over already ran, or the database is
# in use; importing on top would mix two histories.
BUSINESS_MODELS: tuple[type[models.Model], ...] = (
    User,
    Warehouse,
    Location,
    RackColor,
    ProductCategory,
    ProductTag,
    Product,
    Contact,
    ContactAddress,
    Destination,
    ProductLot,
    StockMovement,
    Receipt,
    CartonFormat,
    Carton,
    Shipment,
    Order,
    OrderDocument,
    PublicOrderLink,
    PublicAccountRequest,
    IntegrationEvent,
    PrintTemplate,
)


class TargetNotEmpty(Exception):
    def __init__(self, found: dict[str, int]) -> None:
        listed = ", ".join(f"{count} {name}" for name, count in found.items())
        self.message = (
            f"La base cible contient déjà des données ({listed}) : la reprise se fait dans une "
            "base neuve, où seul `manage.py migrate` a été lancé. Rien n'a été importé."
        )
        super().__init__(self.message)


def business_rows() -> dict[str, int]:
    found = {}
    for model in BUSINESS_MODELS:
        count = model._default_manager.count()
        if count:
            found[str(model._meta.verbose_name_plural)] = count
    return found


def take_over(
    *, alias: str = "legacy", dry_run: bool = False, source: LegacySource | None = None
) -> Report:
    """Import everything from the `alias` database (or `source`) into this empty database."""
    source = source or LegacySource.for_alias(alias)
    source.check_schema(REQUIRED_TABLES)
    found = business_rows()
    if found:
        raise TargetNotEmpty(found)
    context = TakeOver(source=source, report=Report(dry_run=dry_run))
    with imported_timestamps(), transaction.atomic():
        for _name, step in STEPS:
            step(context)
        if dry_run:
            transaction.set_rollback(True)
        else:
            context.report.committed = True
    return context.report
