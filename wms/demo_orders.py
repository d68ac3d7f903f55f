"""The orders part of `seed_demo` (S-ORDERS): two partner associations with their portal users
(`asso1`, `asso2`) and address books, a public order link, a pending account request, and
orders in every review status — pending, approved and reserved, approved and prepared into a
shipment, rejected, changes requested, cancelled — plus one placed through the public link.

Everything after the master data goes through wms.services.orders / accounts, as the portal and
a manager would do it: reservations, cartons and the shipment come from the services, so the
ledger and the reservation counters agree. The orders are seeded once (DEMO_ORDER_NOTE marks
them), in one savepoint: stock used up on this machine skips them all, a later run adds them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from wms.models import (
    AssociationProfile,
    AssociationRecipient,
    Contact,
    ContactAddress,
    Destination,
    Order,
    OrderDocument,
    OrderDocumentKind,
    OrderStatus,
    Product,
    PublicAccountRequest,
    PublicOrderLink,
    ReviewStatus,
)
from wms.models.orders import DocumentStatus
from wms.roles import MANAGER_GROUP
from wms.services import accounts, orders
from wms.services.contacts import set_default_address
from wms.services.errors import StockError
from wms.services.stock import Actor
from wms.text import fold_key

DEMO_ORDER_NOTE = "Commande de démonstration"
DEMO_LINK_LABEL = "Lien partenaires (démonstration)"
MANAGER_USERNAME = "responsable"
# A minimal PDF: the demo attestation copied to the prepared order's shipment.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class DemoRecipient(NamedTuple):
    name: str
    line1: str
    city: str
    country: str
    phone: str = ""


class DemoAssociation(NamedTuple):
    username: str  # the demo portal login; real accounts use the email as username
    name: str
    email: str
    phone: str
    address: tuple[str, str, str, str]  # line 1, postal code, city, country
    notification_emails: str
    recipients: tuple[DemoRecipient, ...]


ASSOCIATIONS = [
    DemoAssociation(
        "asso1",
        "Les Amis de Kati",
        "asso1@example.org",
        "+223 76 11 22 33",
        ("Quartier Malibougou", "", "Kati", "Mali"),
        "tresorier@amis-kati.example",
        (
            DemoRecipient("CSCOM de Kati Koko", "Route de Koko", "Kati", "Mali"),
            DemoRecipient("Maternité de Kati", "Rue du Marché", "Kati", "Mali", "+223 76 00 11 00"),
        ),
    ),
    DemoAssociation(
        "asso2",
        "Solidarité Jacmel",
        "asso2@example.org",
        "+509 37 00 11 22",
        ("Rue du Commerce", "HT9110", "Jacmel", "Haïti"),
        "",
        (
            DemoRecipient("École Saint-Michel de Jacmel", "Avenue Barranquilla", "Jacmel", "Haïti"),
            DemoRecipient("Dispensaire de Marigot", "Route nationale 4", "Marigot", "Haïti"),
        ),
    ),
]
PORTAL_USERNAMES = [association.username for association in ASSOCIATIONS]
PORTAL_EMAILS = [association.email for association in ASSOCIATIONS]


@dataclass
class Partner:
    contact: Contact
    user: User
    recipients: dict[str, AssociationRecipient]


def association(item: DemoAssociation, created: Counter[str]) -> Partner:
    """The association (a recipient at its own address), its portal user and address book."""
    contact = Contact.objects.filter(name_key=fold_key(item.name)).first()
    if contact is None:
        contact = Contact.objects.create(
            name=item.name, email=item.email, phone=item.phone, is_recipient=True
        )
        line1, postal_code, city, country = item.address
        set_default_address(
            ContactAddress(
                contact=contact,
                label="Siège",
                line1=line1,
                postal_code=postal_code,
                city=city,
                country=country,
            )
        )
        created["associations"] += 1
    user = User.objects.filter(username=item.username).first()
    if user is None:
        # Its password is the demo password, set with the other demo logins (seed_demo).
        user = User.objects.create_user(username=item.username, email=item.email)
        created["comptes du portail"] += 1
    if not AssociationProfile.objects.filter(user=user).exists():
        AssociationProfile.objects.create(
            user=user, contact=contact, notification_emails=item.notification_emails
        )
    found = {}
    for entry in item.recipients:
        recipient, is_new = AssociationRecipient.objects.get_or_create(
            association=contact,
            name=entry.name,
            defaults=dict(
                line1=entry.line1, city=entry.city, country=entry.country, phone=entry.phone
            ),
        )
        created["destinataires du portail"] += int(is_new)
        found[entry.name] = recipient
    return Partner(contact, user, found)


def public_link(created: Counter[str]) -> PublicOrderLink:
    link = PublicOrderLink.objects.filter(label=DEMO_LINK_LABEL).first()
    if link is None:
        link = PublicOrderLink.objects.create(label=DEMO_LINK_LABEL)
        created["liens de commande publics"] += 1
    return link


def public_link_url(link: PublicOrderLink) -> str:
    try:
        path = reverse("scan:public_order", args=[link.token])
    except NoReverseMatch:
        return f"(jeton {link.token})"
    return f"{settings.SITE_BASE_URL}{path}"


def demo_manager() -> Actor:
    """The demo manager decides the orders (its password is set with the demo logins)."""
    user, _created = User.objects.get_or_create(username=MANAGER_USERNAME)
    user.groups.add(Group.objects.get(name=MANAGER_GROUP))
    return Actor(user=User.objects.get(pk=user.pk))  # fresh: no cached permissions


@dataclass
class OrderSeeder:
    products: dict[str, Product]
    partners: list[Partner]
    destinations: dict[str, Destination]
    link: PublicOrderLink
    manager: Actor

    def days(self, offset: int) -> dt.date:
        return timezone.localdate() + dt.timedelta(days=offset)

    def place(
        self,
        partner: Partner,
        lines: list[tuple[str, int]],
        recipient: str | None = None,
        note: str = "",
    ) -> Order:
        entry = partner.recipients[recipient] if recipient else None
        contact = partner.contact
        address = contact.addresses.get(default_marker=True)
        delivery = orders.Delivery(
            recipient=entry,
            address=address.line1,
            city=address.city,
            country=address.country,
            requested_date=self.days(45),
            notes=f"{DEMO_ORDER_NOTE}. {note}".strip(),
        )
        return orders.submit_order(
            lines=[orders.LineInput(self.products[key], quantity) for key, quantity in lines],
            delivery=delivery,
            actor=Actor(user=partner.user),
            association=contact,
        )

    def approve(self, order: Order, code: str, lowered: dict[str, int] | None = None) -> Order:
        by_product = {line.product_id: line.pk for line in order.lines.all()}
        approval = orders.Approval(
            destination=self.destinations[code],
            lowered={
                by_product[self.products[key].pk]: qty for key, qty in (lowered or {}).items()
            },
            comment="Validée pour le prochain vol." if lowered is None else "Stock limité.",
        )
        return orders.approve(order=order, approval=approval, actor=self.manager)

    def attestation(self, order: Order) -> None:
        document = OrderDocument(
            order=order,
            kind=OrderDocumentKind.DONATION,
            status=DocumentStatus.APPROVED,
            uploaded_by=order.created_by,
            reviewed_by=self.manager.user,
            reviewed_at=timezone.now(),
        )
        accounts.store(document, SimpleUploadedFile("attestation-de-don.pdf", DEMO_PDF), "pdf")

    def run(self) -> list[Order]:
        kati, jacmel = self.partners
        pending = self.place(kati, [("sro", 50), ("paracetamol500", 20)], "CSCOM de Kati Koko")
        reserved = self.approve(
            self.place(kati, [("ibuprofene400", 30), ("compresses7", 20)], "Maternité de Kati"),
            "BKO",
            lowered={"ibuprofene400": 24},
        )
        to_change = self.place(kati, [("gants_l", 40)], note="Pour le centre de la mission.")
        orders.request_changes(
            order=to_change,
            actor=self.manager,
            comment="Précisez la taille des gants (M ou L).",
        )
        prepared = self.approve(
            self.place(jacmel, [("savon", 6), ("aiguilles", 20)], "École Saint-Michel de Jacmel"),
            "PAP",
        )
        self.attestation(prepared)
        orders.prepare(order=prepared, actor=self.manager)
        rejected = orders.reject(
            order=self.place(jacmel, [("amoxicilline500", 100)], "Dispensaire de Marigot"),
            actor=self.manager,
            comment="Les antibiotiques sont réservés aux structures de santé partenaires.",
        )
        cancelled = self.place(jacmel, [("glucose", 10)])
        orders.cancel(
            order=cancelled, actor=Actor(user=jacmel.user), reason="Commande passée en double."
        )
        from_link = accounts.submit_public_order(
            link=self.link,
            identity=accounts.Identity(
                name="Association Espoir Ouaga",
                email="espoir.ouaga@example.org",
                phone="+226 70 12 34 56",
                contact_name="Awa Ouédraogo",
            ),
            lines=[orders.LineInput(self.products["sro"], 30)],
            delivery=orders.Delivery(
                address="Secteur 15",
                city="Ouagadougou",
                country="Burkina Faso",
                notes=f"{DEMO_ORDER_NOTE}. Passée par le lien public.",
            ),
            client_ip="",
        )
        accounts.submit_account_request(
            data=accounts.AccountRequestInput(
                association_name="Lumière pour Tana",
                email="lumiere.tana@example.org",
                line1="Lot II M 4",
                city="Antananarivo",
                country="Madagascar",
                notes="Demande de démonstration : nous soutenons deux dispensaires.",
            ),
            client_ip="",
        )
        return [pending, reserved, to_change, prepared, rejected, cancelled, from_link]


def label(order: Order) -> str:
    """How the summary names an order's state: validée (prête), annulée, refusée…"""
    if order.status == OrderStatus.CANCELLED and order.review_status != ReviewStatus.REJECTED:
        return "annulée"
    text = order.get_review_status_display().lower()
    if order.review_status == ReviewStatus.APPROVED:
        text += f" ({order.get_status_display().lower()})"
    return text


