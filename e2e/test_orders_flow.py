"""Partner orders end to end on phones (issue 8, acceptance points 1 and 2), through the real
pages only: the association in its own browser, a manager in another.

1. A new association asks for an account, a manager approves it, the association chooses its
   password from the emailed link, orders; the manager approves (stock reserved) and prepares it
   (cartons, shipment); the association follows the shipment from its portal.
2. A manager asks for changes; the association edits and sends the order again; the manager
   approves it with a lowered quantity, which the portal and the approval email show.

The database is set up only with what a manager configures beforehand (carton format,
destination with its correspondent, a shipper, stocked products, the manager's own account).
Selectors use ids, names and data attributes so that the tests do not depend on the French
catalogue being compiled; every page of both browsers must be free of console errors and CSP
violations.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User

from e2e.conftest import ARTIFACTS, PageProblems
from tests.factories import PASSWORD, manager
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import (
    AccountRequestStatus,
    AssociationProfile,
    Carton,
    CartonStatus,
    Contact,
    ContactAddress,
    IntegrationEvent,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductLot,
    PublicAccountRequest,
    ReviewStatus,
    ShipmentStatus,
)

pytestmark = pytest.mark.django_db(transaction=True)

MANAGER = "responsable"
ASSOCIATION_EMAIL = "bureau@amis-tana.example"
NEW_PASSWORD = "Baobab-Tana-2025!"


# --- browsers -------------------------------------------------------------------------------------


def assert_clean(page: Any) -> None:
    """No console error and no CSP violation so far (checked after each step, so that a
    problem is reported on the page where it happened, not only on the last one)."""
    problems: PageProblems = page.problems
    assert problems.csp_violations() == [], f"CSP violations on {page.url}"
    assert problems.console_errors == [], f"console errors on {page.url}"


@pytest.fixture
def association_page(
    new_context: Any, migration_data: None, request: pytest.FixtureRequest
) -> Iterator[Any]:
    """The association's own phone: a second browser context (its own cookies), with the same
    console and CSP checks as `checked_page`."""
    page = new_context().new_page()
    page.problems = PageProblems(page)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-association.png"))
    assert_clean(page)


def review_status(page: Any) -> str | None:
    """The review badge of an order page of the portal (data attribute, any language)."""
    value: str | None = page.locator("[data-review-status]").first.get_attribute(
        "data-review-status"
    )
    return value


def submit(page: Any, form: str) -> None:
    """Click the submit button of the form marked `form` (a CSS selector) and wait for the
    page it leads to."""
    with page.expect_navigation():
        page.locator(f"{form} [type=submit]").first.click()


def manager_signs_in(page: Any, base: str) -> None:
    page.goto(base + "/scan/login/")
    page.locator("[name=username]").fill(MANAGER)
    page.locator("[name=password]").fill(PASSWORD)
    submit(page, "form[action='/scan/login/']")
    page.wait_for_url(base + "/scan/")
    assert_clean(page)


def association_signs_in(page: Any, base: str, email: str, password: str) -> None:
    if not page.url.startswith(base + "/portal/login/"):
        page.goto(base + "/portal/login/")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(password)
    submit(page, "form[data-portal-login]")
    page.wait_for_url(base + "/portal/")
    assert_clean(page)


def order_from_portal(page: Any, base: str, quantities: dict[Product, int]) -> Order:
    """From the dashboard: the "place an order" button, a quantity per product, send."""
    page.locator("a[href='/portal/orders/new/']").first.click()
    page.wait_for_url(base + "/portal/orders/new/")
    for product, quantity in quantities.items():
        page.locator(f"#qty-{product.pk}").fill(str(quantity))
    submit(page, "form[data-order-form]")
    page.wait_for_url(re.compile(r".*/portal/orders/\d+/$"))
    order = Order.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert review_status(page) == ReviewStatus.PENDING
    for product, quantity in quantities.items():
        assert page.locator(f"[data-line='{product.pk}'] [data-asked]").inner_text() == str(
            quantity
        )
    assert_clean(page)
    return order


def manager_opens_order(page: Any, base: str, order: Order) -> None:
    """From the orders list, as a manager finds it."""
    page.goto(base + "/scan/orders-view/")
    page.get_by_role("link", name=order.reference).click()
    page.wait_for_url(f"{base}/scan/orders/{order.pk}/")
    assert_clean(page)


def choose_destination(page: Any, setup: Scene) -> None:
    """Pick the destination; htmx then reloads the shipper choice (those serving it)."""
    with page.expect_response(lambda response: "destination=" in response.url):
        page.locator("#approve-destination").select_option(str(setup.destination.pk))
    page.locator("#approve-shipper").select_option(str(setup.shipper.pk))


def queued_emails(tag: str) -> list[dict[str, Any]]:
    return [
        event.payload
        for event in IntegrationEvent.objects.order_by("pk")
        if tag in (event.payload or {}).get("tags", [])
    ]


def reserved_in_lots(product: Product) -> int:
    return sum(
        ProductLot.objects.filter(product=product).values_list("quantity_reserved", flat=True)
    )


def stock_of_the_warehouse() -> tuple[Scene, Product, Product]:
    setup = scene(manager(username=MANAGER, email="responsable@asf.example"))
    compresses = stocked_product(40, name="Compresses stériles")
    gants = stocked_product(30, name="Gants d'examen")
    return setup, compresses, gants


# --- 1. from the account request to the shipment --------------------------------------------------


def test_a_new_association_requests_an_account_orders_and_follows_its_shipment(
    checked_page: Any, association_page: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_BASE_URL = live_server.url
    base = live_server.url
    setup, compresses, gants = stock_of_the_warehouse()
    association, staff = association_page, checked_page

    # The association asks for an account through the public form, with an address in the
    # destination's country.
    association.goto(base + "/portal/login/")
    association.locator("[data-request-account-link]").click()
    association.wait_for_url(base + "/portal/request-account/")
    for name, value in {
        "association_name": "Les Amis de Tana",
        "email": ASSOCIATION_EMAIL,
        "phone": "+261 34 00 000 00",
        "line1": "Lot IVG 12 Ambohimanarina",
        "postal_code": "101",
        "city": "Antananarivo",
        "country": "Madagascar",
        "notes": "Dispensaire de quartier.",
    }.items():
        association.locator(f"[name={name}]").fill(value)
    submit(association, "form[data-account-request]")
    assert association.url == base + "/portal/request-account/?sent=1", (
        f"the request was not accepted: {association.title()}"
    )
    assert association.locator("[data-request-sent]").is_visible()
    account_request = PublicAccountRequest.objects.get()
    assert account_request.status == AccountRequestStatus.PENDING
    assert (account_request.city, account_request.country) == ("Antananarivo", "Madagascar")
    assert queued_emails("account_request_received")[0]["recipients"] == [ASSOCIATION_EMAIL]
    assert_clean(association)

    # A manager sees the waiting request from the scan home and approves it with a new contact.
    manager_signs_in(staff, base)
    staff.locator("[data-pending-banner] a").click()
    staff.wait_for_url(base + "/scan/account-requests/")
    staff.locator(f"[data-account-request='{account_request.pk}'] a").click()
    staff.wait_for_url(f"{base}/scan/account-requests/{account_request.pk}/")
    staff.locator("#contact-new").check()
    submit(staff, "form[data-approve-form]")
    assert staff.locator("[data-decision]").is_visible()
    assert staff.locator("form[data-approve-form]").count() == 0
    account_request.refresh_from_db()
    assert account_request.status == AccountRequestStatus.APPROVED
    user = User.objects.get(username=ASSOCIATION_EMAIL)
    contact = AssociationProfile.objects.get(user=user).contact
    assert contact.name == "Les Amis de Tana"
    assert contact.addresses.filter(city="Antananarivo", country="Madagascar").exists()
    assert not user.has_usable_password()
    assert_clean(staff)

    # The association opens the set-password link of its email in its own browser.
    (approved,) = queued_emails("account_approved")
    assert approved["recipients"] == [ASSOCIATION_EMAIL]
    link = re.search(r"https?://\S+/portal/set-password/\S+/", approved["message"])
    assert link is not None, approved["message"]
    assert link.group(0).startswith(base)
    association.goto(link.group(0))
    association.locator("[name=new_password1]").fill(NEW_PASSWORD)
    association.locator("[name=new_password2]").fill(NEW_PASSWORD)
    submit(association, "form[data-set-password]")
    association.wait_for_url(base + "/portal/login/")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert_clean(association)

    # It signs in with its email and orders.
    association_signs_in(association, base, ASSOCIATION_EMAIL, NEW_PASSWORD)
    assert association.locator("[data-no-orders]").is_visible()
    order = order_from_portal(association, base, {compresses: 12, gants: 20})
    assert order.association_contact == contact
    assert (order.city, order.country) == ("Antananarivo", "Madagascar")
    assert reserved_in_lots(compresses) == 0

    # The manager approves it for the destination: the stock is reserved.
    manager_opens_order(staff, base, order)
    choose_destination(staff, setup)
    submit(staff, "form[data-approve-form]")
    staff.wait_for_url(f"{base}/scan/orders/{order.pk}/")
    assert staff.locator("form[data-approve-form]").count() == 0
    assert staff.locator("[data-destination]").inner_text() == str(setup.destination)
    order.refresh_from_db()
    assert (order.review_status, order.status) == (ReviewStatus.APPROVED, OrderStatus.RESERVED)
    assert order.destination == setup.destination
    assert order.correspondent == setup.destination.correspondent
    assert order.recipient == contact
    assert reserved_in_lots(compresses) == 12
    assert reserved_in_lots(gants) == 20
    assert sorted(order.lines.values_list("quantity_reserved", flat=True)) == [12, 20]
    assert queued_emails("order_approved")[0]["recipients"] == [ASSOCIATION_EMAIL]
    assert_clean(staff)

    # The association sees the approval before any shipment exists.
    association.reload()
    assert review_status(association) == ReviewStatus.APPROVED
    assert association.locator("[data-order-status]").get_attribute("data-order-status") == (
        OrderStatus.RESERVED
    )
    assert association.locator("[data-no-shipment]").is_visible()
    assert_clean(association)

    # The manager prepares it: cartons packed and closed into the order's new shipment.
    submit(staff, "form[data-prepare-form]")
    staff.wait_for_url(f"{base}/scan/orders/{order.pk}/")
    order.refresh_from_db()
    shipment = order.shipment
    assert shipment is not None
    assert order.status == OrderStatus.READY
    assert shipment.status == ShipmentStatus.PACKED
    assert shipment.destination == setup.destination
    assert shipment.shipper == setup.shipper
    cartons = list(Carton.objects.filter(shipment=shipment))
    assert cartons
    assert {carton.status for carton in cartons} == {CartonStatus.PACKED}
    assert sorted(order.lines.values_list("quantity_prepared", flat=True)) == [12, 20]
    assert staff.locator("[data-shipment-link]").inner_text().strip().endswith(shipment.reference)
    assert staff.locator("[aria-labelledby=order-shipment] [data-progress]").inner_text() == str(
        ShipmentStatus.PACKED.label
    )
    assert staff.locator("form[data-prepare-form]").count() == 0
    assert_clean(staff)

    # The association follows it: dashboard, order page, then the public tracking page.
    association.goto(base + "/portal/")
    row = association.locator(f"[data-order='{order.pk}']")
    assert row.locator("[data-progress]").inner_text() == str(ShipmentStatus.PACKED.label)
    assert row.locator("[data-order-status]").get_attribute("data-order-status") == (
        OrderStatus.READY
    )
    row.get_by_role("link", name=order.reference).click()
    association.wait_for_url(f"{base}/portal/orders/{order.pk}/")
    assert association.locator(
        "[aria-labelledby=order-shipment] [data-progress]"
    ).inner_text() == str(ShipmentStatus.PACKED.label)
    assert (
        shipment.reference in association.locator("[aria-labelledby=order-shipment]").inner_text()
    )
    tracking = association.locator("[data-tracking-link]")
    assert tracking.get_attribute("href") == f"/scan/shipment/track/{shipment.tracking_token}/"
    assert_clean(association)
    tracking.click()
    association.wait_for_url(f"{base}/scan/shipment/track/{shipment.tracking_token}/")
    assert shipment.reference in association.locator("main").inner_text()
    assert_clean(association)


# --- 2. changes asked, order sent again, approved with less ---------------------------------------


def association_with_account(email: str) -> Contact:
    """An association whose account request a manager approved earlier (its password chosen):
    its contact has its address in the destination's country."""
    contact = Contact.objects.create(name="Santé pour Tous Madagascar", email=email)
    ContactAddress.objects.create(
        contact=contact,
        line1="Rue Rainandriamampandry",
        postal_code="101",
        city="Antananarivo",
        country="Madagascar",
    )
    user = User.objects.create_user(username=email.lower(), email=email, password=PASSWORD)
    AssociationProfile.objects.create(user=user, contact=contact)
    return contact


