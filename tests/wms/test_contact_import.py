"""Contact import (S-CONTACTS, S-IMPORT): roles, ASF identifiers kept and matched, organisations
created once and linked, destinations by IATA code, the default address."""

from __future__ import annotations

import pytest

from tests import factories
from wms.models import Contact, ContactAddress, ReferenceSequence

from .table_import_support import errors, full_state, import_fixture, import_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def destinations() -> None:
    factories.DestinationFactory(iata_code="TNR", city="Antananarivo", correspondent=None)
    factories.DestinationFactory(iata_code="DZA", city="Dzaoudzi", correspondent=None)


def test_an_organisation_named_by_several_rows_is_created_once_and_linked() -> None:
    result = import_fixture("contacts_cp1252.csv")

    assert (result.created, errors(result)) == (6, [])
    [organisation] = Contact.objects.filter(name="ONG Santé Sud")
    assert sorted(organisation.members.values_list("name", flat=True)) == [
        "Jean Dupont",
        "Élodie Martin",
    ]
    # Its own row (after the members) completed it: not a bare name to review any more.
    assert organisation.email == "ong@sante-sud.example" and not organisation.needs_review
    assert organisation.addresses.get().city == "Marseille"


def test_an_organisation_only_named_by_its_members_is_created_to_review() -> None:
    result = import_text(
        "contacts", "Nom;Organisation\nJean Dupont;Croix Verte\nAnne Roy;croix verte\n"
    )
    assert (result.created, errors(result)) == (2, [])
    [organisation] = Contact.objects.filter(name_key="croix verte")
    assert organisation.needs_review and organisation.kind == "organisation"
    assert organisation.members.count() == 2


def test_an_existing_organisation_is_linked_not_duplicated() -> None:
    existing = factories.ContactFactory(name="Croix Verte", kind="organisation")
    import_text("contacts", "Nom;Organisation\nJean Dupont;CROIX VERTE\n")
    assert Contact.objects.get(name="Jean Dupont").organisation == existing
    assert Contact.objects.filter(name_key="croix verte").count() == 1


def test_roles_come_from_the_list_and_from_yes_no_columns() -> None:
    result = import_text(
        "contacts",
        "Nom;Rôles;Transporteur;Correspondant\n"
        "Air Océan;donateur, Shipper;oui;non\n"
        "Pharmacie Générale;Destinataire | bénéficiaire;;\n",
    )
    assert errors(result) == []
    assert Contact.objects.get(name="Air Océan").roles == ["donor", "carrier", "shipper"]
    assert Contact.objects.get(name="Pharmacie Générale").roles == ["recipient"]


def test_an_asf_id_is_kept_and_matches_the_contact_it_names() -> None:
    import_fixture("contacts.xls")
    carrier = Contact.objects.get(asf_id="TRA-0042")
    assert carrier.name == "Air Cargo Océan"

    result = import_text("contacts", "Identifiant ASF;Nom\nTRA-0042;Un Autre Nom\n")
    assert (result.skipped, [str(match) for match in result.matches]) == (
        1,
        ["ligne 2 : contact « Air Cargo Océan » (TRA-0042)"],
    )
    # A row naming a contact by its name but giving another identifier is refused.
    result = import_text("contacts", "Identifiant ASF;Nom\nTRA-0043;Air Cargo Océan\n")
    assert errors(result) == [
        (
            2,
            "cette ligne désigne « Air Cargo Océan », dont l'identifiant est TRA-0042 "
            "et non TRA-0043.",
        )
    ]


def test_an_imported_asf_id_is_not_handed_out_again() -> None:
    import_text("contacts", "Nom;Identifiant ASF;Rôles\nPharmacie Générale;DON-0007;Donateur\n")
    # The next donor takes the number after the imported one, not DON-0001 … DON-0007.
    assert factories.ContactFactory(is_donor=True).asf_id == "DON-0008"
    # An imported number below the counter leaves the counter where it is.
    import_text("contacts", "Nom;Identifiant ASF;Rôles\nAir Océan;DON-0003;Donateur\n")
    assert factories.ContactFactory(is_donor=True).asf_id == "DON-0009"
    # Identifiers of another shape are kept and do not touch any counter.
    import_text("contacts", "Nom;Identifiant ASF\nAncien;LEGACY42\n")
    assert Contact.objects.get(name="Ancien").asf_id == "LEGACY42"
    assert not ReferenceSequence.objects.filter(kind="asf_id", scope="LEGACY").exists()


def test_destinations_are_named_by_iata_code_and_must_exist() -> None:
    result = import_text("contacts", "Nom;Destinations\nONG Sud;tnr, DZA\n")
    assert errors(result) == []
    assert sorted(
        Contact.objects.get(name="ONG Sud").destinations.values_list("iata_code", flat=True)
    ) == ["DZA", "TNR"]
    before = full_state()
    result = import_text("contacts", "Nom;Destinations\nONG Nord;TNR | CDG | XXX\n")
    assert errors(result) == [(2, "destination(s) inconnue(s) : CDG, XXX (codes IATA attendus).")]
    assert full_state() == before


def test_the_address_becomes_the_default_one_and_an_update_changes_it_in_place() -> None:
    import_fixture("contacts_utf16.csv")
    pharmacy = Contact.objects.get(name="Pharmacie Générale")
    address = pharmacy.addresses.get()
    assert address.is_default and (address.line1, address.city) == ("1 rue de la Paix", "Paris")

    result = import_text(
        "contacts", "Nom;Adresse;Ville\nPharmacie Générale;3 place du Marché;\n", update=True
    )

    assert (result.updated, errors(result)) == (1, [])
    address = pharmacy.addresses.get()  # still one address, the default
    assert address.is_default and (address.line1, address.city) == ("3 place du Marché", "Paris")
    assert ContactAddress.objects.filter(default_marker=True).count() == 2


def test_a_person_is_matched_by_email_and_by_name_accent_and_case_insensitively() -> None:
    import_fixture("contacts_semicolon_utf8.csv")
    result = import_text(
        "contacts",
        "Nom;E-mail\n;JEAN.DUPONT@example.org\nELODIE MARTIN;\n",
    )
    assert (result.skipped, errors(result)) == (2, [])
    assert [match.description for match in result.matches] == [
        "contact « Jean Dupont » (EXP-0001)",
        "contact « Élodie Martin » (CORR-0001)",
    ]


def test_two_contacts_answering_the_same_name_is_refused_rather_than_guessed() -> None:
    factories.ContactFactory(name="Jean Dupont")
    factories.ContactFactory(name="Jean Dupont")
    result = import_text("contacts", "Nom;Notes\nJean Dupont;x\n", update=True)
    assert errors(result) == [
        (
            2,
            "plusieurs contacts s'appellent « Jean Dupont » : précisez l'identifiant ASF "
            "ou l'e-mail.",
        )
    ]
