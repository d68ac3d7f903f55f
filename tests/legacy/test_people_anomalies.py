"""What the sample does not contain but real earlier databases may: tags in capitals and other
plurals, two or no default addresses, duplicate destinations for our stricter constraints, an
IATA code longer than ours, values longer than our columns, a superuser with a portal profile.
Each is imported without loss of what can be kept, and reported."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from tests.legacy.conftest import altered_sample
from wms.imports.legacy import accounts, contacts
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import AssociationProfile, Contact, Destination
from wms.roles import MANAGER_GROUP

pytestmark = pytest.mark.django_db

CHANGES = [
    # A tag in capitals and a plural the sample does not have.
    "UPDATE contacts_contacttag SET name = 'DONATEURS' WHERE name = 'donateur'",
    # Pharmacie Centrale de Rungis: a second address, both marked default.
    "INSERT INTO contacts_contactaddress (id, label, address_line1, address_line2, postal_code,"
    " city, region, country, phone, email, is_default, notes, contact_id) VALUES (40, 'Depot',"
    " '1 rue du Depot', '', '94150', 'Rungis', '', 'France', '01 00 00 00 00', '', 1,"
    " 'Quai 4, sonner', 8)",
    # Clinique des Lilas: two addresses, none marked default.
    "UPDATE contacts_contactaddress SET is_default = 0 WHERE contact_id = 9",
    "INSERT INTO contacts_contactaddress (id, label, address_line1, address_line2, postal_code,"
    " city, region, country, phone, email, is_default, notes, contact_id) VALUES (41, '',"
    " '2 rue Haute', '', '93260', 'Les Lilas', '', 'France', '', '', 0, '', 9)",
    # The same place twice, spelt differently (our constraint ignores case on MariaDB).
    "INSERT INTO wms_destination (id, city, iata_code, country, is_active,"
    " correspondent_contact_id) VALUES (8, 'BAMAKO', 'BKX', 'mali', 1, 1)",
    # A code invented from a city name, longer than IATA's three letters.
    "INSERT INTO wms_destination (id, city, iata_code, country, is_active,"
    " correspondent_contact_id) VALUES (9, 'Kayes', 'KAYES', 'Mali', 1, 29)",
    "UPDATE contacts_contact SET destination_id = 8 WHERE id = 22",
    # Longer than our columns (SIRET 20, civility 20).
    "UPDATE contacts_contact SET siret = '412 345 678 00021 (siege)' WHERE id = 8",
    "UPDATE contacts_contact SET title = 'Professeure agregee de medecine' WHERE id = 30",
    # A manager who also had an association profile.
    "INSERT INTO wms_associationprofile (id, notification_emails, created_at, contact_id,"
    " user_id, must_change_password) VALUES (9, '', '2025-12-01 10:00:00', 11, 1, 0)",
]


@pytest.fixture
def altered_source(tmp_path: Path, db: None) -> Iterator[LegacySource]:
    source = altered_sample(tmp_path, CHANGES)
    try:
        yield source
    finally:
        source.close()


@pytest.fixture
def taken_over(altered_source: LegacySource) -> TakeOver:
    ctx = TakeOver(source=altered_source)
    with imported_timestamps():
        accounts.import_users(ctx)
        contacts.import_contacts(ctx)
        accounts.import_portal(ctx)
    return ctx


def anomalies(ctx: TakeOver, kind: str) -> str:
    return "\n".join(ctx.report.anomalies[kind])


def test_a_role_tag_in_capitals_or_plural_still_gives_the_role(taken_over: TakeOver) -> None:
    assert Contact.objects.filter(is_donor=True).count() == 5
    assert "DONATEURS → donateur" in taken_over.report.counts["contacts_contacttag"].explanations[0]


def test_two_or_no_default_addresses_end_with_exactly_one(taken_over: TakeOver) -> None:
    rungis = Contact.objects.get(name="Pharmacie Centrale de Rungis")
    lilas = Contact.objects.get(name="Clinique des Lilas")
    assert rungis.addresses.count() == lilas.addresses.count() == 2
    assert rungis.addresses.get(default_marker=True).line1 == "12 rue des Halles"
    assert lilas.addresses.get(default_marker=True).line1 == "41 avenue du Marechal Juin"
    corrected = anomalies(taken_over, "Valeurs corrigées")
    assert "#8 Pharmacie Centrale de Rungis : 2 adresses par défaut ; adresse #8" in corrected
    assert "#9 Clinique des Lilas : aucune adresse par défaut" in corrected
    # The second address's phone and notes have no column: they are in the contact's notes.
    assert "Adresse « Depot » : téléphone 01 00 00 00 00 ; notes : Quai 4, sonner" in rungis.notes


def test_duplicate_destinations_are_folded_and_long_codes_shortened(taken_over: TakeOver) -> None:
    assert Destination.objects.count() == 8
    bamako = Destination.objects.get(iata_code="BKO")
    assert taken_over.new_id("wms_destination", 8) == bamako.pk
    assert "wms_destination #8 BAMAKO (BKX, mali) fusionnée avec Bamako" in anomalies(
        taken_over, "Doublons fusionnés"
    )
    count = taken_over.report.counts["wms_destination"]
    assert (count.old, count.new) == (9, 8)
    assert count.explanations == ["1 destination(s) en double fusionnée(s)"]
    # The contact that served the folded destination now serves the kept one.
    kati = Contact.objects.get(name="Hopital Saint-Luc de Kati")
    assert list(kati.destinations.all()) == [bamako]
    kayes = Destination.objects.get(city="Kayes")
    assert kayes.iata_code == "KAY"
    assert "code IATA « KAYES » trop long, repris comme « KAY »" in anomalies(
        taken_over, "Valeurs corrigées"
    )
    # Its correspondent had no correspondent tag: the role follows the destination.
    assert kayes.correspondent == Contact.objects.get(name="Luc Fontaine")
    assert kayes.correspondent.is_correspondent
    assert kayes.correspondent.asf_id is None


def test_values_longer_than_our_columns_are_cut_and_reported(taken_over: TakeOver) -> None:
    assert Contact.objects.get(name="Pharmacie Centrale de Rungis").siret == "412 345 678 00021 (s"
    assert len(Contact.objects.get(name="Fatoumata Sangaré").title) == 20
    truncated = anomalies(taken_over, "Valeurs tronquées")
    assert "contacts_contact #8 : SIRET : « 412 345 678 00021 (siege) » coupé à 20 caractères" in (
        truncated
    )
    assert "contacts_contact #30 : civilité : « Professeure agregee de medecine » coupé" in (
        truncated
    )


def test_a_manager_with_a_portal_profile_stays_a_manager(taken_over: TakeOver) -> None:
    marie = User.objects.get(username="mlefevre")
    assert marie.groups.filter(name=MANAGER_GROUP).exists()
    assert not AssociationProfile.objects.filter(user=marie).exists()
    count = taken_over.report.counts["wms_associationprofile"]
    assert (count.old, count.new) == (5, 4)
    assert "mlefevre (superutilisateur" in count.explanations[0]
    assert "superutilisateur avec un profil" in anomalies(taken_over, "Portail")
