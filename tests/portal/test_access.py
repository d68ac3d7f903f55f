"""Who may use the portal (S-ROLES): association users only, each seeing only its own
association's objects. Anonymous visitors go to the portal's login page; workers, managers and
users without an association profile get 403; another association's ids answer 404 on every
portal URL that carries an id, whatever the method. Association users get no scan screen and no
API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.portal.conftest import PDF, make_association, place, recipient_of, stocked
from wms.models import (
    AssociationDocument,
    AssociationRecipient,
    Contact,
    Order,
    OrderDocument,
    OrderStatus,
    ReviewStatus,
)
from wms.portal.documents import add_order_document
from wms.services import accounts
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


@dataclass
class Objects:
    order: Order
    document: OrderDocument
    recipient: AssociationRecipient
    association_document: AssociationDocument


def objects_of(contact: Contact) -> Objects:
    order = place(contact, [(stocked(20), 2)])
    document = add_order_document(
        order=order, kind="invoice", upload=SimpleUploadedFile("facture.pdf", PDF), user=None
    )
    association_document = accounts.add_association_document(
        association=contact,
        upload=accounts.Upload("statutes", SimpleUploadedFile("statuts.pdf", PDF)),
        actor=Actor(),
    )
    return Objects(order, document, recipient_of(contact), association_document)


@pytest.fixture
def mine(association: Contact) -> Objects:
    return objects_of(association)


@pytest.fixture
def theirs(db: None) -> Objects:
    contact, _user = make_association("Santé Sud", "bureau@sante-sud.example")
    return objects_of(contact)


# (url name, arguments from the objects) of the pages answering GET
PAGES: list[tuple[str, Any]] = [
    ("portal:dashboard", None),
    ("portal:order_new", None),
    ("portal:recipients", None),
    ("portal:account", None),
    ("portal:change_password", None),
    ("portal:order_detail", lambda o: [o.order.pk]),
    ("portal:order_edit", lambda o: [o.order.pk]),
    ("portal:order_summary", lambda o: [o.order.pk]),
    ("portal:order_document", lambda o: [o.order.pk, o.document.pk]),
    ("portal:recipient_edit", lambda o: [o.recipient.pk]),
    ("portal:association_document", lambda o: [o.association_document.pk]),
]
# the actions answering POST only
ACTIONS: list[tuple[str, Any]] = [
    ("portal:order_cancel", lambda o: [o.order.pk]),
    ("portal:order_resubmit", lambda o: [o.order.pk]),
    ("portal:order_document_upload", lambda o: [o.order.pk]),
    ("portal:recipient_deactivate", lambda o: [o.recipient.pk]),
    ("portal:recipient_reactivate", lambda o: [o.recipient.pk]),
    ("portal:association_document_upload", None),
]
# forms whose GET page is above and whose POST changes something
FORMS = [
    "portal:order_new",
    "portal:order_edit",
    "portal:recipients",
    "portal:recipient_edit",
    "portal:account",
    "portal:change_password",
]
WITH_ID = [(name, args) for name, args in PAGES + ACTIONS if args is not None]


def url(name: str, args: Any, objects: Objects) -> str:
    return reverse(name, args=args(objects) if args else None)


@pytest.mark.parametrize(("name", "args"), PAGES, ids=[name for name, _ in PAGES])
def test_an_association_user_opens_every_page(portal, mine, name, args):
    response = portal.get(url(name, args, mine))
    assert response.status_code == 200


@pytest.mark.parametrize(("name", "args"), PAGES + ACTIONS, ids=[n for n, _ in PAGES + ACTIONS])
def test_anonymous_visitors_are_sent_to_the_portal_login(client, mine, name, args):
    target = url(name, args, mine)
    method = client.post if (name, args) in ACTIONS else client.get
    response = method(target)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login") + "?next=")
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 0


@pytest.mark.parametrize("role", ["worker", "manager", "outsider"])
@pytest.mark.parametrize(("name", "args"), PAGES + ACTIONS, ids=[n for n, _ in PAGES + ACTIONS])
def test_staff_and_users_without_an_association_get_403(client, request, mine, role, name, args):
    client.force_login(request.getfixturevalue(role))
    target = url(name, args, mine)
    method = client.post if (name, args) in ACTIONS else client.get
    assert method(target).status_code == 403
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 0


@pytest.mark.parametrize(("name", "args"), WITH_ID, ids=[name for name, _ in WITH_ID])
def test_another_associations_ids_answer_404_to_get_and_post(portal, mine, theirs, name, args):
    target = url(name, args, theirs)
    if (name, args) in PAGES:
        assert portal.get(target).status_code == 404
    if (name, args) in ACTIONS or name in FORMS:
        assert portal.post(target, {"reason": "x", "name": "Pirate"}).status_code == 404
    theirs.order.refresh_from_db()
    theirs.recipient.refresh_from_db()
    assert theirs.order.status == OrderStatus.DRAFT
    assert theirs.order.review_status == ReviewStatus.PENDING
    assert theirs.recipient.is_active
    assert theirs.recipient.name != "Pirate"


def test_a_document_id_under_the_wrong_order_of_the_same_association_is_404(portal, mine):
    other_order = place(mine.order.association_contact, [(stocked(5), 1)])
    target = reverse("portal:order_document", args=[other_order.pk, mine.document.pk])
    assert portal.get(target).status_code == 404


def test_association_users_get_403_on_the_scan_app_and_the_api(portal):
    assert portal.get(reverse("scan:home")).status_code == 403
    assert portal.get("/api/v1/products/").status_code == 403


def test_post_forms_carry_a_csrf_token(portal, mine):
    for name in ("portal:order_new", "portal:recipients", "portal:account"):
        body = portal.get(reverse(name)).content.decode()
        assert 'name="csrfmiddlewaretoken"' in body
    body = portal.get(reverse("portal:order_detail", args=[mine.order.pk])).content.decode()
    assert body.count('name="csrfmiddlewaretoken"') >= 3  # resubmit/cancel/upload + sign-out


def test_an_action_without_the_csrf_token_is_refused(association_user, mine):
    client = Client(enforce_csrf_checks=True)
    client.force_login(association_user)
    response = client.post(reverse("portal:order_cancel", args=[mine.order.pk]))
    assert response.status_code == 403
    mine.order.refresh_from_db()
    assert mine.order.status == OrderStatus.DRAFT


def test_pages_answer_head_requests(client, portal):
    assert portal.head(reverse("portal:dashboard")).status_code == 200
    assert portal.head(reverse("portal:order_new")).status_code == 200
    assert Client().head(reverse("portal:login")).status_code == 200
