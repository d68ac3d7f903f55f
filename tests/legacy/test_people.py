"""The take-over of users, contacts, destinations and the association portal (S-LEGACY, issue 11
acceptance 1 and 2): counts per table, password hashes that still open the portal and the scan
app, roles from tags, asf_ids kept without new ones, public order links that keep working."""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from wms.imports.legacy import accounts, contacts
from wms.imports.legacy.context import TakeOver
from wms.imports.legacy.source import LegacySource
from wms.imports.legacy.timestamps import imported_timestamps
from wms.models import (
    AssociationDocument,
    AssociationProfile,
    AssociationRecipient,
    Contact,
    ContactAddress,
    Destination,
    IntegrationEvent,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.roles import MANAGER_GROUP, WORKER_GROUP
from wms.services import accounts as account_service
from wms.text import fold_key

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "legacy-pass-2026"  # nosec B105 — the sample's documented password
# The sample's hashes are PBKDF2 (legacy/SCHEMA.md); the test settings only hash with MD5.
HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
OPEN_LINK = "9d26f214-055f-4c45-935a-3d294398ee27"
INACTIVE_LINK = "47772ce73bba4332b4ca23d2242a185a"
EXPIRED_LINK = "ebafdcd37e45441287826391c91e90a0"
TABLES = (
    "auth_user",
    "auth_group",
    "auth_user_groups",
    "contacts_contact",
    "contacts_contacttag",
    "contacts_contact_tags",
    "contacts_contactaddress",
    "wms_destination",
    "wms_publicorderlink",
    "wms_publicaccountrequest",
    "wms_accountdocument",
    "wms_associationprofile",
    "wms_associationrecipient",
)


@pytest.fixture
def taken_over(legacy_sample: LegacySource) -> TakeOver:
    """The three people steps, in the runner's order (the catalogue is not needed by them)."""
    ctx = TakeOver(source=legacy_sample)
    with imported_timestamps():
        accounts.import_users(ctx)
        contacts.import_contacts(ctx)
        accounts.import_portal(ctx)
    return ctx


def source_values(source: LegacySource, sql: str) -> list[tuple]:
    with source.connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def anomalies(ctx: TakeOver, kind: str) -> str:
    return "\n".join(ctx.report.anomalies[kind])


# --- counts --------------------------------------------------------------------------------------


def test_every_table_is_counted_against_the_source_and_every_gap_is_explained(
    taken_over: TakeOver, legacy_sample: LegacySource
) -> None:
    counts = taken_over.report.counts
    for table in TABLES:
        assert counts[table].old == legacy_sample.count(table), table
        assert counts[table].explained, table
    assert taken_over.report.unexplained == []
    # Row for row where nothing was folded.
    assert User.objects.count() == legacy_sample.count("auth_user") == 7
    assert Contact.objects.count() == legacy_sample.count("contacts_contact") == 31
    assert ContactAddress.objects.count() == legacy_sample.count("contacts_contactaddress")
    assert Destination.objects.count() == legacy_sample.count("wms_destination") == 7
    assert PublicOrderLink.objects.count() == 3
    assert PublicAccountRequest.objects.count() == 6
    assert AssociationDocument.objects.count() == 10
    assert AssociationProfile.objects.count() == 4
    assert AssociationRecipient.objects.count() == 5
    for table in TABLES[3:]:
        if table not in {"contacts_contacttag"}:
            assert counts[table].new == counts[table].old, table
    assert counts["contacts_contacttag"].new == 0
    assert "devenues des rôles" in counts["contacts_contacttag"].explanations[0]
    assert counts["auth_group"].explanations


def test_the_take_over_queues_no_email(taken_over: TakeOver) -> None:
    assert IntegrationEvent.objects.count() == 0


# --- users, roles and passwords ------------------------------------------------------------------


def test_password_hashes_and_account_fields_are_copied_unchanged(
    taken_over: TakeOver, legacy_sample: LegacySource
) -> None:
    old = {
        row["username"]: row
        for row in legacy_sample.rows("auth_user")  # raw rows: hashes as stored
    }
    for user in User.objects.all():
        assert user.password == old[user.username]["password"]
        assert user.email == old[user.username]["email"]
        assert taken_over.new_id("auth_user", old[user.username]["id"]) == user.pk
    presidence = User.objects.get(username="presidence@esm.example.org")
    assert presidence.password.startswith("!")
    assert not presidence.has_usable_password()
    marie = User.objects.get(username="mlefevre")
    assert (marie.first_name, marie.last_name) == ("Marie", "Lefèvre")
    assert marie.date_joined.isoformat() == "2025-09-01T06:30:07.051798+00:00"
    assert marie.last_login is not None
    assert User.objects.get(username="pgirard").last_login is None
    assert not User.objects.get(username="pgirard").is_active


def test_roles_come_from_the_old_flags_not_the_old_groups(taken_over: TakeOver) -> None:
    def groups(username: str) -> set[str]:
        return set(User.objects.get(username=username).groups.values_list("name", flat=True))

    marie = User.objects.get(username="mlefevre")
    assert marie.is_superuser and marie.is_staff
    assert groups("mlefevre") == {MANAGER_GROUP}
    jean = User.objects.get(username="jdupont")
    assert groups("jdupont") == {WORKER_GROUP}
    assert not jean.is_superuser and not jean.is_staff
    assert groups("pgirard") == {WORKER_GROUP}
    for profile in AssociationProfile.objects.select_related("user"):
        assert groups(profile.user.username) == set()
        assert not profile.user.is_staff
    # The earlier admin group is not created; its name and the mapping are reported.
    assert not User.groups.field.related_model.objects.filter(name="Magasiniers").exists()
    assert "« Magasiniers » (jdupont, pgirard)" in anomalies(taken_over, "Rôles repris")
    corrected = anomalies(taken_over, "Valeurs corrigées")
    assert "auth_user #2 jdupont : is_staff True → False" in corrected
    assert "auth_user #3 pgirard : is_staff True → False" in corrected
    assert "mlefevre : is_staff" not in corrected


@pytest.mark.parametrize(
    "email", ["contact@santemali.example.org", "CONTACT@HAITIESPOIR.EXAMPLE.ORG"]
)
def test_an_old_association_user_signs_in_to_the_portal_with_the_old_password(
    taken_over: TakeOver, settings, email: str
) -> None:
    settings.PASSWORD_HASHERS = HASHERS
    client = Client()
    response = client.post(
        reverse("portal:login"),
        {"email": email, "password": OLD_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    user = User.objects.get(email__iexact=email)
    assert int(client.session["_auth_user_id"]) == user.pk
    # The association's own portal opens on its contact.
    dashboard = client.get(reverse("portal:dashboard"))
    assert dashboard.status_code == 200
    assert user.association_profile.contact.name in dashboard.content.decode()


def test_an_unusable_old_password_still_opens_nothing(taken_over: TakeOver, settings) -> None:
    settings.PASSWORD_HASHERS = HASHERS
    client = Client()
    for password in (OLD_PASSWORD, ""):
        response = client.post(
            reverse("portal:login"),
            {"email": "presidence@esm.example.org", "password": password},
            REMOTE_ADDR="10.0.0.2",
        )
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    assert "presidence@esm.example.org : devait changer son mot de passe" in anomalies(
        taken_over, "Portail"
    )
    # As the report says: the forgotten-password form gives this account its set-password link.
    assert account_service.send_password_reset("presidence@esm.example.org")


def test_an_old_staff_account_signs_in_to_the_scan_app_with_the_old_password(
    taken_over: TakeOver, settings
) -> None:
    settings.PASSWORD_HASHERS = HASHERS
    client = Client()
    response = client.post(
        "/scan/login/", {"username": "jdupont", "password": OLD_PASSWORD}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(username="jdupont").pk
    # A Worker may use the scan app without is_staff.
    assert client.get("/scan/").status_code == 200
    # The deactivated account stays closed.
    other = Client()
    refused = other.post(
        "/scan/login/", {"username": "pgirard", "password": OLD_PASSWORD}, REMOTE_ADDR="10.0.0.4"
    )
    assert refused.status_code == 200
    assert "_auth_user_id" not in other.session


# --- contacts, roles, asf_ids -------------------------------------------------------------------


def test_asf_ids_are_kept_exactly_and_none_is_issued(
    taken_over: TakeOver, legacy_sample: LegacySource
) -> None:
    old = {
        (row_id, asf_id)
        for row_id, asf_id in source_values(
            legacy_sample, "SELECT id, asf_id FROM contacts_contact"
        )
    }
    new = set(Contact.objects.values_list("asf_id", flat=True))
    assert {asf_id for _id, asf_id in old if asf_id} == new - {None}
    assert len(new - {None}) == 20
    for old_id, asf_id in old:
        contact = Contact.objects.get(pk=taken_over.new_id("contacts_contact", old_id))
        assert contact.asf_id == asf_id, contact.name
    # A shipper whose tag had no prefix, and persons with a prefixed role, stay without one,
    # although Contact.save() would have issued one (EXP-…, CORR-…).
    assert Contact.objects.get(name="Les Amis de Yaounde").asf_id is None
    assert Contact.objects.get(name="Amadou Traore").asf_id is None
    assert Contact.objects.get(name="Haiti Espoir Medical").asf_id == "DEST-0001"


def test_roles_come_from_tags_with_plurals_and_any_case(
    taken_over: TakeOver, legacy_sample: LegacySource
) -> None:
    tagged = Counter(
        name.lower()
        for (name,) in source_values(
            legacy_sample,
            "SELECT t.name FROM contacts_contact_tags ct "
            "JOIN contacts_contacttag t ON t.id = ct.contacttag_id",
        )
    )
    assert Contact.objects.filter(is_donor=True).count() == tagged["donateur"] == 5
    assert Contact.objects.filter(is_carrier=True).count() == tagged["transporteur"] == 2
    assert (
        Contact.objects.filter(is_shipper=True).count()
        == tagged["expediteur"] + tagged["expediteurs"]
        == 7
    )
    assert Contact.objects.filter(is_recipient=True).count() == tagged["destinataire"] == 8
    assert (
        Contact.objects.filter(is_correspondent=True).count()
        == tagged["correspondant"] + tagged["correspondants"]
        == 7
    )
    haiti = Contact.objects.get(name="Haiti Espoir Medical")
    assert haiti.roles == ["shipper", "recipient"]
    assert contacts.role_of_tag("Expéditeurs") == "shipper"
    assert contacts.role_of_tag("DESTINATAIRES") == "recipient"
    assert contacts.role_of_tag("partenaire") is None
    # A tag that is no role is kept in the notes and reported.
    fondation = Contact.objects.get(name="Fondation Santé Solidaire")
    assert fondation.is_donor
    assert "Étiquettes : partenaire" in fondation.notes
    assert "#11 Fondation Santé Solidaire" in anomalies(
        taken_over, "Étiquettes non reprises en rôle"
    )


def test_contact_columns_are_mapped(taken_over: TakeOver) -> None:
    person = Contact.objects.get(name="Fatoumata Sangaré")
    assert person.kind == "person"
    assert (person.title, person.first_name, person.last_name, person.job) == (
        "Dr",
        "Fatoumata",
        "Sangaré",
        "Presidente",
    )
    assert person.organisation == Contact.objects.get(name="Sante Mali Solidarite")
    assert person.name_key == fold_key("Fatoumata Sangaré") == "fatoumata sangare"
    mali = Contact.objects.get(name="Sante Mali Solidarite")
    assert mali.kind == "organisation"
    assert mali.other_emails == "sangare.f@example.org"
    assert mali.legal_registration == "W751234567"
    assert Contact.objects.get(name="Transports Morel et Fils").other_phones == "06 07 08 09 10"
    rungis = Contact.objects.get(name="Pharmacie Centrale de Rungis")
    assert (rungis.siret, rungis.vat_number) == ("41234567800021", "FR12412345678")
    gone = Contact.objects.get(name="Ancienne Pharmacie Humanitaire")
    assert not gone.is_active
    assert gone.notes == "Structure dissoute en 2024"
    assert "anciennement : Laboratoires Hexamed" in Contact.objects.get(name="Luc Fontaine").notes


def test_each_contact_with_an_address_has_exactly_one_default(taken_over: TakeOver) -> None:
    with_address = Contact.objects.filter(addresses__isnull=False).distinct()
    assert with_address.count() == 31
    for contact in with_address:
        assert contact.addresses.filter(default_marker=True).count() == 1, contact.name
    # No default in the earlier data: the first address, as the earlier system used it.
    gone = Contact.objects.get(name="Ancienne Pharmacie Humanitaire")
    assert gone.addresses.get().is_default
    assert "aucune adresse par défaut" in anomalies(taken_over, "Valeurs corrigées")
    siege = ContactAddress.objects.get(pk=taken_over.new_id("contacts_contactaddress", 8))
    assert (siege.label, siege.line1, siege.postal_code, siege.city, siege.country) == (
        "Siege",
        "12 rue des Halles",
        "94150",
        "Rungis",
        "France",
    )


def test_address_values_without_a_column_go_to_the_contact_notes(taken_over: TakeOver) -> None:
    rungis = Contact.objects.get(name="Pharmacie Centrale de Rungis")
    assert "Adresse « Siege » : région Ile-de-France" in rungis.notes
    moved = anomalies(taken_over, "Valeurs reprises en notes")
    assert "contacts_contactaddress #8 (Pharmacie Centrale de Rungis) : région Ile-de-France" in (
        moved
    )
    # An address phone and e-mail equal to the contact's own are not repeated in the notes.
    kalon = Contact.objects.get(name="Association Kalon Santé")
    assert kalon.notes == ""
    assert "#31 (Association Kalon Santé) : téléphone et e-mail identique(s)" in moved


def test_a_person_using_the_organisation_address_holds_a_linked_copy(taken_over: TakeOver) -> None:
    sophie = Contact.objects.get(name="Sophie Bernard")
    rungis = Contact.objects.get(name="Pharmacie Centrale de Rungis")
    assert sophie.organisation == rungis
    assert sophie.use_organisation_address
    copy = sophie.addresses.get()
    assert copy.copied_from == rungis.addresses.get(default_marker=True)


def test_destinations_keep_their_correspondents_and_contacts_their_destination(
    taken_over: TakeOver, legacy_sample: LegacySource
) -> None:
    bamako = Destination.objects.get(iata_code="BKO")
    assert (bamako.city, bamako.country, bamako.is_active) == ("Bamako", "Mali", True)
    assert bamako.correspondent == Contact.objects.get(name="Amadou Traore")
    assert bamako.correspondent.is_correspondent
    assert not Destination.objects.get(iata_code="OUA").is_active
    for old_id, correspondent_id in source_values(
        legacy_sample, "SELECT id, correspondent_contact_id FROM wms_destination"
    ):
        destination = Destination.objects.get(pk=taken_over.new_id("wms_destination", old_id))
        assert destination.correspondent_id == taken_over.new_id(
            "contacts_contact", correspondent_id
        )
    linked = source_values(
        legacy_sample,
        "SELECT id, destination_id FROM contacts_contact WHERE destination_id IS NOT NULL",
    )
    assert Contact.destinations.through.objects.count() == len(linked) == 16
    for contact_id, destination_id in linked:
        contact = Contact.objects.get(pk=taken_over.new_id("contacts_contact", contact_id))
        assert list(contact.destinations.values_list("pk", flat=True)) == [
            taken_over.new_id("wms_destination", destination_id)
        ]
    assert list(
        Contact.objects.get(name="CSCom de Kalaban Coura").destinations.values_list(
            "iata_code", flat=True
        )
    ) == ["BKO"]
    assert not Contact.objects.get(name="Pharmacie Centrale de Rungis").destinations.exists()


# --- the portal ----------------------------------------------------------------------------------


def test_an_old_public_order_link_opens_the_same_form(taken_over: TakeOver) -> None:
    response = Client().get(f"/scan/public-order/{OPEN_LINK}/")
    assert response.status_code == 200
    assert response.context["link"].label == "Commandes associations partenaires 2025-2026"
    assert 'name="association_name"' in response.content.decode()


@pytest.mark.parametrize("hex_token", [INACTIVE_LINK, EXPIRED_LINK])
def test_an_old_inactive_or_expired_link_answers_as_ours_do(
    taken_over: TakeOver, hex_token: str
) -> None:
    old = PublicOrderLink.objects.get(token=str(uuid.UUID(hex_token)))
    ours = PublicOrderLink.objects.create(
        label="ours", is_active=old.is_active, expires_at=old.expires_at
    )
    answer = Client().get(f"/scan/public-order/{old.token}/")
    expected = Client().get(f"/scan/public-order/{ours.token}/")
    assert answer.status_code == expected.status_code == 410
    assert [t.name for t in answer.templates] == [t.name for t in expected.templates]


def test_public_links_keep_token_dates_and_state(taken_over: TakeOver) -> None:
    expired = PublicOrderLink.objects.get(pk=taken_over.new_id("wms_publicorderlink", 3))
    assert expired.token == "ebafdcd3-7e45-4412-8782-6391c91e90a0"
    assert expired.expires_at.isoformat() == "2026-01-10T22:59:00+00:00"
    assert expired.created_at.isoformat() == "2025-11-25T09:00:46.994141+00:00"
    assert not PublicOrderLink.objects.get(label="Lien de test").is_active


def test_account_requests_keep_their_decision_contact_link_and_account(
    taken_over: TakeOver,
) -> None:
    requests = {
        old_id: PublicAccountRequest.objects.get(
            pk=taken_over.new_id("wms_publicaccountrequest", old_id)
        )
        for old_id in range(1, 7)
    }
    mali = requests[1]
    assert mali.status == "approved"
    assert mali.contact == Contact.objects.get(name="Sante Mali Solidarite")
    assert mali.public_link == PublicOrderLink.objects.get(token=OPEN_LINK)
    assert mali.decided_by == User.objects.get(username="mlefevre")
    assert mali.decided_at.isoformat() == "2025-09-24T07:30:04.163965+00:00"
    assert mali.created_at.isoformat() == "2025-09-22T08:12:40.009501+00:00"
    assert (mali.line1, mali.postal_code, mali.city, mali.country) == (
        "18 rue Oberkampf",
        "75011",
        "Paris",
        "France",
    )
    assert mali.user == User.objects.get(username="contact@santemali.example.org")
    assert requests[3].user == User.objects.get(username="presidence@esm.example.org")
    assert requests[4].status == "rejected" and requests[4].user is None
    assert requests[4].contact is None
    assert requests[5].status == "pending" and requests[5].decided_by is None
    assert requests[6].contact == Contact.objects.get(name="Les Amis de Yaounde")
    assert Counter(request.status for request in requests.values()) == {
        "approved": 3,
        "pending": 2,
        "rejected": 1,
    }


def test_documents_keep_their_file_path_kind_and_review(taken_over: TakeOver) -> None:
    document = AssociationDocument.objects.get(pk=taken_over.new_id("wms_accountdocument", 2))
    assert document.file.name == "account_documents/recepisse_prefecture.pdf"
    assert document.original_name == "recepisse_prefecture.pdf"
    assert document.kind == "registration"
    assert document.status == "approved"
    assert document.association == Contact.objects.get(name="Sante Mali Solidarite")
    assert document.account_request_id == taken_over.new_id("wms_publicaccountrequest", 1)
    assert document.reviewed_by == User.objects.get(username="mlefevre")
    assert document.uploaded_at.isoformat() == "2025-09-22T08:12:40.298913+00:00"
    anonymous = AssociationDocument.objects.get(pk=taken_over.new_id("wms_accountdocument", 9))
    assert anonymous.association is None and anonymous.uploaded_by is None
    assert Counter(AssociationDocument.objects.values_list("kind", flat=True)) == {
        "statutes": 4,
        "registration": 3,
        "other": 2,
        "activity_report": 1,
    }


def test_profiles_and_address_books_are_kept(taken_over: TakeOver) -> None:
    profile = AssociationProfile.objects.get(user__username="contact@santemali.example.org")
    assert profile.contact == Contact.objects.get(name="Sante Mali Solidarite")
    assert profile.extra_emails() == [
        "tresorier@santemali.example.org",
        "logistique@santemali.example.org",
        "f.sangare@santemali.example.org",
    ]
    assert profile.created_at.isoformat() == "2025-09-24T07:30:03.813729+00:00"
    haiti = AssociationProfile.objects.get(user__username="haiti.espoir")
    assert haiti.contact == Contact.objects.get(name="Haiti Espoir Medical")
    mali = Contact.objects.get(name="Sante Mali Solidarite")
    assert list(mali.portal_recipients.values_list("name", flat=True)) == [
        "CSCom de Kalaban Coura",
        "Dispensaire de Kayes",
        "Maternite de Sikasso",
    ]
    sikasso = AssociationRecipient.objects.get(name="Maternite de Sikasso")
    assert (sikasso.line1, sikasso.line2, sikasso.city, sikasso.country, sikasso.email) == (
        "Quartier Mamassoni",
        "BP 112",
        "Sikasso",
        "Mali",
        "maternite.sikasso@example.org",
    )
    assert sikasso.contact is None and sikasso.is_active
    assert AssociationRecipient.objects.get(name="CSCom de Kalaban Coura").notes == (
        "Contact: Dr Keita"
    )