def already_seeded() -> bool:
    return Order.objects.filter(notes__startswith=DEMO_ORDER_NOTE).exists()


def seed_orders(*, products: dict[str, Product], created: Counter[str]) -> list[str]:
    """Associations, portal users, the public link (looked up first), then the orders once;
    the summary lines. The destinations are wms.demo_shipping's."""
    destinations = {
        destination.iata_code: destination
        for destination in Destination.objects.filter(iata_code__in=("BKO", "PAP"))
    }
    partners = [association(item, created) for item in ASSOCIATIONS]
    link = public_link(created)
    lines = [f"Lien de commande public de démonstration : {public_link_url(link)}"]
    if already_seeded():
        return ["Commandes de démonstration déjà présentes : aucune ajoutée.", *lines]
    manager = demo_manager()
    try:
        # A savepoint: stock used up on this machine leaves the rest of the demo data in place.
        with transaction.atomic():
            made = OrderSeeder(products, partners, destinations, link, manager).run()
    except StockError as exc:
        return [f"Commandes de démonstration non créées : {exc.message}", *lines]
    created["commandes"] += len(made)
    created["demandes de compte"] += PublicAccountRequest.objects.filter(
        email="lumiere.tana@example.org"
    ).count()
    statuses = ", ".join(
        label(order)
        for order in Order.objects.filter(pk__in=[order.pk for order in made]).order_by("pk")
    )
    return [f"Commandes de démonstration créées ({statuses}).", *lines]
