"""The account request form (S-ORDERS "Account requests"), with or without a public link:
saved with its documents, emails queued, uploads checked, throttled."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContactFactory, manager
from tests.public import PDF, PNG, multipart, queued
from wms.models import (
    AssociationDocument,
    AssociationDocumentKind,
    IntegrationEvent,
    PublicAccountRequest,
    PublicOrderLink,
    ThrottleSlot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def link() -> PublicOrderLink:
    return PublicOrderLink.objects.create(label="Partenaires Madagascar")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    """An empty MEDIA_ROOT of this test's own, to see every file a request leaves behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def url(link: PublicOrderLink | None = None) -> str:
    if link is None:
        return reverse("portal:request_account")
    return reverse("scan:public_order_account", args=[link.token])


def fields(**overrides: str) -> dict[str, str]:
    data = {
        "association_name": "Soleil de Toamasina",
        "email": "contact@soleil-toamasina.example",
        "phone": "+261 34 00 000 00",
        "line1": "12 avenue de l'Indépendance",
        "line2": "Bâtiment B",
        "postal_code": "501",
        "city": "Toamasina",
        "country": "Madagascar",
        "notes": "Dispensaire de quartier.",
    }
    data.update(overrides)
    return data


def post(client, target: str, data: dict[str, str], files=(), ip: str = "10.0.0.1", **extra: Any):
    body, content_type = multipart(data, files)
    return client.post(target, body, content_type=content_type, REMOTE_ADDR=ip, **extra)


# --- the happy path ------------------------------------------------------------------------------


def test_a_request_through_a_link_is_saved_with_its_documents_and_emails_are_queued(
    client, link, media
):
    boss = manager(email="responsable@asf.example")
    files = [
        ("documents-statutes", "statuts.pdf", PDF),
        ("documents-statutes", "statuts-annexe.pdf", PDF),
        ("documents-registration", "recepisse.png", PNG),
    ]

    response = post(client, url(link), fields(), files)

    assert response.status_code == 303
    assert response["Location"] == f"{url(link)}?sent=1"
    request = PublicAccountRequest.objects.get()
    assert request.public_link == link
    assert (request.association_name, request.email) == (
        "Soleil de Toamasina",
        "contact@soleil-toamasina.example",
    )
    assert (request.line1, request.postal_code, request.city) == (
        "12 avenue de l'Indépendance",
        "501",
        "Toamasina",
    )
    documents = list(request.documents.order_by("pk"))
    assert [(d.kind, d.original_name) for d in documents] == [
        (AssociationDocumentKind.STATUTES, "statuts.pdf"),
        (AssociationDocumentKind.STATUTES, "statuts-annexe.pdf"),
        (AssociationDocumentKind.REGISTRATION, "recepisse.png"),
    ]
    assert all(d.association is None for d in documents)
    assert len(stored_files(media)) == 3
    assert queued("account_request_received") == [["contact@soleil-toamasina.example"]]
    assert queued("account_request_new") == [[boss.email]]


def test_the_page_after_sending_says_a_manager_will_answer_by_email(client, link, media):
    location = post(client, url(link), fields())["Location"]

    response = client.get(location)

    assert response.status_code == 200
    assert "data-request-sent" in response.content.decode()


def test_the_form_works_without_a_link_from_the_portal(client, media):
    page = client.get(url())
    response = post(client, url(), fields())

    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.content.decode()
    assert response.status_code == 303
    assert PublicAccountRequest.objects.get().public_link is None


def test_an_existing_contact_is_not_touched(client, link, media):
    existing = ContactFactory(name="Soleil de Toamasina", email="contact@soleil-toamasina.example")
    before = existing.__class__.objects.values().get(pk=existing.pk)

    assert post(client, url(link), fields()).status_code == 303

    assert existing.__class__.objects.values().get(pk=existing.pk) == before
    assert PublicAccountRequest.objects.get().contact is None


def test_the_form_names_no_other_association(client, link, media):
    PublicAccountRequest.objects.create(association_name="Quetzalcoatl Demandeur", email="q@x.org")
    ContactFactory(name="Zorglub Association Secrète")

    for html in (
        client.get(url(link)).content.decode(),
        post(client, url(link), fields(email="nope")).content.decode(),
    ):
        assert "Quetzalcoatl" not in html
        assert "Zorglub" not in html


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"email": "pas-une-adresse"}, id="bad email"),
        pytest.param({"email": ""}, id="no email"),
        pytest.param({"association_name": ""}, id="no name"),
        pytest.param({"association_name": "A" * 201}, id="name too long"),
        pytest.param({"postal_code": "9" * 21}, id="postal code too long"),
        pytest.param({"notes": "n" * 4001}, id="notes too long"),
    ],
)
def test_bad_input_creates_nothing_and_keeps_what_was_typed(client, link, media, change):
    response = post(client, url(link), fields(**change), [("documents-other", "a.pdf", PDF)])

    assert response.status_code == 200
    assert not PublicAccountRequest.objects.exists()
    assert not AssociationDocument.objects.exists()
    assert not IntegrationEvent.objects.exists()
    assert not ThrottleSlot.objects.exists()
    assert stored_files(media) == []
    assert "Toamasina" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("programme.exe", b"MZ\x90\x00" + b"\x00" * 60, id="executable"),
        pytest.param("statuts.pdf", b"MZ\x90\x00 not a pdf at all", id="pdf with wrong bytes"),
        pytest.param("photo.png", PDF, id="png that is a pdf"),
        pytest.param("statuts", PDF, id="no extension"),
        pytest.param("../../statuts.pdf.exe", PDF, id="path trick with a wrong type"),
        pytest.param("vide.pdf", b"", id="empty"),
    ],
)
def test_a_refused_upload_says_why_and_stores_nothing(client, link, media, name, content):
    response = post(client, url(link), fields(), [("documents-statutes", name, content)])

    assert response.status_code == 200
    html = response.content.decode()
    assert "data-form-errors" in html
    assert not PublicAccountRequest.objects.exists()
    assert not AssociationDocument.objects.exists()
    assert not IntegrationEvent.objects.exists()
    assert stored_files(media) == []


