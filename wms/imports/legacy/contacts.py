"""Contacts, their addresses, and destinations of the earlier system (S-CONTACTS, S-LEGACY).

Roles were tags in the earlier system (legacy/SCHEMA.md "Contact roles by tag name"); here they
are flags. The `asf_id` of every contact is kept exactly as issued — printed on documents and
known to partners — and no new one is issued during the take-over: Contact.save() would give an
identifier to every contact holding a prefixed role (the earlier system gave them to
organisations only, and the numbers it issued continue in the sequences step), so contacts are
written without calling it, and the keys it computes (name, name_key) are set here.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import models
from django.utils import timezone

from wms.models import Contact, ContactAddress, ContactKind, ContactRole, Destination
from wms.text import fold_key

from .accounts import KIND_CORRECTED, fit
from .context import TakeOver
from .source import as_bool, as_text

KIND_NOTES = "Valeurs reprises en notes"
KIND_LABELS = "Étiquettes non reprises en rôle"
KIND_FOLDED = "Doublons fusionnés"

# Tag names, folded (case and accents) and without a plural "s", that carry a role.
ROLE_BY_TAG: dict[str, ContactRole] = {
    "donateur": ContactRole.DONOR,
    "transporteur": ContactRole.CARRIER,
    "expediteur": ContactRole.SHIPPER,
    "destinataire": ContactRole.RECIPIENT,
    "correspondant": ContactRole.CORRESPONDENT,
}
KINDS = {"organization": ContactKind.ORGANISATION, "person": ContactKind.PERSON}
# What makes a person's address a copy of its organisation's (the label may differ).
ADDRESS_COPY_FIELDS = ("line1", "line2", "postal_code", "city", "country")


def role_of_tag(name: str) -> ContactRole | None:
    key = fold_key(name)
    return ROLE_BY_TAG.get(key) or ROLE_BY_TAG.get(key.removesuffix("s"))


def _insert(obj: models.Model) -> None:
    """Write a contact without Contact.save(), which would issue asf_ids (see module doc)."""
    models.Model.save(obj, force_insert=True)


def _append_note(contact: Contact, line: str) -> None:
    contact.notes = f"{contact.notes.rstrip()}\n{line}".strip() if contact.notes else line


def import_contacts(ctx: TakeOver) -> None:
    contacts = _import_contact_rows(ctx)
    _link_organisations(ctx, contacts)
    _import_addresses(ctx, contacts)
    _import_destinations(ctx)
    _link_destinations(ctx)


# --- contacts and roles --------------------------------------------------------------------------


def _tags_by_contact(ctx: TakeOver) -> tuple[dict[int, list[str]], dict[int, str]]:
    tag_names = {int(row["id"]): as_text(row["name"]) for row in ctx.rows("contacts_contacttag")}
    by_contact: dict[int, list[str]] = defaultdict(list)
    for link in ctx.rows("contacts_contact_tags"):
        name = tag_names.get(int(link["contacttag_id"]))
        if name is not None:
            by_contact[int(link["contact_id"])].append(name)
    return by_contact, tag_names


def _import_contact_rows(ctx: TakeOver) -> dict[int, Contact]:
    tags, tag_names = _tags_by_contact(ctx)
    # The earlier system kept no creation date for contacts: they are dated by the take-over.
    taken_over_at = timezone.now()
    contacts: dict[int, Contact] = {}
    roles_set = labels_kept = 0
    for row in ctx.rows("contacts_contact"):
        old_id = int(row["id"])

        def cut(value: Any, limit: int, what: str, old_id: int = old_id) -> str:
            return fit(
                ctx, as_text(value), limit, what=what, table="contacts_contact", row_id=old_id
            )

        kind = KINDS.get(as_text(row["contact_type"]))
        if kind is None:
            kind = ContactKind.ORGANISATION
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contact #{old_id} {row['name']} : type « {row['contact_type']} » "
                "inconnu, repris comme organisation.",
            )
        contact = Contact(
            kind=kind,
            name=cut(row["name"], 200, "nom"),
            title=cut(row["title"], 20, "civilité"),
            first_name=cut(row["first_name"], 100, "prénom"),
            last_name=cut(row["last_name"], 100, "nom de famille"),
            job=cut(row["role"], 120, "fonction"),
            email=cut(row["email"], 254, "e-mail"),
            other_emails=cut(row["email2"], 400, "second e-mail"),
            phone=cut(row["phone"], 40, "téléphone"),
            other_phones=cut(row["phone2"], 200, "second téléphone"),
            siret=cut(row["siret"], 20, "SIRET"),
            vat_number=cut(row["vat_number"], 30, "n° de TVA"),
            legal_registration=cut(row["legal_registration_number"], 60, "immatriculation"),
            # Kept exactly; NULL (or an empty string, which would collide) stays without.
            asf_id=as_text(row["asf_id"]) or None,
            use_organisation_address=as_bool(row["use_organization_address"]),
            notes=as_text(row["notes"]),
            is_active=as_bool(row["is_active"]),
            created_at=taken_over_at,
        )
        # As prepare_contact() (Contact.save) would: spaces collapsed, a person without a name
        # named after first and last name, the folded search key.
        typed = contact.name
        contact.name = " ".join(contact.name.split())
        if not contact.name and (contact.first_name or contact.last_name):
            contact.name = f"{contact.first_name} {contact.last_name}".strip()
        if contact.name != typed:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contact #{old_id} : nom « {typed} » repris comme « {contact.name} ».",
            )
        contact.name_key = fold_key(contact.name)
        labels: list[str] = []
        for tag in sorted(tags.get(old_id, [])):
            role = role_of_tag(tag)
            if role is None:
                labels.append(tag)
            elif not getattr(contact, f"is_{role.value}"):
                setattr(contact, f"is_{role.value}", True)
                roles_set += 1
        if labels:
            labels_kept += len(labels)
            _append_note(contact, f"Étiquettes : {', '.join(labels)}")
            ctx.report.anomaly(
                KIND_LABELS,
                f"contacts_contact #{old_id} {contact.name} : étiquette(s) "
                f"{', '.join(labels)} sans rôle, gardée(s) dans les notes.",
            )
        _insert(contact)
        ctx.remember("contacts_contact", old_id, contact.pk)
        contacts[old_id] = contact
    old = ctx.source.count("contacts_contact")
    ctx.report.count("contacts_contact", old=old, new=len(contacts))
    ctx.report.explain(
        "contacts_contact",
        "l'ancienne base ne datait pas les contacts : ils sont datés du jour de la reprise",
    )
    _report_tags(ctx, tag_names, roles_set, labels_kept)
    return contacts


def _report_tags(ctx: TakeOver, tag_names: dict[int, str], roles_set: int, labels: int) -> None:
    mapping = []
    for name in sorted(tag_names.values()):
        role = role_of_tag(name)
        mapping.append(f"{name} → {role.label.lower() if role else 'étiquette en notes'}")
    ctx.report.count(
        "contacts_contacttag",
        old=ctx.source.count("contacts_contacttag"),
        new=0,
        why="les étiquettes sont devenues des rôles du contact : " + ", ".join(mapping),
    )
    links = ctx.source.count("contacts_contact_tags")
    ctx.report.count(
        "contacts_contact_tags",
        old=links,
        new=roles_set + labels,
        why=(
            f"{roles_set} rôle(s) posé(s) et {labels} étiquette(s) gardée(s) en notes"
            + (
                " ; un contact étiqueté au singulier et au pluriel n'a le rôle qu'une fois"
                if roles_set + labels != links
                else ""
            )
        ),
    )


def _link_organisations(ctx: TakeOver, contacts: dict[int, Contact]) -> None:
    for row in ctx.rows("contacts_contact"):
        organisation_id = row["organization_id"]
        if organisation_id is None or organisation_id == "":
            continue
        contact = contacts[int(row["id"])]
        organisation = contacts.get(int(organisation_id))
        if organisation is None:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contact #{row['id']} {contact.name} : organisation #{organisation_id} "
                "introuvable, lien non repris.",
            )
            continue
        if organisation.kind != ContactKind.ORGANISATION:
            # Our pickers only offer organisations; the link is kept as the earlier data had it.
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contact #{row['id']} {contact.name} : rattaché à "
                f"« {organisation.name} », qui n'est pas une organisation (lien gardé).",
            )
        Contact.objects.filter(pk=contact.pk).update(organisation=organisation)
        contact.organisation = organisation


# --- addresses -----------------------------------------------------------------------------------


def _import_addresses(ctx: TakeOver, contacts: dict[int, Contact]) -> None:
    rows = ctx.rows("contacts_contactaddress")
    by_contact: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_contact[int(row["contact_id"])].append(row)
    created = 0
    new_addresses: dict[int, ContactAddress] = {}
    for contact_id, addresses in by_contact.items():
        contact = contacts.get(contact_id)
        if contact is None:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contactaddress #{addresses[0]['id']} : contact #{contact_id} "
                "introuvable, adresse(s) non reprise(s).",
            )
            continue
        default_id = _default_address_id(ctx, contact_id, contact, addresses)
        notes_before = contact.notes
        for row in addresses:
            address = _address(ctx, contact, row)
            address.default_marker = True if int(row["id"]) == default_id else None
            address.save(force_insert=True)
            ctx.remember("contacts_contactaddress", int(row["id"]), address.pk)
            new_addresses[int(row["id"])] = address
            created += 1
        if contact.notes != notes_before:
            Contact.objects.filter(pk=contact.pk).update(notes=contact.notes)
    _link_copied_addresses(contacts, new_addresses)
    old = ctx.source.count("contacts_contactaddress")
    ctx.report.count(
        "contacts_contactaddress",
        old=old,
        new=created,
        why="" if created == old else "adresses de contacts introuvables non reprises",
    )


def _default_address_id(
    ctx: TakeOver, old_id: int, contact: Contact, addresses: list[dict[str, Any]]
) -> int:
    defaults = [int(row["id"]) for row in addresses if as_bool(row["is_default"])]
    if len(defaults) == 1:
        return defaults[0]
    chosen = defaults[0] if defaults else int(addresses[0]["id"])
    why = (
        f"{len(defaults)} adresses par défaut"
        if defaults
        else "aucune adresse par défaut (l'ancien système prenait la première)"
    )
    ctx.report.anomaly(
        KIND_CORRECTED,
        f"contacts_contact #{old_id} {contact.name} : {why} ; adresse #{chosen} mise par défaut.",
    )
    return chosen


def _address(ctx: TakeOver, contact: Contact, row: dict[str, Any]) -> ContactAddress:
    old_id = row["id"]

    def cut(column: str, limit: int, what: str) -> str:
        return fit(
            ctx,
            as_text(row[column]).strip(),
            limit,
            what=what,
            table="contacts_contactaddress",
            row_id=old_id,
        )

    address = ContactAddress(
        contact=contact,
        label=cut("label", 60, "libellé"),
        line1=cut("address_line1", 200, "adresse"),
        line2=cut("address_line2", 200, "complément"),
        postal_code=cut("postal_code", 20, "code postal"),
        city=cut("city", 120, "ville"),
        country=cut("country", 80, "pays"),
    )
    # Region, phone, e-mail and notes of an address have no column of ours: they go to the
    # contact's notes, unless they only repeat the contact's own phone or e-mail.
    moved: list[str] = []
    repeated: list[str] = []
    region = as_text(row["region"]).strip()
    if region:
        moved.append(f"région {region}")
    for column, what, own in (
        ("phone", "téléphone", (contact.phone, contact.other_phones)),
        ("email", "e-mail", (contact.email, contact.other_emails)),
    ):
        value = as_text(row[column]).strip()
        if not value:
            continue
        if any(value.casefold() == other.strip().casefold() for other in own):
            repeated.append(what)
        else:
            moved.append(f"{what} {value}")
    notes = " ".join(as_text(row["notes"]).split())
    if notes:
        moved.append(f"notes : {notes}")
    where = address.label or address.line1 or address.city
    if moved:
        _append_note(contact, f"Adresse « {where} » : {' ; '.join(moved)}")
        ctx.report.anomaly(
            KIND_NOTES,
            f"contacts_contactaddress #{old_id} ({contact.name}) : {' ; '.join(moved)} → notes "
            "du contact.",
        )
    if repeated:
        ctx.report.anomaly(
            KIND_NOTES,
            f"contacts_contactaddress #{old_id} ({contact.name}) : {' et '.join(repeated)} "
            "identique(s) à ceux du contact, non dupliqué(s).",
        )
    return address


def _link_copied_addresses(
    contacts: dict[int, Contact], addresses: dict[int, ContactAddress]
) -> None:
    """A person using the organisation's address holds a copy of its default address: link the
    copy to it, as our set_default_address() does, so that later changes flow on."""
    defaults = {
        address.contact_id: address for address in addresses.values() if address.default_marker
    }
    for contact in contacts.values():
        if not contact.use_organisation_address or contact.organisation is None:
            continue
        source = defaults.get(contact.organisation.pk)
        if source is None:
            continue
        key = tuple(getattr(source, field) for field in ADDRESS_COPY_FIELDS)
        for address in addresses.values():
            if address.contact_id == contact.pk and key == tuple(
                getattr(address, field) for field in ADDRESS_COPY_FIELDS
            ):
                ContactAddress.objects.filter(pk=address.pk).update(copied_from=source)


# --- destinations --------------------------------------------------------------------------------


def _iata(ctx: TakeOver, row: dict[str, Any], taken: set[str]) -> str:
    code = as_text(row["iata_code"]).strip().upper()
    if len(code) <= 3:
        return code
    # Our codes are 3 letters (IATA); the earlier system allowed 10 (invented from a city).
    candidates = [code[:3]] + [f"{code[:2]}{digit}" for digit in range(10)]
    chosen = next((candidate for candidate in candidates if candidate not in taken), code[:3])
    ctx.report.anomaly(
        KIND_CORRECTED,
        f"wms_destination #{row['id']} {row['city']} : code IATA « {code} » trop long, "
        f"repris comme « {chosen} ».",
    )
    return chosen


def _import_destinations(ctx: TakeOver) -> None:
    rows = ctx.rows("wms_destination")
    by_iata: dict[str, Destination] = {}
    by_place: dict[tuple[str, str], Destination] = {}
    correspondents: set[int] = set()
    for row in rows:
        old_id = int(row["id"])
        code = _iata(ctx, row, set(by_iata))
        city = as_text(row["city"]).strip()
        country = as_text(row["country"]).strip()
        place = (fold_key(city), fold_key(country))
        # Our constraints: one destination per IATA code and per (city, country) — compared
        # without case or accents, as MariaDB's collation does.
        twin = by_iata.get(code) or by_place.get(place)
        if twin is not None:
            ctx.remember("wms_destination", old_id, twin.pk)
            ctx.report.anomaly(
                KIND_FOLDED,
                f"wms_destination #{old_id} {city} ({code}, {country}) fusionnée avec "
                f"{twin.city} ({twin.iata_code}, {twin.country}).",
            )
            continue
        correspondent = ctx.new_id("contacts_contact", row["correspondent_contact_id"])
        if correspondent is None:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"wms_destination #{old_id} {city} : correspondant "
                f"#{row['correspondent_contact_id']} introuvable, destination sans correspondant.",
            )
        else:
            correspondents.add(correspondent)
        destination = Destination(
            city=city,
            iata_code=code,
            country=country,
            is_active=as_bool(row["is_active"]),
            correspondent_id=correspondent,
        )
        destination.save(force_insert=True)
        ctx.remember("wms_destination", old_id, destination.pk)
        by_iata[code] = by_place[place] = destination
    # A destination's correspondent holds the correspondent role (our pickers filter on it).
    untagged = Contact.objects.filter(pk__in=correspondents, is_correspondent=False)
    for contact in untagged:
        ctx.report.anomaly(
            KIND_CORRECTED,
            f"contacts_contact {contact.name} : correspondant d'une destination sans l'étiquette "
            "« correspondant », rôle correspondant ajouté.",
        )
    untagged.update(is_correspondent=True)
    folded = len(rows) - len(by_iata)
    ctx.report.count(
        "wms_destination",
        old=ctx.source.count("wms_destination"),
        new=len(by_iata),
        why=f"{folded} destination(s) en double fusionnée(s)" if folded else "",
    )


def _link_destinations(ctx: TakeOver) -> None:
    """The earlier contact served one destination (or all); ours serve a set of them."""
    links = []
    for row in ctx.rows("contacts_contact"):
        if row["destination_id"] is None or row["destination_id"] == "":
            continue
        contact = ctx.new_id("contacts_contact", row["id"])
        destination = ctx.new_id("wms_destination", row["destination_id"])
        if destination is None:
            ctx.report.anomaly(
                KIND_CORRECTED,
                f"contacts_contact #{row['id']} {row['name']} : destination "
                f"#{row['destination_id']} introuvable, le contact sert toutes les destinations.",
            )
            continue
        links.append(Contact.destinations.through(contact_id=contact, destination_id=destination))
    Contact.destinations.through.objects.bulk_create(links)
