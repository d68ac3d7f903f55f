"""Orders from partner associations, their lines, reservations and documents (S-ORDERS).

Statuses, reservations and prepared quantities change only through wms/services/orders.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import F, Q

if TYPE_CHECKING:
    from wms.models.contacts import Contact


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    RESERVED = "reserved", "Réservée"
    PREPARING = "preparing", "En préparation"
    READY = "ready", "Prête"
    CANCELLED = "cancelled", "Annulée"


class ReviewStatus(models.TextChoices):
    PENDING = "pending_validation", "En attente de validation"
    APPROVED = "approved", "Validée"
    REJECTED = "rejected", "Refusée"
    CHANGES_REQUESTED = "changes_requested", "Modifications demandées"


def _party(role: str, related_name: str) -> models.ForeignKey[Contact | None, Contact | None]:
    return models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=role,
    )


class Order(models.Model):
    reference = models.CharField("référence", max_length=20, unique=True)
    status = models.CharField(
        "statut", max_length=20, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    review_status = models.CharField(
        "validation", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    association_contact = _party("association", "orders")
    public_link = models.ForeignKey(
        "wms.PublicOrderLink",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name="lien public",
    )
    # What an anonymous partner typed on a public link: never written into a contact; the
    # manager confirms the match (or creates the contact) when approving.
    submitted_identity = models.JSONField("identité saisie", default=dict, blank=True)
    portal_recipient = models.ForeignKey(
        "wms.AssociationRecipient",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
        verbose_name="destinataire du carnet",
    )
    shipper = _party("expéditeur", "orders_sent")
    shipper_name = models.CharField("nom de l'expéditeur", max_length=200, blank=True)
    recipient = _party("destinataire", "orders_received")
    recipient_name = models.CharField("nom du destinataire", max_length=200, blank=True)
    correspondent = _party("correspondant", "orders_followed")
    correspondent_name = models.CharField("nom du correspondant", max_length=200, blank=True)
    destination = models.ForeignKey(
        "wms.Destination",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name="destination",
    )
    address = models.TextField("adresse", blank=True)
    city = models.CharField("ville", max_length=120, blank=True)
    country = models.CharField("pays", max_length=80, blank=True)
    requested_date = models.DateField("date souhaitée", null=True, blank=True)
    shipment = models.OneToOneField(
        "wms.Shipment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order",
        verbose_name="expédition",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    notes = models.TextField("notes", blank=True)
    review_comment = models.TextField("commentaire de validation", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="validée par",
    )
    reviewed_at = models.DateTimeField("validée le", null=True, blank=True)
    submitted_at = models.DateTimeField("soumise le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "commande"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["review_status", "created_at"], name="order_review_created"),
            models.Index(fields=["association_contact", "created_at"], name="order_assoc_created"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != OrderStatus.CANCELLED


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name="commande"
    )
    product = models.ForeignKey(
        "wms.Product", on_delete=models.PROTECT, related_name="order_lines", verbose_name="produit"
    )
    quantity = models.PositiveIntegerField("quantité")
    # What the association asked; `quantity` is what was granted (a manager may lower it).
    quantity_asked = models.PositiveIntegerField("demandée", default=0)
    quantity_reserved = models.PositiveIntegerField("réservée", default=0)
    quantity_prepared = models.PositiveIntegerField("préparée", default=0)

    class Meta:
        verbose_name = "ligne de commande"
        verbose_name_plural = "lignes de commande"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_line_product_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_min"),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="order_line_reserved_within",
            ),
            models.CheckConstraint(
                condition=Q(quantity_prepared__lte=F("quantity")),
                name="order_line_prepared_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.reference} · {self.quantity} × {self.product.name}"


class OrderReservation(models.Model):
    """Which lot holds which part of a line's reservation (its units count in the lot's
    quantity_reserved)."""

    line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="reservations", verbose_name="ligne"
    )
    lot = models.ForeignKey(
        "wms.ProductLot",
        on_delete=models.PROTECT,
        related_name="order_reservations",
        verbose_name="lot",
    )
    quantity = models.PositiveIntegerField("quantité")

    class Meta:
        verbose_name = "réservation"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["line", "lot"], name="reservation_line_lot_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reservation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.line} · {self.quantity} sur {self.lot}"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    APPROVED = "approved", "Validé"
    REJECTED = "rejected", "Refusé"


class OrderDocumentKind(models.TextChoices):
    DONATION = "donation", "Attestation de don"
    HUMANITARIAN = "humanitarian", "Attestation humanitaire"
    INVOICE = "invoice", "Facture"
    OTHER = "other", "Autre"


class ReviewedDocument(models.Model):
    """An uploaded file a manager approves or rejects; served through a view that checks the
    owner, never from a public media URL."""

    file = models.FileField("fichier", upload_to="documents/%Y/")
    original_name = models.CharField("nom du fichier", max_length=200)
    status = models.CharField(
        "statut", max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="examiné par",
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    review_comment = models.CharField("commentaire", max_length=400, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]


class OrderDocument(ReviewedDocument):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="documents", verbose_name="commande"
    )
    kind = models.CharField(
        "type", max_length=20, choices=OrderDocumentKind.choices, default=OrderDocumentKind.OTHER
    )

    class Meta(ReviewedDocument.Meta):
        verbose_name = "document de commande"
        verbose_name_plural = "documents de commande"

    def __str__(self) -> str:
        return f"{self.order.reference} · {self.get_kind_display()} · {self.original_name}"
