"""Partner associations: portal accounts, address book, documents, public order links and
account requests (S-ORDERS)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from wms.models.orders import ReviewedDocument


class AssociationProfile(models.Model):
    """Makes a Django user an association user of the portal (never staff, never a worker)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="association_profile",
        verbose_name="utilisateur",
    )
    contact = models.ForeignKey(
        "wms.Contact",
        on_delete=models.PROTECT,
        related_name="association_profiles",
        verbose_name="association",
    )
    notification_emails = models.TextField(
        "e-mails de notification",
        blank=True,
        help_text="Autres adresses qui reçoivent les e-mails des commandes, une par ligne.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "profil association"
        verbose_name_plural = "profils association"

    def __str__(self) -> str:
        return f"{self.user.get_username()} · {self.contact.name}"

    def extra_emails(self) -> list[str]:
        return [line.strip() for line in self.notification_emails.splitlines() if line.strip()]


class AssociationRecipient(models.Model):
    """An entry of an association's address book; promoted to a Contact when an order using
    it is approved (matched, never merged silently)."""

    association = models.ForeignKey(
        "wms.Contact",
        on_delete=models.CASCADE,
        related_name="portal_recipients",
        verbose_name="association",
    )
    name = models.CharField("nom", max_length=200)
    line1 = models.CharField("adresse", max_length=200)
    line2 = models.CharField("complément", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=20, blank=True)
    city = models.CharField("ville", max_length=120)
    country = models.CharField("pays", max_length=80)
    phone = models.CharField("téléphone", max_length=40, blank=True)
    email = models.EmailField("e-mail", blank=True)
    notes = models.CharField("notes", max_length=400, blank=True)
    is_active = models.BooleanField("actif", default=True)
    contact = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="portal_entries",
        verbose_name="contact lié",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "destinataire (carnet d'adresses)"
        verbose_name_plural = "destinataires (carnet d'adresses)"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city}, {self.country})"

    def address_text(self) -> str:
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        return "\n".join(part for part in (self.line1, self.line2, city, self.country) if part)


class AssociationDocumentKind(models.TextChoices):
    STATUTES = "statutes", "Statuts"
    REGISTRATION = "registration", "Preuve d'enregistrement"
    ACTIVITY_REPORT = "activity_report", "Rapport d'activité"
    OTHER = "other", "Autre"


class AssociationDocument(ReviewedDocument):
    association = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="association_documents",
        verbose_name="association",
    )
    # Documents sent with an account request, before the association is a contact.
    account_request = models.ForeignKey(
        "wms.PublicAccountRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name="demande de compte",
    )
    kind = models.CharField(
        "type",
        max_length=20,
        choices=AssociationDocumentKind.choices,
        default=AssociationDocumentKind.OTHER,
    )

    class Meta(ReviewedDocument.Meta):
        verbose_name = "document d'association"
        verbose_name_plural = "documents d'association"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"


def new_link_token() -> str:
    return secrets.token_urlsafe(24)


class PublicOrderLink(models.Model):
    label = models.CharField("libellé", max_length=120)
    token = models.CharField(max_length=64, unique=True, default=new_link_token, editable=False)
    is_active = models.BooleanField("actif", default=True)
    expires_at = models.DateTimeField("expire le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créé par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "lien de commande public"
        verbose_name_plural = "liens de commande publics"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.is_active and (self.expires_at is None or self.expires_at > moment)


class AccountRequestStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    APPROVED = "approved", "Acceptée"
    REJECTED = "rejected", "Refusée"


class PublicAccountRequest(models.Model):
    association_name = models.CharField("association", max_length=200)
    email = models.EmailField("e-mail")
    phone = models.CharField("téléphone", max_length=40, blank=True)
    line1 = models.CharField("adresse", max_length=200, blank=True)
    line2 = models.CharField("complément", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=20, blank=True)
    city = models.CharField("ville", max_length=120, blank=True)
    country = models.CharField("pays", max_length=80, blank=True)
    notes = models.TextField("notes", blank=True)
    public_link = models.ForeignKey(
        PublicOrderLink,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_requests",
        verbose_name="lien public",
    )
    status = models.CharField(
        "statut",
        max_length=20,
        choices=AccountRequestStatus.choices,
        default=AccountRequestStatus.PENDING,
    )
    contact = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_requests",
        verbose_name="contact",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="compte créé",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="décidé par",
    )
    decided_at = models.DateTimeField("décidé le", null=True, blank=True)
    decision_comment = models.CharField("commentaire", max_length=400, blank=True)
    created_at = models.DateTimeField("reçue le", auto_now_add=True)

    class Meta:
        verbose_name = "demande de compte"
        verbose_name_plural = "demandes de compte"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="account_request_status")]

    def __str__(self) -> str:
        return f"{self.association_name} <{self.email}>"

    def address_text(self) -> str:
        city = " ".join(part for part in (self.postal_code, self.city) if part)
        return "\n".join(part for part in (self.line1, self.line2, city, self.country) if part)
