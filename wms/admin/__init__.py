"""Admin for managers (S-ROLES): master data editable, quantities and the ledger read-only, stock
operations through the services. Django autodiscovers this package; each module registers one
area."""

from wms.admin import (
    api_keys,
    catalog,
    contacts,
    imports,
    integration,
    locations,
    orders,
    print_templates,
    receipts,
    shipping,
    stock,
    users,
)

__all__ = [
    "api_keys",
    "catalog",
    "contacts",
    "imports",
    "integration",
    "locations",
    "orders",
    "print_templates",
    "receipts",
    "shipping",
    "stock",
    "users",
]
