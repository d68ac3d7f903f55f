"""Staff user import (S-IMPORT, S-ROLES): no password column, an unusable password and one
set-password e-mail per new user (queued in the import's transaction), whose link lets the user
choose a password and log in; the importing manager cannot demote themselves; superusers and
association accounts are not the import's business."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from tests import factories
from wms.imports.errors import ImportFileError
from wms.models import AssociationProfile, IntegrationEvent
from wms.models.integration import IntegrationDirection, IntegrationStatus

from .table_import_support import DATA, errors, full_state, import_fixture, import_text

pytestmark = pytest.mark.django_db

SITE = "https://wms.example.org"
NEW_PASSWORD = "Un-Mot-De-Passe-Solide-42"


def outbound_emails() -> list[IntegrationEvent]:
    return list(
        IntegrationEvent.objects.filter(
            direction=IntegrationDirection.OUTBOUND, source="wms.email"
        ).order_by("pk")
    )


def test_a_file_with_a_password_column_is_refused_as_a_whole() -> None:
    assert "Mot de passe" in (DATA / "users_password.csv").read_text("utf-8")
    before = full_state()
    with pytest.raises(ImportFileError, match="Retirez la colonne « Mot de passe »"):
        import_fixture("users_password.csv")
    with pytest.raises(ImportFileError, match="Retirez la colonne « password »"):
        import_text("users", "username;email;password\nx;x@example.org;secret\n")
    assert full_state() == before


def test_a_new_user_gets_an_unusable_password_and_its_role(settings) -> None:
    result = import_fixture("users_semicolon_utf8.csv")
    assert result.created == 4
    claire = User.objects.get(username="cmartin")
    assert not claire.has_usable_password()
    assert list(claire.groups.values_list("name", flat=True)) == ["Worker"]
    assert not claire.is_staff
    jean = User.objects.get(username="jdurand")
    assert list(jean.groups.values_list("name", flat=True)) == ["Manager"]
    assert jean.is_staff and not jean.is_superuser  # Manager ⇒ is_staff, through the signal
    assert jean.has_perm("wms.manage_warehouse")


def test_each_new_active_user_gets_exactly_one_set_password_email_whose_link_works(
    settings, client: Client
) -> None:
    settings.SITE_BASE_URL = SITE
    import_text(
        "users",
        "Identifiant;E-mail;Prénom;Rôle\ncmartin;Claire.Martin@Example.org;Claire;Préparateur\n",
    )

    [event] = outbound_emails()
    assert event.event_type == "send_email" and event.status == IntegrationStatus.PENDING
    assert event.payload["recipients"] == ["claire.martin@example.org"]
    assert "cmartin" in event.payload["message"]
    [link] = re.findall(rf"{re.escape(SITE)}/admin/reset/\S+/", event.payload["message"])

    # Django's confirm view checks the token, then redirects to the set-password form.
    response = client.get(link.removeprefix(SITE), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[0][0].endswith("/set-password/")
    assert "new_password1" in response.content.decode()
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/reset/done/"

    fresh = Client()
    response = fresh.post(reverse("scan:login"), {"username": "cmartin", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert fresh.session["_auth_user_id"] == str(User.objects.get(username="cmartin").pk)
    # The link is used up: a second visit is refused.
    response = client.get(link.removeprefix(SITE), follow=True)
    assert "new_password1" not in response.content.decode()


def test_a_dry_run_queues_no_email_and_an_inactive_user_gets_none() -> None:
    import_fixture("users.xlsx", dry_run=True)
    assert outbound_emails() == []
    import_text("users", "Identifiant;E-mail;Actif\npinactif;p@example.org;non\n")
    assert User.objects.get(username="pinactif").is_active is False
    assert outbound_emails() == []


def test_a_failed_import_queues_no_email() -> None:
    result = import_fixture("users_bad.xls")
    assert result.failed
    assert outbound_emails() == [] and not User.objects.filter(username="cmartin").exists()


def test_a_user_is_matched_by_username_else_by_email() -> None:
    factories.worker(username="cmartin", email="claire@example.org")
    result = import_text(
        "users",
        "Identifiant;E-mail;Prénom\nCMARTIN;;Claire\n;claire@example.org;Claire\n",
        update=True,
    )
    # Both rows name the same user: the second is the duplicate.
    assert errors(result) == [(3, "l'utilisateur cmartin figure déjà ligne 2.")]
    result = import_text("users", "E-mail;Prénom\nCLAIRE@example.org;Claire\n", update=True)
    assert (result.updated, errors(result)) == (1, [])
    assert User.objects.get(username="cmartin").first_name == "Claire"
    assert outbound_emails() == []


def test_an_importing_manager_cannot_demote_or_deactivate_themselves(manager: User) -> None:
    for row in ("responsable-test;Préparateur;", "responsable-test;;non"):
        result = import_text(
            "users", f"Identifiant;Rôle;Actif\n{row}\n", update=True, actor=manager
        )
        assert errors(result) == [
            (2, "vous ne pouvez pas retirer vos propres droits par un import.")
        ]
    manager.refresh_from_db()
    assert manager.is_active and manager.groups.filter(name="Manager").exists()
    # Changing their own name, or keeping their role, is fine.
    result = import_text(
        "users",
        "Identifiant;Prénom;Rôle;Actif\nresponsable-test;Régine;Responsable;oui\n",
        update=True,
        actor=manager,
    )
    assert (result.updated, errors(result)) == (1, [])
    # Another manager may demote them.
    other = factories.manager(username="autre-responsable")
    result = import_text(
        "users", "Identifiant;Rôle\nresponsable-test;Préparateur\n", update=True, actor=other
    )
    assert (result.updated, errors(result)) == (1, [])
    manager.refresh_from_db()
    assert not manager.is_staff and list(manager.groups.values_list("name", flat=True)) == [
        "Worker"
    ]


def test_superusers_and_association_users_are_refused() -> None:
    User.objects.create_superuser("root", "root@example.org", "x-Passw0rd-x")
    association = factories.UserFactory(username="asso", email="asso@example.org")
    AssociationProfile.objects.create(user=association, contact=factories.ContactFactory())
    before = full_state()

    result = import_text(
        "users", "Identifiant;E-mail;Rôle\nroot;;Préparateur\n;asso@example.org;Responsable\n"
    )

    assert errors(result) == [
        (2, "root est administrateur : modifiez-le dans l'admin."),
        (3, "asso est un compte d'association (portail)."),
    ]
    assert full_state() == before


def test_an_unknown_role_word_is_refused_and_french_and_english_words_are_accepted() -> None:
    result = import_text(
        "users",
        "Username,Email,Role\n"
        "a,a@example.org,bénévole\nb,b@example.org,MANAGER\nc,c@example.org,Gestionnaire\n",
    )
    assert (result.created, errors(result)) == (3, [])
    assert sorted(
        User.objects.filter(groups__name="Manager").values_list("username", flat=True)
    ) == [
        "b",
        "c",
    ]