def test_an_oversized_upload_is_refused(client, link, media, settings):
    settings.UPLOAD_MAX_MB = 1
    too_big = PDF + b"0" * (int(1.1 * 1024 * 1024) - len(PDF))

    response = post(client, url(link), fields(), [("documents-other", "gros.pdf", too_big)])

    assert response.status_code == 200
    assert "trop volumineux" in response.content.decode()
    assert not PublicAccountRequest.objects.exists()
    assert stored_files(media) == []


def test_a_file_under_an_unknown_kind_is_refused(client, link, media):
    response = post(client, url(link), fields(), [("documents-passport", "x.pdf", PDF)])

    assert response.status_code == 200
    assert not PublicAccountRequest.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "sent_name",
    ["../../statuts.pdf", "..\\..\\statuts.pdf", "C:\\fakepath\\statuts.pdf", "/etc/statuts.pdf"],
)
def test_a_path_in_the_file_name_is_dropped_and_the_file_stored_under_a_random_name(
    client, link, media, sent_name
):
    response = post(client, url(link), fields(), [("documents-statutes", sent_name, PDF)])

    assert response.status_code == 303
    document = AssociationDocument.objects.get()
    assert document.original_name == "statuts.pdf"
    files = stored_files(media)
    assert len(files) == 1
    stored = files[0]
    assert stored.resolve().is_relative_to(media.resolve())
    assert "statuts" not in stored.name
    assert stored.suffix == ".pdf"
    assert stored.read_bytes() == PDF


@pytest.mark.parametrize(
    "state",
    [
        pytest.param({"is_active": False}, id="inactive"),
        pytest.param({"expires_at": timezone.now() - dt.timedelta(minutes=1)}, id="expired"),
    ],
)
def test_an_inactive_or_expired_link_takes_no_request(client, media, state):
    link = PublicOrderLink.objects.create(label="Ancien", **state)

    assert client.get(url(link)).status_code == 410
    assert post(client, url(link), fields()).status_code == 410
    assert not PublicAccountRequest.objects.exists()


def test_an_unknown_link_is_not_found(client):
    assert client.get(reverse("scan:public_order_account", args=["nope"])).status_code == 404


# --- throttles -----------------------------------------------------------------------------------


def test_the_same_email_from_another_address_is_refused_within_the_window(client, link, media):
    assert post(client, url(link), fields(), ip="10.0.0.1").status_code == 303

    refused = post(client, url(link), fields(), [("documents-other", "a.pdf", PDF)], ip="10.0.0.2")

    assert refused.status_code == 429
    assert "Soleil de Toamasina" in refused.content.decode()
    assert PublicAccountRequest.objects.count() == 1
    assert stored_files(media) == []


def test_another_email_from_the_same_address_is_refused_within_the_window(client, link, media):
    assert post(client, url(link), fields(), ip="10.0.0.1").status_code == 303

    again = post(client, url(), fields(email="autre@example.org"), ip="10.0.0.1")

    assert again.status_code == 429
    assert 0 < int(again["Retry-After"]) <= 300
    assert PublicAccountRequest.objects.count() == 1


def test_a_refused_request_does_not_burn_the_slot(client, link, media):
    bad_file = [("documents-other", "a.exe", b"MZ")]
    assert post(client, url(link), fields(), bad_file).status_code == 200
    assert post(client, url(link), fields(email="x@")).status_code == 200

    assert post(client, url(link), fields()).status_code == 303


def test_zero_disables_the_throttle(client, link, media, settings):
    settings.ACCOUNT_REQUEST_THROTTLE_SECONDS = 0

    statuses = [post(client, url(link), fields()).status_code for _ in range(3)]

    assert statuses == [303, 303, 303]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_client(client, link, media, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    def from_client(address: str, email: str) -> int:
        data = fields(email=email)
        return post(client, url(link), data, ip="10.9.9.9", HTTP_X_FORWARDED_FOR=address)

    assert from_client("203.0.113.1", "a@example.org").status_code == 303
    assert from_client("203.0.113.2", "b@example.org").status_code == 303
    assert from_client("203.0.113.1", "c@example.org").status_code == 429
