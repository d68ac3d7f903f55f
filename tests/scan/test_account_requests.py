"""Account requests on the managers' screens (S-ORDERS, S-ROLES): the list (pending first), one
request with its documents and the contacts it may be, approval (user, association profile and
set-password email; an email already in use refused) or rejection, applied once; and the banner
that tells managers — only them — how many requests wait."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.factories import ContactFactory, UserFactory
from wms.models import (
    AccountRequestStatus,
    AssociationDocument,
    AssociationProfile,
    Contact,
    IntegrationEvent,
    PublicAccountRequest,
)
from wms.services import accounts

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def set_password_link(monkeypatch: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    try:
        reverse("portal:set_password", args=["MQ", "token"])
    except NoReverseMatch:  # the portal is built by another change: a stand-in link meanwhile
        monkeypatch.setattr(accounts, "set_password_url", lambda user: "https://x/set/")


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def make_request(name: str = "Santé Sud", email: str = "contact@santesud.org", **fields: Any):
    request = PublicAccountRequest.objects.create(
        association_name=name,
        email=email,
        phone="+33 4 00 00 00 00",
        line1="3 rue du Port",
        city="Marseille",
        country="France",
        **fields,
    )
    document = AssociationDocument(
        account_request=request, kind="statutes", original_name="statuts.pdf"
    )
    document.file.save("statuts.pdf", SimpleUploadedFile("statuts.pdf", PDF))
    return request


def detail(request: PublicAccountRequest) -> str:
    return reverse("scan:account_request", args=[request.pk])


def approve_url(request: PublicAccountRequest) -> str:
    return reverse("scan:account_request_approve", args=[request.pk])


def reject_url(request: PublicAccountRequest) -> str:
    return reverse("scan:account_request_reject", args=[request.pk])


def emails(tag: str) -> list[IntegrationEvent]:
    return [event for event in IntegrationEvent.objects.all() if tag in event.payload["tags"]]


def association_user() -> User:
    user = UserFactory(username="asso@example.org")
    AssociationProfile.objects.create(user=user, contact=ContactFactory(name="Asso"))
    return user


# --- roles --------------------------------------------------------------------------------------


def urls(request: PublicAccountRequest) -> list[str]:
    document = request.documents.get()
    return [
        reverse("scan:account_requests"),
        detail(request),
        reverse("scan:association_document_file", args=[document.pk]),
    ]


def test_managers_open_the_account_request_screens(client, manager):
    request = make_request()
    client.force_login(manager)
    for url in urls(request):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["worker", "association"])
def test_workers_and_association_users_are_refused(client, worker, role):
    request = make_request()
    client.force_login(worker if role == "worker" else association_user())
    for url in urls(request):
        assert client.get(url).status_code == 403, url
    data = {"op_id": str(uuid.uuid4()), "contact": "new"}
    assert client.post(approve_url(request), data).status_code == 403
    assert client.post(reject_url(request), data).status_code == 403
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.PENDING


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    request = make_request()
    for url in [*urls(request), approve_url(request), reject_url(request)]:
        response = (
            client.get(url) if "approve" not in url and "reject" not in url else client.post(url)
        )
        assert response.status_code == 302 and "/scan/login/" in response["Location"], url


# --- list and detail ----------------------------------------------------------------------------


def test_the_list_shows_pending_requests_first(client, manager):
    waiting = make_request("Attente")
    decided = make_request("Décidée", email="d@example.org")
    decided.status = AccountRequestStatus.REJECTED
    decided.save()
    newer = PublicAccountRequest.objects.create(association_name="Récente", email="r@example.org")
    newer.status = AccountRequestStatus.APPROVED
    newer.save()
    client.force_login(manager)
    page = text(client.get(reverse("scan:account_requests")))
    assert page.index("Attente") < page.index("Décidée") and page.index("Attente") < page.index(
        "Récente"
    )
    assert waiting.association_name in page


def test_the_detail_suggests_contacts_with_the_same_email_or_name(client, manager):
    request = make_request()
    by_email = ContactFactory(name="SANTE SUD asso", email="CONTACT@santesud.org")
    by_name = ContactFactory(name="Santé  sud")
    unrelated = ContactFactory(name="Autre chose")
    client.force_login(manager)
    page = text(client.get(detail(request)))
    assert f'name="contact" value="{by_email.pk}"' in page
    assert f'name="contact" value="{by_name.pk}"' in page
    assert f'value="{unrelated.pk}"' not in page
    assert "statuts.pdf" in page
    searched = text(client.get(detail(request), {"q": "Autre"}))
    assert f'name="contact" value="{unrelated.pk}"' in searched


# --- approve ------------------------------------------------------------------------------------


def test_approving_creates_the_user_its_profile_and_queues_the_email(client, manager):
    request = make_request(email="Contact@SanteSud.org")
    client.force_login(manager)
    response = client.post(approve_url(request), {"op_id": str(uuid.uuid4()), "contact": "new"})
    assert response.status_code == 303 and response["Location"] == detail(request)
    request.refresh_from_db()
    user = User.objects.get(username="contact@santesud.org")
    assert not user.has_usable_password()
    profile = user.association_profile
    assert profile.contact.name == "Santé Sud" and request.contact == profile.contact
    assert request.status == AccountRequestStatus.APPROVED and request.decided_by == manager
    assert [event.payload["recipients"] for event in emails("account_approved")] == [
        ["Contact@SanteSud.org"]
    ]
    assert request.documents.get().association == profile.contact


def test_approving_with_an_existing_contact_links_the_account_to_it(client, manager):
    request = make_request()
    existing = ContactFactory(name="Santé Sud", email="autre@santesud.org", phone="04")
    before = Contact.objects.filter(pk=existing.pk).values().get()
    client.force_login(manager)
    response = client.post(
        approve_url(request), {"op_id": str(uuid.uuid4()), "contact": existing.pk}
    )
    assert response.status_code == 303
    assert User.objects.get(username="contact@santesud.org").association_profile.contact == existing
    assert Contact.objects.filter(pk=existing.pk).values().get() == before


def test_an_email_that_already_has_an_account_is_refused(client, manager):
    UserFactory(username="someone", email="contact@santesud.org")
    request = make_request()
    client.force_login(manager)
    response = client.post(approve_url(request), {"op_id": str(uuid.uuid4()), "contact": "new"})
    assert response.status_code == 200 and "Un compte existe déjà" in text(response)
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.PENDING
    assert not AssociationProfile.objects.exists() and not emails("account_approved")
    assert not Contact.objects.filter(name="Santé Sud").exists()


def test_an_explicit_contact_choice_is_required(client, manager):
    request = make_request()
    client.force_login(manager)
    for choice in ("", "abc", "999999"):
        response = client.post(
            approve_url(request), {"op_id": str(uuid.uuid4()), "contact": choice}
        )
        assert response.status_code == 200 and 'role="alert"' in response.content.decode(), choice
    assert not User.objects.filter(username="contact@santesud.org").exists()


def test_a_double_submit_creates_one_account(client, manager):
    request = make_request()
    data = {"op_id": str(uuid.uuid4()), "contact": "new"}
    client.force_login(manager)
    assert client.post(approve_url(request), data).status_code == 303
    assert client.post(approve_url(request), data).status_code == 303
    assert User.objects.filter(username="contact@santesud.org").count() == 1
    assert len(emails("account_approved")) == 1


# --- reject -------------------------------------------------------------------------------------


def test_rejecting_tells_the_requester(client, manager):
    request = make_request()
    client.force_login(manager)
    response = client.post(
        reject_url(request), {"op_id": str(uuid.uuid4()), "comment": "Hors périmètre"}
    )
    assert response.status_code == 303
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.REJECTED
    assert request.decision_comment == "Hors périmètre"
    assert emails("account_rejected") and not User.objects.filter(email=request.email).exists()
    page = text(client.get(detail(request)))
    assert "data-approve-form" not in page and "Hors périmètre" in page


def test_a_decided_request_cannot_be_decided_again(client, manager):
    request = make_request()
    accounts.reject_account_request(request=request, actor=_actor(manager))
    client.force_login(manager)
    response = client.post(approve_url(request), {"op_id": str(uuid.uuid4()), "contact": "new"})
    assert response.status_code == 200 and "déjà été traitée" in text(response)
    assert not AssociationProfile.objects.exists()


def _actor(user: User) -> Any:
    from wms.services.stock import Actor

    return Actor(user=user)


# --- the banner -----------------------------------------------------------------------------------


def test_managers_see_the_number_of_pending_requests(client, manager):
    make_request()
    make_request("Deux", email="deux@example.org")
    client.force_login(manager)
    page = text(client.get(reverse("scan:home")))
    assert "data-pending-banner" in page and "2" in page.split("data-pending-banner")[1][:200]
    assert reverse("scan:account_requests") in page.split("data-pending-banner")[1][:300]
    admin = text(client.get("/admin/"))
    assert "data-pending-banner" in admin


def test_workers_never_see_the_banner(client, worker):
    make_request()
    client.force_login(worker)
    assert "data-pending-banner" not in text(client.get(reverse("scan:home")))


def test_no_banner_without_pending_requests(client, manager):
    request = make_request()
    request.status = AccountRequestStatus.REJECTED
    request.save()
    client.force_login(manager)
    assert "data-pending-banner" not in text(client.get(reverse("scan:home")))
    assert "data-pending-banner" not in text(client.get("/admin/"))


# --- query budgets --------------------------------------------------------------------------------


def queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


def test_the_list_and_detail_cost_the_same_queries_whatever_their_size(client, manager):
    client.force_login(manager)
    first = make_request()
    ContactFactory(name="Santé Sud", email="first@example.org")  # one suggestion already
    small_list, small_detail = (
        queries(client, reverse("scan:account_requests")),
        queries(client, detail(first)),
    )
    for index in range(12):
        make_request(f"Asso {index}", email=f"a{index}@example.org")
        ContactFactory(name="Santé Sud", email=f"c{index}@example.org")
    for _ in range(5):
        document = AssociationDocument(account_request=first, kind="other", original_name="x.pdf")
        document.file.save("x.pdf", SimpleUploadedFile("x.pdf", PDF))
    large_list, large_detail = (
        queries(client, reverse("scan:account_requests")),
        queries(client, detail(first)),
    )
    assert (small_list, small_detail) == (large_list, large_detail)
    assert large_list <= 12 and large_detail <= 14
