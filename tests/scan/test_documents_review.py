"""Document review (S-ORDERS documents, S-ROLES): the documents waiting for a manager, one
decision per document (status, reviewer, time, comment; applied once), the way back to the page
the decision came from (this site only), and the downloads: managers only, as private
attachments."""

from __future__ import annotations

import html
import os
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import ContactFactory, UserFactory
from tests.shipping_helpers import stocked_product
from wms.models import (
    AssociationDocument,
    AssociationProfile,
    DocumentStatus,
    OrderDocument,
    PublicAccountRequest,
)
from wms.services import document_review, orders
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PAGE = "/scan/documents/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def order_document(name: str = "don.pdf", content: bytes = PDF) -> OrderDocument:
    contact = ContactFactory(name="Les Amis")
    order = orders.submit_order(
        lines=[orders.LineInput(stocked_product(5), 1)],
        delivery=orders.Delivery(address="1 rue", city="Tana", country="Madagascar"),
        actor=Actor(),
        association=contact,
    )
    document = OrderDocument(order=order, kind="donation", original_name=name)
    document.file.save(name, SimpleUploadedFile(name, content))
    return document


def association_document(name: str = "statuts.png", content: bytes = PNG) -> AssociationDocument:
    request = PublicAccountRequest.objects.create(association_name="Santé Sud", email="s@s.org")
    document = AssociationDocument(account_request=request, kind="statutes", original_name=name)
    document.file.save(name, SimpleUploadedFile(name, content))
    return document


def review_url(document: Any) -> str:
    kind = "order" if isinstance(document, OrderDocument) else "association"
    return reverse(f"scan:{kind}_document_review", args=[document.pk])


def decide(client: Any, document: Any, decision: str = "approve", **extra: Any) -> Any:
    data = {"op_id": str(uuid.uuid4()), "decision": decision, **extra}
    return client.post(review_url(document), data)


# --- roles --------------------------------------------------------------------------------------


def urls(association: AssociationDocument) -> list[str]:
    return [PAGE, reverse("scan:association_document_file", args=[association.pk])]


def test_managers_open_the_review_page_and_the_files(client, manager):
    document = association_document()
    client.force_login(manager)
    for url in urls(document):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["worker", "association"])
def test_workers_and_association_users_are_refused(client, worker, role):
    document, other = association_document(), order_document()
    if role == "association":
        user = UserFactory(username="asso@example.org")
        AssociationProfile.objects.create(user=user, contact=other.order.association_contact)
    else:
        user = worker
    client.force_login(user)
    for url in urls(document):
        assert client.get(url).status_code == 403, url
    assert decide(client, document).status_code == 403
    assert decide(client, other).status_code == 403
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    document = association_document()
    for response in [client.get(url) for url in urls(document)] + [decide(client, document)]:
        assert response.status_code == 302 and "/scan/login/" in response["Location"]


# --- the page -----------------------------------------------------------------------------------


def test_the_page_lists_the_waiting_documents_and_the_latest_decisions(client, manager):
    waiting_order, waiting_association = order_document("a.pdf"), association_document("b.png")
    done = order_document("c.pdf")
    document_review.review(document=done, approve=False, comment="illisible", actor=Actor(manager))
    client.force_login(manager)
    page = text(client.get(PAGE))
    for document in (waiting_order, waiting_association, done):
        assert f'data-document="{document.pk}"' in page
    assert waiting_order.order.reference in page and "Santé Sud" in page
    assert "illisible" in page


# --- decisions ----------------------------------------------------------------------------------


def test_approving_an_order_document_records_who_and_when(client, manager):
    document = order_document()
    client.force_login(manager)
    response = decide(client, document, comment="ok")
    assert response.status_code == 303 and response["Location"] == PAGE
    document.refresh_from_db()
    assert document.status == DocumentStatus.APPROVED
    assert document.reviewed_by == manager and document.reviewed_at is not None
    assert document.review_comment == "ok"


def test_rejecting_goes_back_to_the_page_it_came_from(client, manager):
    document = association_document()
    back = reverse("scan:account_request", args=[document.account_request_id])
    client.force_login(manager)
    response = decide(client, document, "reject", comment="périmé", next=back)
    assert response.status_code == 303 and response["Location"] == back
    document.refresh_from_db()
    assert document.status == DocumentStatus.REJECTED and document.review_comment == "périmé"


def test_another_site_is_never_the_way_back(client, manager):
    document = order_document()
    client.force_login(manager)
    response = decide(client, document, next="https://evil.example/")
    assert response["Location"] == PAGE


def test_a_bad_decision_changes_nothing_and_says_why(client, manager):
    document = order_document()
    client.force_login(manager)
    for data in ({"decision": "maybe"}, {"decision": "approve", "comment": "x" * 401}):
        response = decide(client, document, **data)
        assert response.status_code == 303
        followed = client.get(response["Location"])
        assert "flash-error" in followed.content.decode()
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING and document.reviewed_at is None


def test_a_double_submit_applies_once(client, manager):
    document = order_document()
    data = {"op_id": str(uuid.uuid4()), "decision": "approve"}
    client.force_login(manager)
    assert client.post(review_url(document), data).status_code == 303
    document.refresh_from_db()
    first = document.reviewed_at
    assert client.post(review_url(document), data).status_code == 303
    document.refresh_from_db()
    assert document.reviewed_at == first


def test_only_a_manager_may_review(worker):
    document = order_document()
    with pytest.raises(StockError):
        document_review.review(document=document, approve=True, actor=Actor(worker))
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING


# --- downloads ----------------------------------------------------------------------------------


def test_an_association_document_downloads_as_a_private_attachment(client, manager):
    document = association_document()
    client.force_login(manager)
    response = client.get(reverse("scan:association_document_file", args=[document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    assert "statuts.png" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PNG


def test_a_missing_file_or_document_is_a_404(client, manager):
    document = association_document()
    os.remove(document.file.path)  # the row stays, its file is gone
    client.force_login(manager)
    assert (
        client.get(reverse("scan:association_document_file", args=[document.pk])).status_code == 404
    )
    assert client.get(reverse("scan:association_document_file", args=[999999])).status_code == 404
