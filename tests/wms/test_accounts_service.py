"""Association accounts (S-ORDERS): account requests (checked, throttled per email and per client
address, a refused one never burning the slot), a manager's approval (the user, its profile, the
documents moved to the contact) or rejection, public-link orders (throttled the same way) and the
search for matching contacts. Which address is the client's is the view's concern
(wms.client_ip, TRUSTED_PROXY_COUNT): the service receives it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from tests.factories import ContactFactory, UserFactory
from tests.wms.test_orders_workflow import PDF, packable
from wms.models import (
    AccountRequestStatus,
    AssociationDocument,
    AssociationProfile,
    Contact,
    ContactAddress,
    IntegrationEvent,
    Order,
    OrderLine,
    PublicAccountRequest,
    PublicOrderLink,
    ThrottleSlot,
)
from wms.services import accounts, orders
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

IP, OTHER_IP = "198.51.100.1", "198.51.100.2"
TABLES = (
    PublicAccountRequest,
    AssociationDocument,
    AssociationProfile,
    User,
    Contact,
    ContactAddress,
    IntegrationEvent,
    ThrottleSlot,
    Order,
    OrderLine,
)


def world() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in TABLES}


def refused(match: str, operation: Any, **kwargs: Any) -> StockError:
    before = world()
    with pytest.raises(StockError, match=match) as caught:
        operation(**kwargs)
    assert world() == before
    return caught.value


def pdf(name: str = "statuts.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def data(**fields: Any) -> accounts.AccountRequestInput:
    values: dict[str, Any] = {
        "association_name": "Solidarité Kaya",
        "email": "Bureau@Solidarite-Kaya.example",
        "phone": "+226 70 00 00 01",
        "line1": "Secteur 5",
        "postal_code": "",
        "city": "Kaya",
        "country": "Burkina Faso",
        "notes": "Nous aidons le dispensaire.",
        **fields,
    }
    return accounts.AccountRequestInput(**values)


def submit(ip: str = IP, **fields: Any) -> PublicAccountRequest:
    return accounts.submit_account_request(data=data(**fields), client_ip=ip)


@pytest.fixture
def boss(manager) -> Actor:
    return Actor(user=manager)


# --- submit ----------------------------------------------------------------------------------


def test_a_request_is_saved_pending_with_its_documents_under_random_names():
    request = submit(
        documents=[
            accounts.Upload("statutes", pdf("C:\\Users\\bureau\\Statuts 2024.pdf")),
            accounts.Upload("registration", pdf("récépissé.png", b"\x89PNG\r\n\x1a\nxx")),
        ]
    )
    assert request.status == AccountRequestStatus.PENDING
    assert (request.association_name, request.email, request.city) == (
        "Solidarité Kaya",
        "Bureau@Solidarite-Kaya.example",
        "Kaya",
    )
    documents = list(request.documents.order_by("pk"))
    assert [(d.kind, d.original_name) for d in documents] == [
        ("statutes", "Statuts 2024.pdf"),
        ("registration", "récépissé.png"),
    ]
    for document in documents:
        assert document.association is None and document.status == "pending"
        assert "Statuts" not in document.file.name and document.file.name.endswith((".pdf", ".png"))
    assert accounts.pending_account_requests() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"association_name": "  "}, "le nom de l'association"),
        ({"email": "pas-une-adresse"}, "Adresse e-mail invalide"),
        ({"email": ""}, "Adresse e-mail invalide"),
        ({"city": "x" * 121}, "La ville : 120 caractères au plus"),
        ({"notes": "x" * 4001}, "Le message : 4000 caractères au plus"),
        ({"documents": [accounts.Upload("statutes", pdf("virus.exe"))]}, "Type de fichier refusé"),
        ({"documents": [accounts.Upload("statutes", pdf("faux.pdf", b"MZ..."))]}, "PDF"),
        ({"documents": [accounts.Upload("passport", pdf())]}, "Type de document inconnu"),
        ({"documents": [accounts.Upload("other", pdf()) for _ in range(11)]}, "10 documents"),
    ],
)
def test_a_bad_request_is_refused_with_a_clear_message_and_nothing_saved(fields, message):
    refused(message, submit, **fields)


def test_a_request_through_an_expired_or_inactive_link_is_refused():
    expired = PublicOrderLink.objects.create(
        label="Ancien", expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    inactive = PublicOrderLink.objects.create(label="Coupé", is_active=False)
    for link in (expired, inactive):
        refused(
            "n'est plus valable",
            accounts.submit_account_request,
            data=data(),
            client_ip=IP,
            public_link=link,
        )
    live = PublicOrderLink.objects.create(label="Actif")
    request = accounts.submit_account_request(data=data(), client_ip=IP, public_link=live)
    assert request.public_link == live


# --- throttle --------------------------------------------------------------------------------


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300)
def test_one_request_per_email_and_per_address_per_window():
    submit()
    error = refused("réessayez dans 5 minute", submit, ip=OTHER_IP)  # same email
    assert isinstance(error, accounts.Throttled) and error.code == "throttled"
    assert 290 <= error.seconds <= 300
    refused("réessayez dans", submit, email="autre@example.org")  # same address
    submit(ip=OTHER_IP, email="autre@example.org")
    assert PublicAccountRequest.objects.count() == 2


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300)
def test_the_email_throttle_ignores_case_and_spaces():
    submit(email="bureau@kaya.example")
    refused("réessayez", submit, ip=OTHER_IP, email="  BUREAU@Kaya.example ")


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300)
def test_a_refused_request_does_not_burn_the_slot():
    refused("Type de fichier refusé", submit, documents=[accounts.Upload("other", pdf("a.txt"))])
    refused("Adresse e-mail invalide", submit, email="nope")
    submit()  # the same email, the same address: accepted at once
    assert PublicAccountRequest.objects.count() == 1


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300)
def test_the_window_ends():
    submit()
    ThrottleSlot.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    submit()
    assert PublicAccountRequest.objects.count() == 2


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=0)
def test_zero_disables_the_throttle():
    for _ in range(3):
        submit()
    assert PublicAccountRequest.objects.count() == 3
    assert not ThrottleSlot.objects.exists()


@override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300)
def test_an_empty_client_address_is_throttled_by_email_only():
    submit(ip="")
    submit(ip="", email="autre@example.org")
    refused("réessayez", submit, ip="")


# --- approve and reject ----------------------------------------------------------------------


def test_approval_makes_a_portal_user_named_by_the_lowercased_email(boss):
    request = submit(documents=[accounts.Upload("statutes", pdf())])

    user = accounts.approve_account_request(request=request, actor=boss)

    assert user.username == "bureau@solidarite-kaya.example"
    assert user.email == "Bureau@solidarite-kaya.example"  # Django lowercases the domain
    assert not user.has_usable_password()
    assert user.is_active and not user.is_staff and not user.groups.exists()
    contact = user.association_profile.contact
    assert (contact.name, contact.email, contact.phone) == (
        "Solidarité Kaya",
        "Bureau@Solidarite-Kaya.example",
        "+226 70 00 00 01",
    )
    address = contact.addresses.get()
    assert (address.line1, address.city, address.country) == ("Secteur 5", "Kaya", "Burkina Faso")
    assert address.is_default
    document = AssociationDocument.objects.get()
    assert document.association == contact and document.account_request == request
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.APPROVED
    assert (request.contact, request.user, request.decided_by) == (contact, user, boss.user)
    assert request.decided_at is not None
    assert accounts.pending_account_requests() == 0


def test_approval_with_a_chosen_contact_links_it_without_changing_it(boss):
    existing = ContactFactory(name="Solidarité Kaya (ancienne fiche)", email="old@kaya.example")
    before = list(Contact.objects.filter(pk=existing.pk).values())
    request = submit(documents=[accounts.Upload("statutes", pdf())])

    user = accounts.approve_account_request(request=request, actor=boss, contact=existing)

    assert user.association_profile.contact == existing
    assert list(Contact.objects.filter(pk=existing.pk).values()) == before
    assert not existing.addresses.exists()
    assert AssociationDocument.objects.get().association == existing
    assert Contact.objects.count() == 1


def test_a_request_without_a_full_address_makes_a_contact_without_address(boss):
    request = submit(city="", country="", line1="")
    user = accounts.approve_account_request(request=request, actor=boss)
    assert not user.association_profile.contact.addresses.exists()


@pytest.mark.parametrize(
    "taken", ["bureau@solidarite-kaya.example", "BUREAU@solidarite-kaya.EXAMPLE"]
)
def test_an_email_already_used_by_an_account_is_refused(boss, taken):
    UserFactory(username="ancien", email=taken)
    request = submit()
    refused("Un compte existe déjà", accounts.approve_account_request, request=request, actor=boss)


def test_a_username_already_taken_is_refused(boss):
    UserFactory(username="bureau@solidarite-kaya.example", email="x@example.org")
    request = submit()
    refused("Un compte existe déjà", accounts.approve_account_request, request=request, actor=boss)


def test_rejection_keeps_the_reason_and_makes_no_account(boss):
    request = submit()
    accounts.reject_account_request(request=request, actor=boss, comment="  Hors périmètre ")
    request.refresh_from_db()
    assert request.status == AccountRequestStatus.REJECTED
    assert request.decision_comment == "Hors périmètre" and request.decided_by == boss.user
    assert not User.objects.filter(email__iexact=request.email).exists()


def test_a_request_is_decided_once(boss):
    approved, rejected = submit(), submit(ip=OTHER_IP, email="autre@example.org")
    accounts.approve_account_request(request=approved, actor=boss)
    accounts.reject_account_request(request=rejected, actor=boss)
    for request in (approved, rejected):
        refused("déjà été traitée", accounts.approve_account_request, request=request, actor=boss)
        refused("déjà été traitée", accounts.reject_account_request, request=request, actor=boss)


def test_only_a_manager_decides_a_request(worker):
    request = submit()
    for actor in (Actor(user=worker), Actor()):
        refused(
            "Seul un responsable", accounts.approve_account_request, request=request, actor=actor
        )
        refused(
            "Seul un responsable", accounts.reject_account_request, request=request, actor=actor
        )


def test_association_documents_are_checked_and_stored(boss):
    contact = ContactFactory()
    document = accounts.add_association_document(
        association=contact,
        upload=accounts.Upload("activity_report", pdf("rapport.pdf")),
        actor=boss,
    )
    assert (document.association, document.kind, document.original_name) == (
        contact,
        "activity_report",
        "rapport.pdf",
    )
    assert document.uploaded_by == boss.user
    with pytest.raises(StockError, match="Type de document inconnu"):
        accounts.add_association_document(
            association=contact, upload=accounts.Upload("passport", pdf()), actor=boss
        )
    with pytest.raises(StockError, match="est vide"):
        accounts.add_association_document(
            association=contact, upload=accounts.Upload("other", pdf(content=b"")), actor=boss
        )
    assert AssociationDocument.objects.count() == 1


# --- orders through a public link ------------------------------------------------------------


@pytest.fixture
def link() -> PublicOrderLink:
    return PublicOrderLink.objects.create(label="Partenaires")


def public_order(link: PublicOrderLink, ip: str = IP, quantity: Any = 2, **identity: str) -> Order:
    typed = {"name": "Espoir", "email": "espoir@example.org", **identity}
    return accounts.submit_public_order(
        link=link,
        identity=accounts.Identity(**typed),
        lines=[orders.LineInput(PRODUCT[0], quantity)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        client_ip=ip,
    )


PRODUCT: list[Any] = []


@pytest.fixture(autouse=True)
def product(db) -> None:
    PRODUCT[:] = [packable(10, name="Compresses")]


def test_a_public_order_keeps_the_typed_identity_and_touches_no_contact(link):
    ContactFactory(name="Espoir", email="espoir@example.org")
    contacts = list(Contact.objects.values())
    order = public_order(link, phone=" +261 34 ", contact_name=" Voahangy ")
    assert order.association_contact is None and order.public_link == link
    assert order.submitted_identity == {
        "name": "Espoir",
        "email": "espoir@example.org",
        "phone": "+261 34",
        "contact_name": "Voahangy",
    }
    assert order.recipient_name == "Espoir"
    assert list(Contact.objects.values()) == contacts


@override_settings(PUBLIC_ORDER_THROTTLE_SECONDS=300)
def test_public_orders_are_throttled_per_email_and_per_address(link):
    public_order(link)
    refused("réessayez dans 5 minute", public_order, link=link, ip=OTHER_IP)
    refused("réessayez", public_order, link=link, email="autre@example.org")
    public_order(link, ip=OTHER_IP, email="autre@example.org")
    assert Order.objects.count() == 2


@override_settings(PUBLIC_ORDER_THROTTLE_SECONDS=300)
def test_a_refused_public_order_does_not_burn_the_slot(link):
    refused("doit être au moins 1", public_order, link=link, quantity=0)
    refused("Adresse e-mail invalide", public_order, link=link, email="nope")
    refused("le nom de l'association", public_order, link=link, name=" ")
    public_order(link)
    assert Order.objects.count() == 1


@override_settings(PUBLIC_ORDER_THROTTLE_SECONDS=0)
def test_zero_disables_the_public_order_throttle(link):
    public_order(link)
    public_order(link)
    assert Order.objects.count() == 2


def test_an_account_request_and_a_public_order_have_separate_windows(link):
    with override_settings(ACCOUNT_REQUEST_THROTTLE_SECONDS=300, PUBLIC_ORDER_THROTTLE_SECONDS=300):
        submit(email="espoir@example.org")
        public_order(link)


def test_a_public_order_through_a_dead_link_is_refused(link):
    link.is_active = False
    link.save()
    refused("n'est plus valable", public_order, link=link)
    link.is_active = True
    link.expires_at = timezone.now() - dt.timedelta(seconds=1)
    link.save()
    refused("n'est plus valable", public_order, link=link)


# --- matching contacts -----------------------------------------------------------------------


def test_matching_contacts_by_email_or_by_name_without_accents_or_case():
    by_email = ContactFactory(name="Autre nom", email="ESPOIR@example.org")
    by_name = ContactFactory(name="Association Espoir Ménabé")
    ContactFactory(name="Association Espoir")  # only part of the name: not the same
    found = accounts.matching_contacts("association espoir menabe", "espoir@example.org")
    assert set(found) == {by_email, by_name}
    assert accounts.matching_contacts("Association Espoir Ménabé", "")[0] == by_name
    assert accounts.matching_contacts("Inconnue", "") == []