def line_of(order: Order, product: Product) -> OrderLine:
    return order.lines.get(product=product)


def test_changes_requested_then_resubmitted_then_approved_with_a_lowered_quantity(
    checked_page: Any, association_page: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_BASE_URL = live_server.url
    base = live_server.url
    setup, compresses, gants = stock_of_the_warehouse()
    email = "commandes@spt-mada.example"
    contact = association_with_account(email)
    association, staff = association_page, checked_page

    association_signs_in(association, base, email, PASSWORD)
    order = order_from_portal(association, base, {compresses: 10, gants: 8})
    assert order.association_contact == contact

    # The manager asks for changes with a comment.
    comment = "Merci de limiter les compresses à 6 : le stock est partagé."
    manager_signs_in(staff, base)
    manager_opens_order(staff, base, order)
    staff.locator("#changes-comment").fill(comment)
    submit(staff, "form[data-changes-form]")
    staff.wait_for_url(f"{base}/scan/orders/{order.pk}/")
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.CHANGES_REQUESTED
    assert order.status == OrderStatus.DRAFT
    assert comment in staff.locator("[data-review-comment]").inner_text()
    assert reserved_in_lots(compresses) == reserved_in_lots(gants) == 0
    assert queued_emails("order_changes_requested")[0]["recipients"] == [email]
    assert_clean(staff)

    # The association sees the comment (dashboard notice, order page, edit page), changes a
    # quantity and sends the order again.
    association.goto(base + "/portal/")
    assert association.locator("[data-notice='changes-requested']").is_visible()
    association.locator(f"[data-order='{order.pk}']").get_by_role(
        "link", name=order.reference
    ).click()
    association.wait_for_url(f"{base}/portal/orders/{order.pk}/")
    assert comment in association.locator("[data-review-comment]").inner_text()
    assert review_status(association) == ReviewStatus.CHANGES_REQUESTED
    association.locator("[data-edit-link]").click()
    association.wait_for_url(f"{base}/portal/orders/{order.pk}/edit/")
    assert comment in association.locator(".flash-warning").inner_text()
    assert association.locator(f"#qty-{compresses.pk}").input_value() == "10"
    association.locator(f"#qty-{compresses.pk}").fill("6")
    with association.expect_navigation():
        association.locator("[data-submit-resubmit]").click()
    association.wait_for_url(f"{base}/portal/orders/{order.pk}/")
    order.refresh_from_db()
    assert order.review_status == ReviewStatus.PENDING
    assert line_of(order, compresses).quantity == 6
    assert line_of(order, gants).quantity == 8
    assert association.locator(f"[data-line='{compresses.pk}'] [data-asked]").inner_text() == "6"
    assert association.locator("[data-resubmit]").count() == 0
    assert_clean(association)

    # The manager approves it, granting 5 of the 8 gloves.
    gloves_line = line_of(order, gants)
    manager_opens_order(staff, base, order)
    asked = staff.locator(f"[data-line='{line_of(order, compresses).pk}'] td").nth(1)
    assert asked.inner_text() == "6"
    choose_destination(staff, setup)
    staff.locator(f"#approve-line_{gloves_line.pk}").fill("5")
    submit(staff, "form[data-approve-form]")
    staff.wait_for_url(f"{base}/scan/orders/{order.pk}/")
    order.refresh_from_db()
    assert (order.review_status, order.status) == (ReviewStatus.APPROVED, OrderStatus.RESERVED)
    gloves_line.refresh_from_db()
    assert (gloves_line.quantity, gloves_line.quantity_reserved) == (5, 5)
    assert reserved_in_lots(gants) == 5
    assert reserved_in_lots(compresses) == 6
    assert_clean(staff)

    # The association's order page shows what was granted, and it was emailed the change.
    association.goto(f"{base}/portal/orders/{order.pk}/")
    gloves_row = association.locator(f"[data-line='{gants.pk}']")
    assert gloves_row.locator("[data-asked]").inner_text() == "8"
    assert gloves_row.locator("[data-granted]").inner_text() == "5"
    assert gloves_row.locator("td").nth(3).inner_text() == "5"  # reserved
    assert review_status(association) == ReviewStatus.APPROVED
    assert_clean(association)
    (approved,) = queued_emails("order_approved")
    assert approved["recipients"] == [email]
    assert f"- {gants.name} : 5 au lieu de 8" in approved["message"]
    assert f"- 5 × {gants.name}" in approved["message"]
    assert f"- 6 × {compresses.name}" in approved["message"]
    assert f"- {compresses.name} :" not in approved["message"]
