"""Domain models, one module per area; re-exported here so `from wms.models import X` works."""

from wms.models.api_keys import ApiKey
from wms.models.cartons import Carton, CartonFormat, CartonItem, CartonStatus
from wms.models.catalog import Product, ProductCategory, ProductKitItem, ProductTag
from wms.models.contacts import Contact, ContactAddress, ContactKind, ContactRole
from wms.models.imports import ImportKind, ImportUpload
from wms.models.integration import (
    EMAIL_EVENT_TYPE,
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
)
from wms.models.locations import Location, RackColor, Warehouse
from wms.models.orders import (
    DocumentStatus,
    Order,
    OrderDocument,
    OrderDocumentKind,
    OrderLine,
    OrderReservation,
    OrderStatus,
    ReviewStatus,
)
from wms.models.portal import (
    AccountRequestStatus,
    AssociationDocument,
    AssociationDocumentKind,
    AssociationProfile,
    AssociationRecipient,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.models.print_templates import PrintTemplate
from wms.models.receipts import (
    Receipt,
    ReceiptLine,
    ReceiptOutOfFormatLine,
    ReceiptStatus,
    ReceiptType,
)
from wms.models.roles import Capability
from wms.models.sequences import ReferenceSequence
from wms.models.shipments import (
    LOCKED_STATUSES,
    STEP_ORDER,
    Destination,
    Shipment,
    ShipmentDocument,
    ShipmentDocumentKind,
    ShipmentStatus,
    StatusChange,
    TrackingEvent,
    TrackingStep,
)
from wms.models.stock import LedgerIsAppendOnly, LotStatus, MovementType, ProductLot, StockMovement
from wms.models.throttle import ThrottleSlot

__all__ = [
    "EMAIL_EVENT_TYPE",
    "EMAIL_SOURCE",
    "LOCKED_STATUSES",
    "STEP_ORDER",
    "AccountRequestStatus",
    "ApiKey",
    "AssociationDocument",
    "AssociationDocumentKind",
    "AssociationProfile",
    "AssociationRecipient",
    "Capability",
    "Carton",
    "CartonFormat",
    "CartonItem",
    "CartonStatus",
    "Contact",
    "ContactAddress",
    "ContactKind",
    "ContactRole",
    "Destination",
    "DocumentStatus",
    "ImportKind",
    "ImportUpload",
    "IntegrationDirection",
    "IntegrationEvent",
    "IntegrationStatus",
    "LedgerIsAppendOnly",
    "Location",
    "LotStatus",
    "MovementType",
    "Order",
    "OrderDocument",
    "OrderDocumentKind",
    "OrderLine",
    "OrderReservation",
    "OrderStatus",
    "PrintTemplate",
    "Product",
    "ProductCategory",
    "ProductKitItem",
    "ProductLot",
    "ProductTag",
    "PublicAccountRequest",
    "PublicOrderLink",
    "RackColor",
    "Receipt",
    "ReceiptLine",
    "ReceiptOutOfFormatLine",
    "ReceiptStatus",
    "ReceiptType",
    "ReferenceSequence",
    "ReviewStatus",
    "Shipment",
    "ShipmentDocument",
    "ShipmentDocumentKind",
    "ShipmentStatus",
    "StatusChange",
    "StockMovement",
    "ThrottleSlot",
    "TrackingEvent",
    "TrackingStep",
    "Warehouse",
]
