"""Documents in the portal (S-ORDERS): an order's documents and the association's own, checked
by type and size, stored under a random name and served as attachments only to their
association (another association's document is a 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from tests.portal.conftest import PDF, PNG, place, stocked
from wms.models import AssociationDocument, DocumentStatus, OrderDocument, OrderStatus
from wms.services import orders
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def upload_url(order) -> str:
    return reverse("portal:order_document_upload", args=[order.pk])


def send(client, order, name: str, content: bytes, kind: str = "donation"):
    return client.post(
        upload_url(order),
        {"document-kind": kind, "document-file": SimpleUploadedFile(name, content)},
    )


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


# --- order documents -----------------------------------------------------------------------------


def test_an_association_adds_a_document_to_its_order_and_downloads_it(
    portal, association, association_user
):
    order = place(association, [(stocked(5), 1)])
    response = send(portal, order, "attestation de don.pdf", PDF)
    assert response.status_code == 303
    document = OrderDocument.objects.get()
    assert (document.order, document.kind) == (order, "donation")
    assert document.status == DocumentStatus.PENDING
    assert document.uploaded_by == association_user
    assert document.file.name.endswith(".pdf") and "attestation" not in document.file.name
    detail = portal.get(reverse("portal:order_detail", args=[order.pk])).content.decode()
    assert f'data-document="{document.pk}"' in detail
    download = portal.get(reverse("portal:order_document", args=[order.pk, document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert content_of(download) == PDF


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("programme.exe", EXE, "donation"),
        ("faux.pdf", EXE, "donation"),
        ("vide.pdf", b"", "donation"),
        ("photo.png", PNG, "passport"),
    ],
    ids=["wrong type", "wrong content", "empty", "unknown kind"],
)
def test_a_refused_upload_stores_nothing(portal, association, name, content, kind):
    order = place(association, [(stocked(5), 1)])
    response = send(portal, order, name, content, kind)
    assert response.status_code == 200
    assert response.context["document_form"].errors
    assert not OrderDocument.objects.exists()


def test_an_upload_without_a_file_asks_for_one(portal, association):
    order = place(association, [(stocked(5), 1)])
    response = portal.post(upload_url(order), {"document-kind": "invoice"})
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"]


@override_settings(UPLOAD_MAX_MB=1)
def test_a_file_over_the_size_limit_is_refused(portal, association):
    order = place(association, [(stocked(5), 1)])
    response = send(portal, order, "gros.pdf", PDF + b"0" * (1024 * 1024))
    assert response.status_code == 200
    assert not OrderDocument.objects.exists()


def test_a_cancelled_order_takes_no_more_documents(portal, association, association_user):
    order = place(association, [(stocked(5), 1)])
    orders.cancel(order=order, actor=Actor(user=association_user))
    assert order.__class__.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    response = send(portal, order, "don.pdf", PDF)
    assert response.status_code == 200
    assert not OrderDocument.objects.exists()


def test_another_associations_order_document_is_not_found(portal, other_association):
    order = place(other_association, [(stocked(5), 1)])
    document = OrderDocument.objects.create(
        order=order, kind="invoice", original_name="facture.pdf", file="documents/x.pdf"
    )
    url = reverse("portal:order_document", args=[order.pk, document.pk])
    assert portal.get(url).status_code == 404
    assert send(portal, order, "don.pdf", PDF).status_code == 404
    assert OrderDocument.objects.count() == 1


def test_a_missing_file_is_a_404_not_a_500(portal, association):
    order = place(association, [(stocked(5), 1)])
    document = OrderDocument.objects.create(
        order=order, kind="invoice", original_name="perdu.pdf", file="documents/perdu.pdf"
    )
    assert (
        portal.get(reverse("portal:order_document", args=[order.pk, document.pk])).status_code
        == 404
    )


# --- association documents -----------------------------------------------------------------------


def test_an_association_adds_its_statutes_and_downloads_them(portal, association):
    response = portal.post(
        reverse("portal:association_document_upload"),
        {"document-kind": "statutes", "document-file": SimpleUploadedFile("statuts.png", PNG)},
    )
    assert response.status_code == 303
    document = AssociationDocument.objects.get()
    assert (document.association, document.kind) == (association, "statutes")
    page = portal.get(reverse("portal:account")).content.decode()
    assert f'data-document="{document.pk}"' in page
    download = portal.get(reverse("portal:association_document", args=[document.pk]))
    assert download["Content-Type"] == "image/png"
    assert content_of(download) == PNG


def test_a_refused_association_document_stores_nothing(portal):
    response = portal.post(
        reverse("portal:association_document_upload"),
        {"document-kind": "statutes", "document-file": SimpleUploadedFile("statuts.pdf", EXE)},
    )
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"]
    assert not AssociationDocument.objects.exists()


def test_another_associations_document_is_not_found(portal, other_association):
    document = AssociationDocument.objects.create(
        association=other_association,
        kind="statutes",
        original_name="statuts.pdf",
        file="documents/autre.pdf",
    )
    url = reverse("portal:association_document", args=[document.pk])
    assert portal.get(url).status_code == 404
