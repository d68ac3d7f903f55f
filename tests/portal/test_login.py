"""Signing in to the portal by email (any case), with django-axes counting failures; signing
out; the set-password link of an approved account, the forgotten-password form and the password
change (S-ORDERS portal, S-EMAIL)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, ContactFactory, UserFactory
from tests.portal.conftest import queued
from wms.models import AssociationProfile, IntegrationEvent
from wms.services import accounts

pytestmark = pytest.mark.django_db

LOGIN = "/portal/login/"


def sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = "10.0.0.1", **data):
    return client.post(LOGIN, {"email": email, "password": password, **data}, REMOTE_ADDR=ip)


def signed_in_user(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_the_login_page_shows_the_email_form_and_the_account_request_link(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="email"' in body
    assert 'name="password"' in body
    assert 'href="/portal/forgot-password/"' in body
    assert 'href="/portal/request-account/"' in body
    assert client.get("/portal/request-account/").status_code == 200


@pytest.mark.parametrize("typed", ["contact@amis-tana.example", "CONTACT@AMIS-TANA.EXAMPLE"])
def test_an_association_user_signs_in_with_its_email_in_any_case(client, association_user, typed):
    response = sign_in(client, typed)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert signed_in_user(client) == association_user.pk


def test_signing_in_goes_to_the_next_page_of_this_site_only(client, association_user):
    response = sign_in(client, association_user.email, next="/portal/account/")
    assert response["Location"] == "/portal/account/"
    client.logout()
    response = sign_in(client, association_user.email, next="https://evil.example/")
    assert response["Location"] == reverse("portal:dashboard")


def test_a_wrong_password_is_refused_without_saying_which_part_is_wrong(client, association_user):
    response = sign_in(client, association_user.email, "wrong-password")
    assert response.status_code == 200
    assert b"data-login-error" in response.content
    assert signed_in_user(client) is None


def test_an_unknown_email_gets_the_same_refusal(client, association_user):
    response = sign_in(client, "nobody@example.org")
    assert response.status_code == 200
    assert b"data-login-error" in response.content


@pytest.mark.parametrize("role", ["worker", "manager", "outsider"])
def test_a_staff_account_is_clearly_refused_even_with_the_right_password(client, request, role):
    user = request.getfixturevalue(role)
    response = sign_in(client, user.email)
    assert response.status_code == 200
    assert b"data-login-error" in response.content
    assert response.context["form"].non_field_errors().as_data()[0].code == "not_association"
    assert signed_in_user(client) is None


def test_five_failures_lock_the_email_on_this_address_with_the_lockout_page(
    client, association_user
):
    for _ in range(5):
        sign_in(client, association_user.email.upper(), "wrong-password")
    response = sign_in(client, association_user.email)
    assert response.status_code == 429
    assert signed_in_user(client) is None
    # Another association's user on the same address is not locked out.
    other = UserFactory(username="bureau@sante-sud.example", email="bureau@sante-sud.example")
    from tests.factories import ContactFactory
    from wms.models import AssociationProfile

    AssociationProfile.objects.create(user=other, contact=ContactFactory())
    assert sign_in(client, other.email).status_code == 302


def test_four_failures_do_not_lock(client, association_user):
    for _ in range(4):
        sign_in(client, association_user.email, "wrong-password")
    assert sign_in(client, association_user.email).status_code == 302


def test_a_signed_in_association_user_skips_the_login_page(portal):
    response = portal.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")


def test_signing_out_takes_a_post(portal, association_user):
    assert portal.get(reverse("portal:logout")).status_code == 200
    assert signed_in_user(portal) == association_user.pk
    response = portal.post(reverse("portal:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    assert signed_in_user(portal) is None


def test_a_post_without_the_csrf_token_is_refused(association_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"email": association_user.email, "password": PASSWORD})
    assert response.status_code == 403


# --- set-password link ---------------------------------------------------------------------------


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_the_set_password_link_works_once(client, association_user):
    association_user.set_unusable_password()
    association_user.save()
    link = path_of(accounts.set_password_url(association_user))
    assert client.get(link).status_code == 200
    new = "Tana-2025-nouveau-mot"
    response = client.post(link, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login")
    association_user.refresh_from_db()
    assert association_user.check_password(new)
    # Used: the same link is refused, with a clear page.
    again = client.get(link)
    assert again.status_code == 410
    assert b"data-invalid-link" in again.content
    assert (
        client.post(link, {"new_password1": "x" * 12, "new_password2": "x" * 12}).status_code == 410
    )
    association_user.refresh_from_db()
    assert association_user.check_password(new)
    assert sign_in(client, association_user.email, new).status_code == 302


def test_a_weak_or_mismatched_new_password_is_refused(client, association_user):
    link = path_of(accounts.set_password_url(association_user))
    response = client.post(link, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    assert response.context["form"].errors
    response = client.post(
        link, {"new_password1": "Tana-2025-nouveau", "new_password2": "Tana-2025-autre"}
    )
    assert response.context["form"].errors
    association_user.refresh_from_db()
    assert association_user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "link",
    [
        "/portal/set-password/xx/yy/",
        "/portal/set-password/MQ/abc-def/",
        "/portal/set-password/!!/-/",
    ],
)
def test_a_malformed_or_forged_link_gets_the_invalid_link_page(client, association_user, link):
    response = client.get(link)
    assert response.status_code == 410
    assert b"data-invalid-link" in response.content


def test_a_staff_users_token_does_not_open_the_portal_form(client, worker):
    link = path_of(accounts.set_password_url(worker))
    assert client.get(link).status_code == 410


# --- forgotten password --------------------------------------------------------------------------


def test_forgot_password_queues_the_link_for_a_known_email_in_any_case(client, association_user):
    response = client.post(
        reverse("portal:forgot_password"), {"email": association_user.email.upper()}
    )
    assert response.status_code == 200
    assert b"data-reset-sent" in response.content
    [event] = queued("portal_password_reset")
    assert event.payload["recipients"] == [association_user.email]
    assert "/portal/set-password/" in event.payload["message"]


def without_tokens(content: bytes) -> bytes:
    # The CSRF token is masked afresh in every answer: the rest must be identical.
    return re.sub(rb"[A-Za-z0-9]{64}", b"", content)


def test_forgot_password_answers_the_same_for_an_unknown_email(client, association_user, worker):
    known = client.post(reverse("portal:forgot_password"), {"email": association_user.email})
    before = IntegrationEvent.objects.count()
    for email in ("nobody@example.org", worker.email):
        unknown = client.post(reverse("portal:forgot_password"), {"email": email})
        assert unknown.status_code == known.status_code == 200
        assert without_tokens(unknown.content) == without_tokens(known.content)
    assert IntegrationEvent.objects.count() == before


def test_forgot_password_sends_one_email_per_address_per_window(client, association_user):
    for _ in range(3):
        client.post(reverse("portal:forgot_password"), {"email": association_user.email})
    assert len(queued("portal_password_reset")) == 1


def test_forgot_password_refuses_an_invalid_address_with_a_message(client):
    response = client.post(reverse("portal:forgot_password"), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert not queued("portal_password_reset")


# --- change password -----------------------------------------------------------------------------


def test_changing_the_password_asks_the_old_one_and_keeps_the_session(portal, association_user):
    url = reverse("portal:change_password")
    new = "Tana-2025-nouveau-mot"
    refused = portal.post(
        url, {"old_password": "wrong", "new_password1": new, "new_password2": new}
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["old_password"]
    association_user.refresh_from_db()
    assert association_user.check_password(PASSWORD)
    response = portal.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:account")
    association_user.refresh_from_db()
    assert association_user.check_password(new)
    # Still signed in on this device.
    assert portal.get(reverse("portal:dashboard")).status_code == 200


def test_a_new_user_signs_in_after_setting_its_first_password(client):
    user = User.objects.create_user(username="nouvelle@asso.example", email="Nouvelle@Asso.example")
    user.set_unusable_password()
    user.save()
    AssociationProfile.objects.create(user=user, contact=ContactFactory())
    link = path_of(accounts.set_password_url(user))
    client.post(link, {"new_password1": "Tana-2025-premier", "new_password2": "Tana-2025-premier"})
    assert sign_in(client, "nouvelle@asso.example", "Tana-2025-premier").status_code == 302
