"""The association's address book and account page (S-ORDERS): recipients added, edited,
deactivated and reactivated within the association only; notification emails validated one by
one; the contact data shown read-only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.portal.conftest import recipient_of
from wms.models import AssociationProfile, AssociationRecipient

pytestmark = pytest.mark.django_db

RECIPIENTS = "/portal/recipients/"


def entry_data(**fields) -> dict:
    values = {
        "name": "Dispensaire de Mahajanga",
        "line1": "Rue du Port",
        "line2": "",
        "postal_code": "401",
        "city": "Mahajanga",
        "country": "Madagascar",
        "phone": "",
        "email": "",
        "notes": "",
        **fields,
    }
    return {f"recipient-{key}": value for key, value in values.items()}


def test_an_association_adds_a_recipient_to_its_address_book(portal, association):
    response = portal.post(RECIPIENTS, entry_data(name="  Dispensaire de Mahajanga  "))
    assert response.status_code == 303
    entry = AssociationRecipient.objects.get()
    assert entry.association == association
    assert entry.name == "Dispensaire de Mahajanga"
    assert entry.is_active
    assert f'data-recipient="{entry.pk}"' in portal.get(RECIPIENTS).content.decode()


@pytest.mark.parametrize(
    "fields", [{"name": ""}, {"city": ""}, {"country": ""}, {"email": "pas-une-adresse"}]
)
def test_an_incomplete_recipient_is_refused(portal, fields):
    response = portal.post(RECIPIENTS, entry_data(**fields))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not AssociationRecipient.objects.exists()


def test_the_list_shows_only_this_associations_recipients(portal, association, other_association):
    mine = recipient_of(association, name="Le mien")
    theirs = recipient_of(other_association, name="Le leur")
    body = portal.get(RECIPIENTS).content.decode()
    assert f'data-recipient="{mine.pk}"' in body
    assert f'data-recipient="{theirs.pk}"' not in body
    assert "Le leur" not in body


def test_a_recipient_is_edited(portal, association):
    entry = recipient_of(association)
    url = reverse("portal:recipient_edit", args=[entry.pk])
    assert portal.get(url).status_code == 200
    response = portal.post(url, entry_data(name="Nouveau nom", city="Toamasina"))
    assert response.status_code == 303
    entry.refresh_from_db()
    assert (entry.name, entry.city) == ("Nouveau nom", "Toamasina")
    assert entry.association == association


def test_a_recipient_is_deactivated_then_reactivated(portal, association):
    entry = recipient_of(association)
    portal.post(reverse("portal:recipient_deactivate", args=[entry.pk]))
    entry.refresh_from_db()
    assert not entry.is_active
    assert 'data-active="0"' in portal.get(RECIPIENTS).content.decode()
    portal.post(reverse("portal:recipient_reactivate", args=[entry.pk]))
    entry.refresh_from_db()
    assert entry.is_active


def test_deactivating_takes_a_post(portal, association):
    entry = recipient_of(association)
    assert portal.get(reverse("portal:recipient_deactivate", args=[entry.pk])).status_code == 405
    entry.refresh_from_db()
    assert entry.is_active


# --- account -------------------------------------------------------------------------------------


def test_the_account_page_shows_the_contact_data_read_only(portal, association):
    response = portal.get(reverse("portal:account"))
    body = response.content.decode()
    assert association.name in body
    assert "12 rue des Lilas" in body
    assert 'name="name"' not in body  # the contact is master data kept by the ASF team
    assert f'href="{reverse("portal:change_password")}"' in body


def test_notification_emails_are_saved_one_per_line(portal, association_user):
    response = portal.post(
        reverse("portal:account"),
        {
            "notification_emails": " tresorier@asso.example \n\nPresident@Asso.example\n"
            "president@asso.example"
        },
    )
    assert response.status_code == 303
    profile = AssociationProfile.objects.get(user=association_user)
    assert profile.extra_emails() == ["tresorier@asso.example", "President@Asso.example"]


def test_an_invalid_notification_email_is_refused_and_nothing_saved(portal, association_user):
    response = portal.post(
        reverse("portal:account"),
        {"notification_emails": "tresorier@asso.example\nnot-an-email"},
    )
    assert response.status_code == 200
    assert response.context["emails_form"].errors["notification_emails"]
    assert AssociationProfile.objects.get(user=association_user).notification_emails == ""


def test_too_many_notification_emails_are_refused(portal, association_user):
    emails = "\n".join(f"membre{index}@asso.example" for index in range(11))
    response = portal.post(reverse("portal:account"), {"notification_emails": emails})
    assert response.status_code == 200
    assert AssociationProfile.objects.get(user=association_user).notification_emails == ""
