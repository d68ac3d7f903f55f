"""Contact rules: asf_id from the first role that has a prefix, name keys, default addresses,
quick creation of a donor from a receipt screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from wms.services.errors import StockError
from wms.text import fold_key

if TYPE_CHECKING:
    from wms.models import Contact, ContactAddress


def asf_id_prefix(contact: Contact) -> str | None:
    """The prefix of the first role, in ASF_ID_PREFIXES order, that the contact holds."""
    roles = set(contact.roles)
    for role, prefix in settings.ASF_ID_PREFIXES.items():
        if role in roles:
            return prefix
    return None


def next_asf_id(prefix: str) -> str:
    from wms.services.references import take_next

    return f"{prefix}-{take_next('asf_id', prefix):04d}"


def prepare_contact(contact: Contact) -> None:
    """Called by Contact.save(): keys and the asf_id, assigned once and never changed."""
    contact.name = " ".join(contact.name.split())
    if not contact.name and (contact.first_name or contact.last_name):
        contact.name = f"{contact.first_name} {contact.last_name}".strip()
    contact.name_key = fold_key(contact.name)
    if not contact.asf_id:
        prefix = asf_id_prefix(contact)
        if prefix:
            contact.asf_id = next_asf_id(prefix)


def set_default_address(address: ContactAddress) -> None:
    """Make this the contact's default, and copy it to the members who use their organisation's."""
    from wms.models import ContactAddress

    with transaction.atomic():
        ContactAddress.objects.filter(contact=address.contact, default_marker=True).exclude(
            pk=address.pk
        ).update(default_marker=None)
        address.default_marker = True
        address.save()
        for member in address.contact.members.filter(use_organisation_address=True):
            copy = member.addresses.filter(
                copied_from__contact=address.contact
            ).first() or ContactAddress(contact=member)
            for field in ("label", "line1", "line2", "postal_code", "city", "country"):
                setattr(copy, field, getattr(address, field))
            copy.copied_from = address
            copy.save()
            if not member.addresses.filter(default_marker=True).exclude(pk=copy.pk).exists():
                copy.default_marker = True
                copy.save(update_fields=["default_marker"])


def quick_create_donor(*, name: str) -> Contact:
    from wms.models import Contact

    name = " ".join(name.split())
    if not name:
        raise StockError("Le nom du donateur est obligatoire.")
    existing = Contact.objects.filter(name_key=fold_key(name)).first()
    if existing is not None:
        if not existing.is_donor:
            existing.is_donor = True
            existing.save(update_fields=["is_donor", "asf_id"])
        return existing
    return Contact.objects.create(name=name, is_donor=True, needs_review=True)
