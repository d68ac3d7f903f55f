"""The admin of orders and association accounts (S-ORDERS, S-ROLES): managers get in, workers and
visitors do not; statuses, lines and reservations are read-only, documents are reviewed (never
linked from a public media URL), public links and association profiles are edited; changelists
and order pages keep their number of queries when rows are added."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.factories import ContactFactory, UserFactory
from tests.shipping_helpers import Scene, scene
from tests.wms.admin_support import management_form, page_text
from tests.wms.test_orders_workflow import (
    PDF,
    address_book_entry,
    association,
    attestation,
    lot_of,
    packable,
    place,
)
from wms.models import (
    AssociationDocument,
    AssociationProfile,
    Order,
    OrderDocument,
    OrderDocumentKind,
    OrderStatus,
    PublicAccountRequest,
    PublicOrderLink,
    ReviewStatus,
)
from wms.models.orders import DocumentStatus
from wms.services import accounts, orders

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "/admin/wms/order/",
    "/admin/wms/orderdocument/",
    "/admin/wms/associationdocument/",
    "/admin/wms/publicorderlink/",
    "/admin/wms/publicaccountrequest/",
    "/admin/wms/associationprofile/",
    "/admin/wms/associationrecipient/",
]
ADD_PAGES = [
    "/admin/wms/publicorderlink/add/",
    "/admin/wms/associationprofile/add/",
    "/admin/wms/associationrecipient/add/",
]


@pytest.fixture
def boss(manager: User) -> User:
    return User.objects.get(pk=manager.pk)


@pytest.fixture
def sc(boss: User) -> Scene:
    return scene(boss)


def scan_url(name: str, *args: Any) -> str | None:
    try:
        return reverse(f"scan:{name}", args=args)
    except NoReverseMatch:
        return None


def add_orders(sc: Scene, count: int) -> list[Order]:
    """`count` associations, each with an approved order of two lines, documents, a pending
    order, an address book entry, an account request with a document and a public link."""
    made = []
    for _ in range(count):
        index = Order.objects.count()
        contact = association(name=f"Association {index}")
        entry = address_book_entry(contact, name=f"Dispensaire {index}")
        first, second = packable(20), packable(20)
        order = place(contact, [(first, 2), (second, 3)], recipient=entry)
        orders.approve(
            order=order, approval=orders.Approval(destination=sc.destination), actor=sc.actor
        )
        attestation(order, OrderDocumentKind.DONATION, DocumentStatus.PENDING)
        attestation(order, OrderDocumentKind.INVOICE, DocumentStatus.APPROVED)
        place(contact, [(first, 1)])
        accounts.submit_account_request(
            data=accounts.AccountRequestInput(
                association_name=f"Demande {index}",
                email=f"demande{index}@example.org",
                city="Kaya",
                country="Burkina Faso",
                documents=[accounts.Upload("statutes", pdf())],
            ),
            client_ip=f"192.0.2.{index % 250}",
        )
        PublicOrderLink.objects.create(label=f"Lien {index}")
        made.append(order)
    return made


def pdf(name: str = "statuts.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF)


@pytest.fixture
def order(sc: Scene) -> Order:
    return add_orders(sc, 1)[0]


# --- who gets in -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", CHANGELISTS + ADD_PAGES)
def test_a_manager_opens_every_order_and_account_page(client, boss, order, url):
    client.force_login(boss)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", CHANGELISTS)
def test_a_worker_is_sent_to_the_admin_login(client, worker, url):
    client.force_login(worker)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", CHANGELISTS)
def test_an_association_user_is_sent_to_the_admin_login(client, url):
    contact = association()
    client.force_login(contact.association_profiles.get().user)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("url", CHANGELISTS)
def test_anonymous_is_sent_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_every_change_page_opens_for_a_manager(client, boss, order):
    client.force_login(boss)
    objects = [
        order,
        OrderDocument.objects.first(),
        AssociationDocument.objects.first(),
        PublicOrderLink.objects.first(),
        PublicAccountRequest.objects.first(),
        AssociationProfile.objects.first(),
        order.portal_recipient,
    ]
    for obj in objects:
        url = f"/admin/wms/{obj._meta.model_name}/{obj.pk}/change/"
        assert client.get(url).status_code == 200, url


# --- orders: read-only -----------------------------------------------------------------------


def test_the_order_page_shows_lines_reservations_and_documents_without_media_links(
    client, boss, order
):
    client.force_login(boss)
    body = page_text(client.get(f"/admin/wms/order/{order.pk}/change/"))
    assert order.reference in body
    assert "Validée" in body and "Réservée" in body
    assert "L1 (" in body  # the reserved lot
    assert "attestation.pdf" in body
    assert "/media/" not in body
    review = scan_url("order_review", order.pk)
    if review:
        assert review in body
    download = scan_url("order_document_file", order.pk, order.documents.first().pk)
    if download:
        assert download in body


def test_orders_are_neither_added_nor_deleted_here(client, boss, order):
    client.force_login(boss)
    assert client.get("/admin/wms/order/add/").status_code == 403
    assert client.get(f"/admin/wms/order/{order.pk}/delete/").status_code == 403


def order_form(order: Order, **fields: str) -> dict[str, str]:
    documents = list(order.documents.order_by("pk"))
    data = {
        "requested_date": "",
        "notes": order.notes,
        **management_form("lines", total=order.lines.count(), initial=order.lines.count()),
        **management_form("documents", total=len(documents), initial=len(documents)),
    }
    for index, line in enumerate(order.lines.order_by("pk")):
        data[f"lines-{index}-id"] = str(line.pk)
        data[f"lines-{index}-order"] = str(order.pk)
    for index, document in enumerate(documents):
        data[f"documents-{index}-id"] = str(document.pk)
        data[f"documents-{index}-order"] = str(order.pk)
        data[f"documents-{index}-status"] = document.status
        data[f"documents-{index}-review_comment"] = document.review_comment
    data.update(fields)
    return data


def test_a_manager_edits_notes_and_reviews_a_document_but_never_a_status(client, boss, order):
    client.force_login(boss)
    pending = order.documents.get(status=DocumentStatus.PENDING)
    index = list(order.documents.order_by("pk")).index(pending)
    response = client.post(
        f"/admin/wms/order/{order.pk}/change/",
        order_form(
            order,
            notes="Appeler avant livraison",
            status=OrderStatus.CANCELLED,
            review_status=ReviewStatus.REJECTED,
            **{
                f"documents-{index}-status": DocumentStatus.APPROVED,
                f"documents-{index}-review_comment": "Conforme",
            },
        ),
    )
    assert response.status_code == 302, page_text(response)
    order.refresh_from_db()
    assert order.notes == "Appeler avant livraison"
    assert (order.status, order.review_status) == (OrderStatus.RESERVED, ReviewStatus.APPROVED)
    pending.refresh_from_db()
    assert (pending.status, pending.review_comment) == (DocumentStatus.APPROVED, "Conforme")
    assert pending.reviewed_by == boss and pending.reviewed_at is not None
    assert sum(order.lines.values_list("quantity_reserved", flat=True)) == 5


def test_a_document_reviewed_on_its_own_page_records_the_reviewer(client, boss, order):
    client.force_login(boss)
    document = order.documents.get(status=DocumentStatus.PENDING)
    response = client.post(
        f"/admin/wms/orderdocument/{document.pk}/change/",
        {"status": DocumentStatus.REJECTED, "review_comment": "Illisible"},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.status, document.review_comment) == (DocumentStatus.REJECTED, "Illisible")
    assert document.reviewed_by == boss
    body = page_text(client.get(f"/admin/wms/orderdocument/{document.pk}/change/"))
    assert "/media/" not in body


def test_deleting_an_order_document_deletes_its_file_only(client, boss, order, sc):
    from django.core.files.storage import default_storage

    approved = attestation(order, OrderDocumentKind.DONATION, DocumentStatus.APPROVED, "don.pdf")
    shipment = orders.create_shipment(order=order, actor=sc.actor)
    copy = shipment.documents.get()
    client.force_login(boss)

    response = client.post(f"/admin/wms/orderdocument/{approved.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not default_storage.exists(approved.file.name)
    assert default_storage.exists(copy.file.name)


def test_association_documents_link_to_their_download_view_only(client, boss, order):
    client.force_login(boss)
    document = AssociationDocument.objects.first()
    body = page_text(client.get(f"/admin/wms/associationdocument/{document.pk}/change/"))
    assert document.original_name in body and "/media/" not in body
    download = scan_url("association_document_file", document.pk)
    if download:
        assert download in body


# --- public links and account requests -------------------------------------------------------


def test_a_manager_creates_a_public_link_and_sees_its_address(client, boss, settings):
    settings.SITE_BASE_URL = "https://wms.example.org"
    client.force_login(boss)
    response = client.post(
        "/admin/wms/publicorderlink/add/",
        {
            "label": "Partenaires Madagascar",
            "is_active": "on",
            "expires_at_0": "",
            "expires_at_1": "",
        },
    )
    assert response.status_code == 302, page_text(response)
    link = PublicOrderLink.objects.get()
    assert link.created_by == boss and len(link.token) >= 30
    body = page_text(client.get(f"/admin/wms/publicorderlink/{link.pk}/change/"))
    public = scan_url("public_order", link.token)
    if public:
        assert f"https://wms.example.org{public}" in body


def test_account_requests_are_read_only_here_and_link_to_their_screen(client, boss, order):
    client.force_login(boss)
    request = PublicAccountRequest.objects.first()
    body = page_text(client.get(f"/admin/wms/publicaccountrequest/{request.pk}/change/"))
    assert request.email in body and "statuts.pdf" in body
    assert 'name="email"' not in body
    screen = scan_url("account_request", request.pk)
    if screen:
        assert screen in body
    assert client.get("/admin/wms/publicaccountrequest/add/").status_code == 403


# --- association profiles --------------------------------------------------------------------


def test_a_manager_makes_an_existing_user_an_association_user(client, boss):
    client.force_login(boss)
    user = UserFactory(username="benevole-asso", email="benevole@amis.example")
    contact = ContactFactory(name="Les Amis")
    response = client.post(
        "/admin/wms/associationprofile/add/",
        {
            "user": str(user.pk),
            "contact": str(contact.pk),
            "notification_emails": " tresorier@amis.example \n\nlogistique@amis.example",
        },
    )
    assert response.status_code == 302, page_text(response)
    profile = AssociationProfile.objects.get()
    assert (profile.user, profile.contact) == (user, contact)
    assert profile.extra_emails() == ["tresorier@amis.example", "logistique@amis.example"]


def test_staff_users_and_bad_notification_emails_are_refused(client, boss, worker):
    client.force_login(boss)
    contact = ContactFactory(name="Les Amis")
    response = client.post(
        "/admin/wms/associationprofile/add/",
        {"user": str(worker.pk), "contact": str(contact.pk), "notification_emails": ""},
    )
    assert response.status_code == 200
    assert not AssociationProfile.objects.exists()
    free = UserFactory(username="libre")
    response = client.post(
        "/admin/wms/associationprofile/add/",
        {"user": str(free.pk), "contact": str(contact.pk), "notification_emails": "pas-un-mail"},
    )
    assert response.status_code == 200
    assert "Adresse e-mail invalide : « pas-un-mail »" in page_text(response)
    assert not AssociationProfile.objects.exists()


def test_a_user_already_linked_is_not_offered_again(client, boss, order):
    client.force_login(boss)
    linked = AssociationProfile.objects.get().user
    body = page_text(client.get("/admin/wms/associationprofile/add/"))
    assert f'value="{linked.pk}"' not in body
    profile = AssociationProfile.objects.get()
    body = page_text(client.get(f"/admin/wms/associationprofile/{profile.pk}/change/"))
    assert f'value="{linked.pk}" selected' in body


def test_a_manager_adds_an_address_book_entry(client, boss):
    client.force_login(boss)
    contact = ContactFactory(name="Les Amis")
    response = client.post(
        "/admin/wms/associationrecipient/add/",
        {
            "association": str(contact.pk),
            "name": "Dispensaire de Jacmel",
            "line1": "Rue de l'Église",
            "city": "Jacmel",
            "country": "Haïti",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, page_text(response)
    assert contact.portal_recipients.get().name == "Dispensaire de Jacmel"


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize("url", CHANGELISTS)
def test_changelists_run_the_same_number_of_queries_for_more_rows(client, boss, sc, url):
    client.force_login(boss)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_orders(sc, 2)
    few = queries()
    add_orders(sc, 5)
    assert queries() == few


def test_the_order_page_keeps_its_query_budget_with_more_lines(
    client, boss, sc, django_assert_max_num_queries
):
    client.force_login(boss)
    contact = association()
    small = place(contact, [(packable(5), 1)])
    products = [packable(5) for _ in range(8)]
    for product in products:
        lot_of(product, 200, 5, "L2")  # two lots each: reservations split
    large = place(contact, [(product, 7) for product in products])
    for order in (small, large):
        orders.approve(
            order=order, approval=orders.Approval(destination=sc.destination), actor=sc.actor
        )
        for _ in range(3):
            attestation(order, OrderDocumentKind.OTHER, DocumentStatus.PENDING)

    def queries(order: Order) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/admin/wms/order/{order.pk}/change/").status_code == 200
        return len(captured)

    queries(small)  # warm-up: the content types cache is filled by whichever page comes first
    assert queries(large) == queries(small)
    with django_assert_max_num_queries(40):
        client.get(f"/admin/wms/order/{large.pk}/change/")
