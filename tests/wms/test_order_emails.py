"""Emails of orders and association accounts (S-EMAIL, acceptance 7): each one is queued by its
trigger, in the same transaction, to the right people, in French whatever the active language.

The payload shape is wms.emailing.queue's: subject, message, recipients, tags (the template's
name first)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import NoReverseMatch, resolve, reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from tests.factories import UserFactory, manager
from tests.shipping_helpers import Scene, scene
from tests.wms.test_orders_workflow import (
    PDF,
    address_book_entry,
    association,
    emails,
    packable,
    place,
    portal_actor,
)
from wms.models import (
    AssociationProfile,
    Contact,
    IntegrationEvent,
    Order,
    Product,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.services import accounts, orders, shipping
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

BASE = "https://wms.example.org"
ASSOCIATION = [
    "contact@lesamisdetana.example",
    "lesamisdetana@example.org",
    "tresorier@amis-tana.example",
    "logistique@amis-tana.example",
]


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_BASE_URL = BASE
    settings.ORG_NAME = "Aviation Sans Frontières"


@pytest.fixture
def managers(manager) -> list[str]:
    second = manager_user("responsable-2")
    manager_user("responsable-parti", is_active=False)  # an inactive manager gets nothing
    return sorted([manager.email, second.email])


def manager_user(username: str, **fields: Any) -> User:
    return manager(username=username, **fields)


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def asso() -> Contact:
    return association(
        notification_emails="tresorier@amis-tana.example\nlogistique@amis-tana.example"
    )


@pytest.fixture
def product() -> Product:
    return packable(50, name="Compresses stériles")


def only(name: str) -> dict[str, Any]:
    """The one email built from template `name`."""
    found = emails(name)
    assert len(found) == 1, (name, found)
    return found[0]


def approve(order: Order, sc: Scene, **approval: Any) -> Order:
    return orders.approve(
        order=order,
        approval=orders.Approval(destination=sc.destination, **approval),
        actor=sc.actor,
    )


def link_in(message: str) -> str:
    found = re.findall(rf"{re.escape(BASE)}/\S+", message)
    assert found, message
    return found[0]


def set_password_route_exists() -> bool:
    try:
        reverse("portal:set_password", args=["MQ", "token"])
    except NoReverseMatch:
        return False
    return True


# --- orders ----------------------------------------------------------------------------------


def test_a_new_order_tells_the_managers_and_confirms_to_the_association(managers, asso, product):
    with translation.override("en"):
        order = place(asso, [(product, 12)], recipient=address_book_entry(asso))

    new = only("order_new")
    assert sorted(new["recipients"]) == managers
    assert new["subject"] == (
        f"[Aviation Sans Frontières] Nouvelle commande {order.reference} de Les Amis de Tana"
    )
    assert "Les Amis de Tana a passé la commande" in new["message"]
    assert "12 × Compresses stériles" in new["message"]
    assert f"{BASE}/scan/orders-view/" in new["message"]

    confirmation = only("order_confirmation")
    assert confirmation["recipients"] == ASSOCIATION
    assert "Nous avons bien reçu votre commande" in confirmation["message"]
    assert "Livraison : Antananarivo, Madagascar" in confirmation["message"]


def test_a_public_link_order_is_confirmed_to_the_typed_email(managers, product):
    link = PublicOrderLink.objects.create(label="Partenaires Madagascar")
    accounts.submit_public_order(
        link=link,
        identity=accounts.Identity(name="Espoir", email="espoir@example.org"),
        lines=[orders.LineInput(product, 2)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        client_ip="203.0.113.9",
    )
    assert only("order_confirmation")["recipients"] == ["espoir@example.org"]
    new = only("order_new")
    assert "lien public « Partenaires Madagascar »" in new["message"]
    assert "l'identité saisie est à confirmer" in new["message"]


def test_approval_emails_the_association_with_the_lowered_quantities(managers, asso, product, sc):
    order = place(asso, [(product, 12)])
    line = order.lines.get()
    with translation.override("en"):
        approve(order, sc, lowered={line.pk: 8})

    email = only("order_approved")
    assert email["recipients"] == ASSOCIATION
    assert email["subject"] == (
        f"[Aviation Sans Frontières] Votre commande {order.reference} est validée"
    )
    assert "Compresses stériles : 8 au lieu de 12" in email["message"]
    assert "8 × Compresses stériles" in email["message"]
    assert "Antananarivo" in email["message"]


def test_a_rejection_emails_the_association_its_reason(managers, asso, product, sc):
    order = orders.reject(order=place(asso, [(product, 1)]), actor=sc.actor, comment="Hors zone")
    email = only("order_rejected")
    assert email["recipients"] == ASSOCIATION
    assert f"Votre commande {order.reference} n'est pas retenue" in email["subject"]
    assert "Motif : Hors zone" in email["message"]


def test_a_request_for_changes_emails_the_association_the_comment_and_its_link(
    managers, asso, product, sc
):
    order = place(asso, [(product, 1)])
    orders.request_changes(order=order, actor=sc.actor, comment="Précisez la date")
    email = only("order_changes_requested")
    assert email["recipients"] == ASSOCIATION
    assert "est à modifier" in email["subject"]
    assert "Précisez la date" in email["message"]
    assert f"{BASE}/portal/orders/{order.pk}/" in email["message"]


def test_a_resubmitted_order_tells_the_managers_again(managers, asso, product, sc):
    order = place(asso, [(product, 1)])
    orders.request_changes(order=order, actor=sc.actor, comment="Précisez")
    orders.resubmit(order=order, actor=portal_actor(asso))
    resubmitted = emails("order_new")[-1]
    assert sorted(resubmitted["recipients"]) == managers
    assert resubmitted["subject"].startswith("[Aviation Sans Frontières] Commande modifiée")


def test_a_cancellation_by_the_association_tells_the_managers(managers, asso, product):
    order = place(asso, [(product, 1)])
    orders.cancel(order=order, actor=portal_actor(asso), reason="Plus besoin")
    email = only("order_cancelled")
    assert sorted(email["recipients"]) == managers
    assert "annulée par l'association" in email["message"]
    assert "Motif : Plus besoin" in email["message"]


def test_a_cancellation_by_a_manager_tells_the_managers_and_the_association(
    managers, asso, product, sc
):
    order = approve(place(asso, [(product, 1)]), sc)
    orders.cancel(order=order, actor=sc.actor, reason="Vol annulé")
    sent = emails("order_cancelled")
    assert [sorted(email["recipients"]) for email in sent] == [managers, sorted(ASSOCIATION)]
    assert all("annulée par un responsable" in email["message"] for email in sent)
    assert all("Les réservations de stock sont libérées" in email["message"] for email in sent)


def test_the_association_follows_its_order_shipment(managers, asso, product, sc):
    order = approve(place(asso, [(product, 3)]), sc)
    orders.prepare(order=order, actor=sc.actor)
    shipment = Order.objects.get(pk=order.pk).shipment

    ready = only("order_shipment_ready")
    assert ready["recipients"] == ASSOCIATION
    assert f"Commande {order.reference} : expédition prête" in ready["subject"]
    assert "Les 1 carton de votre commande" in ready["message"]
    assert f"{BASE}/scan/" in ready["message"]  # the public tracking page

    shipping.set_flight(shipment=shipment, actor=sc.actor, flight_number="AF 934")
    shipping.ship(shipment=shipment, actor=sc.actor)
    shipped = only("order_shipment_shipped")
    assert shipped["recipients"] == ASSOCIATION
    assert f"Votre commande {order.reference} est partie vers" in shipped["message"]
    assert "Vol : AF 934" in shipped["message"]

    shipping.deliver(shipment=shipment, actor=sc.actor)
    delivered = only("order_shipment_delivered")
    assert delivered["recipients"] == ASSOCIATION
    assert f"Commande {order.reference} : livrée" in delivered["subject"]


def test_a_shipment_without_order_emails_no_association(managers, sc):
    shipment = sc.packed_shipment(cartons=1, units=2)
    shipping.ship(shipment=shipment, actor=sc.actor)
    for name in ("order_shipment_ready", "order_shipment_shipped"):
        assert emails(name) == []


# --- account requests ------------------------------------------------------------------------


def request_data(**fields: Any) -> accounts.AccountRequestInput:
    values: dict[str, Any] = {
        "association_name": "Solidarité Kaya",
        "email": "bureau@solidarite-kaya.example",
        "city": "Kaya",
        "country": "Burkina Faso",
        "line1": "Secteur 5",
        "notes": "Nous aidons le dispensaire.",
        **fields,
    }
    return accounts.AccountRequestInput(**values)


def test_an_account_request_is_acknowledged_and_announced_to_the_managers(managers):
    with translation.override("en"):
        accounts.submit_account_request(
            data=request_data(
                documents=[accounts.Upload("statutes", SimpleUploadedFile("s.pdf", PDF))]
            ),
            client_ip="198.51.100.1",
        )

    received = only("account_request_received")
    assert received["recipients"] == ["bureau@solidarite-kaya.example"]
    assert (
        received["subject"] == "[Aviation Sans Frontières] Votre demande de compte est bien reçue"
    )
    assert "Nous avons bien reçu la demande de compte de Solidarité Kaya" in received["message"]

    new = only("account_request_new")
    assert sorted(new["recipients"]) == managers
    assert "Nouvelle demande de compte : Solidarité Kaya" in new["subject"]
    assert "Adresse : Secteur 5" in new["message"]
    assert f"{BASE}/scan/account-requests/" in new["message"]


def test_an_approved_account_gets_a_working_set_password_link(managers, manager):
    if not set_password_route_exists():
        pytest.fail("portal:set_password is not routed yet (wms/portal/urls.py)")
    request = accounts.submit_account_request(data=request_data(), client_ip="198.51.100.1")
    user = accounts.approve_account_request(request=request, actor=Actor(user=manager))

    email = only("account_approved")
    assert email["recipients"] == ["bureau@solidarite-kaya.example"]
    assert email["subject"] == "[Aviation Sans Frontières] Votre compte est ouvert"
    assert (
        "Votre identifiant est votre adresse e-mail : bureau@solidarite-kaya.example"
        in (email["message"])
    )
    url = link_in(email["message"])
    match = resolve(urlsplit(url).path)
    assert match.view_name == "portal:set_password"
    uid = force_str(urlsafe_base64_decode(match.kwargs["uidb64"]))
    assert uid == str(user.pk)
    assert default_token_generator.check_token(user, match.kwargs["token"])
    assert f"{BASE}/portal/login/" in email["message"]


def test_a_rejected_account_request_is_told_why(managers, manager):
    request = accounts.submit_account_request(data=request_data(), client_ip="198.51.100.1")
    accounts.reject_account_request(
        request=request, actor=Actor(user=manager), comment="Association hors périmètre"
    )
    email = only("account_rejected")
    assert email["recipients"] == ["bureau@solidarite-kaya.example"]
    assert (
        "Nous ne pouvons pas donner suite à la demande de compte de Solidarité Kaya"
        in (email["message"])
    )
    assert "Motif : Association hors périmètre" in email["message"]


def test_a_forgotten_password_link_goes_to_the_association_user_only(managers):
    if not set_password_route_exists():
        pytest.fail("portal:set_password is not routed yet (wms/portal/urls.py)")
    contact = association()
    user = contact.association_profiles.get().user
    UserFactory(username="benevole", email="benevole@example.org")  # staff-side, no profile

    assert accounts.send_password_reset("  LesAmisDeTana@example.org ")
    assert not accounts.send_password_reset("benevole@example.org")
    assert not accounts.send_password_reset("inconnu@example.org")
    assert not accounts.send_password_reset("")

    email = only("portal_password_reset")
    assert email["recipients"] == [user.email]
    assert email["subject"] == "[Aviation Sans Frontières] Choisir un nouveau mot de passe"
    match = resolve(urlsplit(link_in(email["message"])).path)
    assert match.view_name == "portal:set_password"
    assert default_token_generator.check_token(user, match.kwargs["token"])


def test_an_inactive_association_user_gets_no_reset_link():
    contact = association()
    User.objects.filter(association_profile__contact=contact).update(is_active=False)
    assert not accounts.send_password_reset("lesamisdetana@example.org")
    assert not IntegrationEvent.objects.exists()


@override_settings(SITE_BASE_URL="")
def test_emails_are_queued_even_without_a_site_address(managers, asso, product):
    place(asso, [(product, 1)])
    assert only("order_confirmation")["recipients"] == ASSOCIATION
    assert "À valider : /scan/orders-view/" in only("order_new")["message"]


def test_an_association_with_no_address_at_all_gets_no_email_but_the_order_is_saved(product):
    contact = association(email="", with_user=False)
    Contact.objects.filter(pk=contact.pk).update(email="")
    contact.refresh_from_db()
    order = place(contact, [(product, 1)])
    assert Order.objects.filter(pk=order.pk).exists()
    assert emails("order_confirmation") == []


def test_no_profile_needed_for_the_emails_of_a_staff_order(sc, product):
    contact = association(with_user=False)
    order = orders.submit_order(
        lines=[orders.LineInput(product, 1)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        actor=sc.actor,
        association=contact,
        staff=True,
    )
    assert only("order_confirmation")["recipients"] == [contact.email]
    assert not AssociationProfile.objects.exists()
    assert not PublicAccountRequest.objects.exists()
    assert order.created_by == sc.actor.user
