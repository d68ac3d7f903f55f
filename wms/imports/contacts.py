"""Contact import (S-CONTACTS): the columns of the contact export, French or English headers.

Matching: by ASF identifier, else by e-mail, else by name (accent- and case-insensitive); two
contacts answering the same name is refused rather than guessed. An existing contact is skipped
unless `update`; then only the columns present change and a blank cell leaves the field as is.
Roles come from one yes/no column per role and/or a "Rôles" list ("donateur | transporteur").
The organisation is found by name, or created; destinations are named by their IATA code and
must exist. An address (street and city at least) becomes the contact's default address.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from wms.models import (
    Contact,
    ContactAddress,
    ContactKind,
    ContactRole,
    Destination,
    ReferenceSequence,
)
from wms.models.contacts import ROLE_FIELDS
from wms.services.contacts import set_default_address
from wms.text import fold_key

from . import values
from .columns import Column, ColumnSet, RowView
from .errors import CellError
from .limits import max_length
from .pipeline import Outcome
from .readers import Cell
from .table_import import TableImporter

TEXT_FIELDS = {
    "name": ("Nom", ("raison sociale", "name", "nom du contact", "structure")),
    "title": ("Civilité", ("title",)),
    "first_name": ("Prénom", ("first name", "firstname")),
    "last_name": ("Nom de famille", ("last name", "lastname", "surname")),
    "job": ("Fonction", ("job", "poste")),
    "other_emails": ("Autres e-mails", ("other emails", "autres emails")),
    "phone": ("Téléphone", ("phone", "tél", "tel", "portable", "mobile")),
    "other_phones": ("Autres téléphones", ("other phones",)),
    "siret": ("SIRET", ()),
    "vat_number": ("N° de TVA", ("numéro de TVA", "TVA intracommunautaire", "VAT number")),
    "legal_registration": ("Immatriculation", ("RNA", "registration")),
    "notes": ("Notes", ("note", "remarques", "commentaire", "commentaires")),
}
ROLE_LABELS = {
    ContactRole.DONOR: ("Donateur", ("donor", "donatrice")),
    ContactRole.CARRIER: ("Transporteur", ("carrier",)),
    ContactRole.SHIPPER: ("Expéditeur", ("shipper", "expediteur")),
    ContactRole.RECIPIENT: ("Destinataire", ("recipient", "bénéficiaire")),
    ContactRole.CORRESPONDENT: ("Correspondant", ("correspondent",)),
}
ADDRESS_FIELDS = {
    "line1": ("Adresse", ("address", "rue", "adresse ligne 1")),
    "line2": ("Complément", ("complément d'adresse", "address line 2", "adresse ligne 2")),
    "postal_code": ("Code postal", ("CP", "postal code", "zip")),
    "city": ("Ville", ("city", "commune")),
    "country": ("Pays", ("country",)),
}
# Words a "Rôles" cell may use, folded: the French and English names of each role.
ROLE_WORDS = {
    fold_key(word): role
    for role, (label, aliases) in ROLE_LABELS.items()
    for word in (label, role.value, *aliases)
}
ASF_ID_PATTERN = re.compile(r"(?P<prefix>[A-Z]+)-(?P<number>\d+)")
ASF_ID_SEQUENCE = "asf_id"  # the counter wms.services.contacts.next_asf_id takes from
KIND_WORDS = {
    **dict.fromkeys(("organisation", "organization", "org", "structure", "association"), "o"),
    **dict.fromkeys(("personne", "person", "individu", "particulier"), "p"),
}


def _parser(model: type[Contact] | type[ContactAddress], name: str) -> Callable[[Cell], str]:
    return functools.partial(values.text, max_length=max_length(model, name))


def kind(cell: Cell) -> str | None:
    raw = values.text(cell)
    if not raw:
        return None
    found = KIND_WORDS.get(fold_key(raw))
    if found is None:
        raise CellError(f"« {raw} » : Organisation ou Personne attendu.")
    return ContactKind.ORGANISATION if found == "o" else ContactKind.PERSON


def email(cell: Cell) -> str | None:
    raw = values.text(cell, max_length=max_length(Contact, "email"))
    if not raw:
        return None
    try:
        validate_email(raw)
    except ValidationError:
        raise CellError(f"« {raw} » n'est pas une adresse e-mail.") from None
    return raw.lower()


def reserve_asf_id(asf_id: str) -> None:
    """Move the counter of an imported identifier's prefix past its number, so that the next
    contact given that prefix does not get the same identifier (DON-0007 imported while the
    counter stands at 6 would otherwise be handed out again, and refused by the database)."""
    match = ASF_ID_PATTERN.fullmatch(asf_id)
    if match is None or match["prefix"] not in settings.ASF_ID_PREFIXES.values():
        return
    number = int(match["number"])
    counter, created = ReferenceSequence.objects.select_for_update().get_or_create(
        kind=ASF_ID_SEQUENCE, scope=match["prefix"], defaults={"last_value": number}
    )
    if not created and counter.last_value < number:
        counter.last_value = number
        counter.save(update_fields=["last_value"])


def roles(cell: Cell) -> list[str]:
    found = []
    for word in values.text_list(cell):
        role = ROLE_WORDS.get(fold_key(word))
        if role is None:
            known = ", ".join(label for label, _aliases in ROLE_LABELS.values())
            raise CellError(f"rôle « {word} » inconnu ({known}).")
        found.append(role.value)
    return found


class ContactImporter(TableImporter):
    columns = ColumnSet(
        [
            Column("kind", "Type", ("kind", "type de contact")),
            *(Column(key, label, aliases) for key, (label, aliases) in TEXT_FIELDS.items()),
            Column("email", "E-mail", ("email", "mail", "courriel", "adresse e-mail")),
            Column("asf_id", "Identifiant ASF", ("asf id", "asf_id", "identifiant")),
            Column("organisation", "Organisation", ("organization", "société", "employeur")),
            *(
                Column(ROLE_FIELDS[role], label, aliases)
                for role, (label, aliases) in ROLE_LABELS.items()
            ),
            Column("roles", "Rôles", ("roles", "étiquettes", "tags", "rôle")),
            Column("destinations", "Destinations", ("destination", "escales", "IATA")),
            *(Column(key, label, aliases) for key, (label, aliases) in ADDRESS_FIELDS.items()),
            Column("is_active", "Actif", ("active", "is active")),
        ]
    )
    identifying = ("name", "last_name", "email", "asf_id")

    def __init__(self, *, update: bool = False) -> None:
        super().__init__(update=update)
        self.organisations: dict[str, Contact] = {}

    def forget(self) -> None:
        self.organisations = {}

    # --- reading a row ---------------------------------------------------------------------

    def _fields(self, row: RowView) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for key in TEXT_FIELDS:
            written = row.value(key, _parser(Contact, key), "")
            if written:
                fields[key] = " ".join(written.split()) if key != "notes" else written
        parsers: tuple[tuple[str, Callable[[Cell], object]], ...] = (
            ("kind", kind),
            ("email", email),
            ("is_active", values.boolean),
            *((field, values.boolean) for field in ROLE_FIELDS.values()),
        )
        for key, parser in parsers:
            value = row.value(key, parser, None)
            if value is not None:
                fields[key] = value
        listed: list[str] = row.value("roles", roles, [])
        for role in listed:
            if fields.get(ROLE_FIELDS[ContactRole(role)]) is False:
                row.problem(f"rôle « {ROLE_LABELS[ContactRole(role)][0]} » à la fois oui et non.")
            fields[ROLE_FIELDS[ContactRole(role)]] = True
        return fields

    def _address(self, row: RowView) -> dict[str, str]:
        address = {key: row.value(key, _parser(ContactAddress, key), "") for key in ADDRESS_FIELDS}
        address = {key: " ".join(value.split()) for key, value in address.items() if value}
        return address

    def _destinations(self, row: RowView) -> list[Destination] | None:
        if not row.filled("destinations"):
            return None
        written: list[str] = row.value("destinations", values.text_list, [])
        codes = [code.upper() for code in written]
        found = {d.iata_code.upper(): d for d in Destination.objects.filter(iata_code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            row.problem(f"destination(s) inconnue(s) : {', '.join(unknown)} (codes IATA attendus).")
        return [found[code] for code in codes if code in found]

    # --- matching ---------------------------------------------------------------------------

    def _find(self, row: RowView, fields: dict[str, Any], asf_id: str) -> Contact | None:
        if asf_id:
            contact = Contact.objects.filter(asf_id__iexact=asf_id).first()
            if contact is not None:
                return contact
        if fields.get("email"):
            matches = list(Contact.objects.filter(email__iexact=fields["email"])[:2])
            if len(matches) == 1:
                return matches[0]
        name = fields.get("name") or " ".join(
            part for part in (fields.get("first_name"), fields.get("last_name")) if part
        )
        if not name:
            return None
        matches = list(Contact.objects.filter(name_key=fold_key(name))[:2])
        if len(matches) > 1:
            raise row.error(
                f"plusieurs contacts s'appellent « {name} » : précisez l'identifiant ASF "
                "ou l'e-mail."
            )
        return matches[0] if matches else None

    def _organisation(self, row: RowView) -> Contact | None:
        name = " ".join(row.value("organisation", _parser(Contact, "name"), "").split())
        if not name:
            return None
        key = fold_key(name)
        if key not in self.organisations:
            found = Contact.objects.filter(name_key=key, kind=ContactKind.ORGANISATION).first()
            if found is None:
                found = Contact.objects.create(
                    name=name, kind=ContactKind.ORGANISATION, needs_review=True
                )
                self.remember_created(found)
            self.organisations[key] = found
        return self.organisations[key]

    # --- applying ---------------------------------------------------------------------------

    def process(self, row: RowView) -> Outcome:
        fields = self._fields(row)
        address = self._address(row)
        destinations = self._destinations(row)
        asf_id = row.value("asf_id", _parser(Contact, "asf_id"), "").upper()
        row.check()
        contact = self._find(row, fields, asf_id)
        if contact is not None and asf_id and contact.asf_id and contact.asf_id != asf_id:
            raise row.error(
                f"cette ligne désigne « {contact.name} », dont l'identifiant est {contact.asf_id} "
                f"et non {asf_id}."
            )
        if contact is not None and (Contact.__name__, contact.pk) in self.created:
            # An organisation an earlier row named, created then as a bare name to review: this
            # row describes it (an export sorted by name lists members before their
            # organisation), so it is completed, not skipped, and counts as the row creating it.
            self.once(row, str(contact.pk), f"le contact « {contact.name} »")
            contact.needs_review = False
            outcome = Outcome.CREATED
        elif contact is not None:
            self.once(row, str(contact.pk), f"le contact « {contact.name} »")
            outcome = self.existing(
                row, f"contact « {contact.name} » ({contact.asf_id or 'sans identifiant'})", contact
            )
            if outcome is Outcome.SKIPPED:
                return outcome
        else:
            if not (fields.get("name") or fields.get("last_name")):
                raise row.error("le nom est obligatoire pour créer un contact.")
            if asf_id:
                self.once(row, f"asf:{asf_id}", f"l'identifiant {asf_id}")
            contact = Contact()
            outcome = Outcome.CREATED
        if asf_id and not contact.asf_id:
            # Kept as written (taken over from the earlier system or from an export): an
            # identifier is assigned once and never changes (S-CONTACTS).
            contact.asf_id = asf_id
            reserve_asf_id(asf_id)
        for key, value in fields.items():
            setattr(contact, key, value)
        organisation = self._organisation(row)
        if organisation is not None:
            if organisation.pk == contact.pk:
                raise row.error("un contact ne peut pas être sa propre organisation.")
            contact.organisation = organisation
        contact.save()
        if destinations is not None:
            contact.destinations.set(destinations)
        if address:
            self._save_address(row, contact, address)
        if outcome is Outcome.CREATED:
            self.remember_created(contact)
            # A later row naming the same contact again is refused, as for an existing one.
            self.once(row, str(contact.pk), f"le contact « {contact.name} »")
        return outcome

    def _save_address(self, row: RowView, contact: Contact, address: dict[str, str]) -> None:
        current = contact.addresses.filter(default_marker=True).first()
        target = current or ContactAddress(contact=contact)
        for key, value in address.items():
            setattr(target, key, value)
        if not (target.line1 and target.city):
            raise row.error("adresse incomplète : l'adresse et la ville sont nécessaires.")
        set_default_address(target)
