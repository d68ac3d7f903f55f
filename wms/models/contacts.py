"""Contacts (S-CONTACTS): organisations and people, their roles and addresses."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q


class ContactKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation"
    PERSON = "person", "Personne"


class ContactRole(models.TextChoices):
    DONOR = "donor", "Donateur"
    CARRIER = "carrier", "Transporteur"
    SHIPPER = "shipper", "Expéditeur"
    RECIPIENT = "recipient", "Destinataire"
    CORRESPONDENT = "correspondent", "Correspondant"


ROLE_FIELDS = {role: f"is_{role.value}" for role in ContactRole}


class Contact(models.Model):
    kind = models.CharField(
        "type", max_length=20, choices=ContactKind.choices, default=ContactKind.ORGANISATION
    )
    name = models.CharField("nom", max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    title = models.CharField("civilité", max_length=20, blank=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom de famille", max_length=100, blank=True)
    job = models.CharField("fonction", max_length=120, blank=True)
    organisation = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        limit_choices_to={"kind": ContactKind.ORGANISATION},
        verbose_name="organisation",
    )
    use_organisation_address = models.BooleanField(
        "utilise l'adresse de l'organisation", default=False
    )
    email = models.EmailField("e-mail", blank=True)
    other_emails = models.CharField(
        "autres e-mails", max_length=400, blank=True, help_text="séparés par des virgules"
    )
    phone = models.CharField("téléphone", max_length=40, blank=True)
    other_phones = models.CharField("autres téléphones", max_length=200, blank=True)
    siret = models.CharField("SIRET", max_length=20, blank=True)
    vat_number = models.CharField("n° de TVA", max_length=30, blank=True)
    legal_registration = models.CharField("immatriculation", max_length=60, blank=True)
    asf_id = models.CharField(
        "identifiant ASF", max_length=20, unique=True, null=True, blank=True, editable=False
    )
    is_donor = models.BooleanField("donateur", default=False)
    is_carrier = models.BooleanField("transporteur", default=False)
    is_shipper = models.BooleanField("expéditeur", default=False)
    is_recipient = models.BooleanField("destinataire", default=False)
    is_correspondent = models.BooleanField("correspondant", default=False)
    # Destinations a shipper or recipient serves; none means every destination (S-SHIPMENTS).
    destinations = models.ManyToManyField(
        "wms.Destination", blank=True, related_name="served_by", verbose_name="destinations"
    )
    notes = models.TextField("notes", blank=True)
    is_active = models.BooleanField("actif", default=True)
    needs_review = models.BooleanField("à vérifier", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "contact"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def roles(self) -> list[str]:
        return [role.value for role, field in ROLE_FIELDS.items() if getattr(self, field)]

    def save(self, *args: Any, **kwargs: Any) -> None:
        from wms.services.contacts import prepare_contact

        prepare_contact(self)
        super().save(*args, **kwargs)


class ContactAddress(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="addresses", verbose_name="contact"
    )
    label = models.CharField("libellé", max_length=60, blank=True)
    line1 = models.CharField("adresse", max_length=200)
    line2 = models.CharField("complément", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=20, blank=True)
    city = models.CharField("ville", max_length=120)
    country = models.CharField("pays", max_length=80, default="France")
    # True for the default address, NULL otherwise: a plain unique constraint then allows one
    # default per contact on MariaDB, which ignores conditional constraints.
    default_marker = models.BooleanField(null=True, blank=True, editable=False)
    copied_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="copies",
        editable=False,
    )

    class Meta:
        verbose_name = "adresse"
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "default_marker"], name="one_default_address"
            ),
            models.CheckConstraint(
                condition=Q(default_marker=True) | Q(default_marker__isnull=True),
                name="default_marker_true_or_null",
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(
            part for part in (self.line1, self.postal_code, self.city, self.country) if part
        )

    @property
    def is_default(self) -> bool:
        return bool(self.default_marker)
