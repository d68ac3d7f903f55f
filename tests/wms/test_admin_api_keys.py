"""Per-client API keys in the admin (S-API): managers create a key and see it once, only its hash
is stored, the list shows how keys are used, and "Révoquer" makes the API refuse the key."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from tests import factories
from tests.wms.admin_support import page_text
from wms.models import ApiKey
from wms.models.api_keys import hash_secret
from wms.roles import MANAGER_GROUP

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/wms/apikey/"
ADD = f"{CHANGELIST}add/"
# What migration 0015 gives the Manager group (no delete: keys are revoked, never deleted).
KEY_CODENAMES = {"view_apikey", "add_apikey", "change_apikey"}
RAW_KEY = re.compile(r"asf_[0-9a-f]{8}_[A-Za-z0-9_-]{20,}")


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def boss(manager: User) -> User:
    return manager


def create(client: Client, name: str = "Planificateur de vols", **scopes: bool):
    data = {"name": name, **{f"scope_{scope}": "on" for scope, on in scopes.items() if on}}
    return client.post(ADD, data, follow=True)


def whoami(raw_key: str):
    return APIClient().get("/api/v1/whoami/", HTTP_AUTHORIZATION=f"Api-Key {raw_key}")


def make_key(name: str = "ERP", **scopes: bool) -> tuple[ApiKey, str]:
    key = ApiKey(name=name, **{f"scope_{scope}": on for scope, on in scopes.items()})
    raw = key.issue()
    key.save()
    return key, raw


# --- who gets in ---------------------------------------------------------------------------------


def test_the_manager_group_holds_the_api_key_permissions_but_not_delete():
    held = set(
        Group.objects.get(name=MANAGER_GROUP)
        .permissions.filter(content_type__app_label="wms", codename__endswith="_apikey")
        .values_list("codename", flat=True)
    )
    assert held == KEY_CODENAMES


def test_a_manager_opens_the_list_the_add_form_and_a_key(client, boss):
    key, _raw = make_key()
    client.force_login(boss)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(ADD).status_code == 200
    assert client.get(f"{CHANGELIST}{key.pk}/change/").status_code == 200


def test_a_worker_is_sent_to_the_admin_login(client, worker):
    client.force_login(worker)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(ADD)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not ApiKey.objects.exists()


def test_staff_with_the_model_permissions_but_not_a_manager_get_403(client):
    staff = factories.UserFactory(username="staff-test", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=KEY_CODENAMES, content_type__app_label="wms")
    )
    client.force_login(User.objects.get(pk=staff.pk))
    assert client.get(CHANGELIST).status_code == 403
    assert create(client, read=True).status_code == 403
    assert not ApiKey.objects.exists()


# --- creation: shown once, stored hashed ---------------------------------------------------------


def test_the_new_key_is_shown_once_and_only_its_hash_is_stored(client, boss):
    client.force_login(boss)
    response = create(client, read=True, write=True)
    assert response.status_code == 200
    shown = RAW_KEY.findall(page_text(response))
    assert len(shown) == 1
    raw = shown[0]
    assert "elle ne sera plus jamais affichée" in page_text(response)

    key = ApiKey.objects.get()
    assert key.name == "Planificateur de vols"
    assert key.scopes == {"read", "write"}
    assert key.created_by == boss
    assert raw.startswith(key.prefix + "_")
    assert key.secret_hash == hash_secret(raw)
    assert raw not in (key.secret_hash, key.prefix)

    # Never again: not on the list, not on the key's page, not the hash either.
    for url in (CHANGELIST, f"{CHANGELIST}{key.pk}/change/"):
        text = page_text(client.get(url))
        assert raw not in text
        assert key.secret_hash not in text
        assert key.prefix in text


def test_the_key_shown_authenticates_with_its_name_and_scopes(client, boss):
    client.force_login(boss)
    raw = RAW_KEY.findall(page_text(create(client, "ERP", read=True, events=True)))[0]
    response = whoami(raw)
    assert response.status_code == 200
    assert response.json() == {"kind": "key", "name": "ERP", "scopes": ["events", "read"]}


def test_a_key_without_any_scope_is_refused_with_nothing_created(client, boss):
    client.force_login(boss)
    response = create(client, "Sans portée")
    assert response.status_code == 200
    assert "Cochez au moins une portée" in page_text(response)
    assert not RAW_KEY.search(page_text(response))
    assert not ApiKey.objects.exists()


def test_a_blank_name_is_refused_with_nothing_created(client, boss):
    client.force_login(boss)
    response = create(client, "", read=True)
    assert response.status_code == 200
    assert not RAW_KEY.search(page_text(response))
    assert not ApiKey.objects.exists()


def test_the_add_form_asks_only_the_name_and_the_scopes(client, boss):
    client.force_login(boss)
    form = client.get(ADD).context["adminform"].form
    assert list(form.fields) == ["name", "scope_read", "scope_write", "scope_events"]


def test_editing_a_key_changes_its_scopes_not_its_secret(client, boss):
    key, raw = make_key(read=True)
    client.force_login(boss)
    response = client.post(
        f"{CHANGELIST}{key.pk}/change/",
        {"name": "ERP renommé", "scope_read": "on", "scope_write": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert not RAW_KEY.search(page_text(response))
    key.refresh_from_db()
    assert (key.name, key.scopes, key.secret_hash) == (
        "ERP renommé",
        {"read", "write"},
        hash_secret(raw),
    )


def test_nobody_deletes_a_key_even_a_superuser(client):
    key, _raw = make_key()
    root = User.objects.create_superuser("root-test", "root@example.org", "x")
    client.force_login(root)
    assert client.post(f"{CHANGELIST}{key.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiKey.objects.filter(pk=key.pk).exists()


# --- the list ------------------------------------------------------------------------------------


def test_the_list_shows_name_prefix_scopes_dates_and_revocation(client, boss):
    key, _raw = make_key("Transitaire", read=True, events=True)
    client.force_login(boss)
    response = client.get(CHANGELIST)
    assert list(response.context["cl"].list_display[1:]) == [
        "name",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    text = page_text(response)
    assert "Transitaire" in text and key.prefix in text and "events, read" in text
    assert key.secret_hash not in text


@pytest.mark.parametrize("count", [1, 15])
def test_the_list_costs_the_same_queries_whatever_the_number_of_keys(
    client, boss, count, django_assert_max_num_queries
):
    for number in range(count):
        make_key(f"Client {number}")
    client.force_login(boss)
    with django_assert_max_num_queries(12):
        assert client.get(CHANGELIST).status_code == 200


# --- revocation ----------------------------------------------------------------------------------


def revoke(client: Client, keys: list[ApiKey]):
    data = {"action": "revoke", "_selected_action": [str(key.pk) for key in keys], "index": "0"}
    return client.post(CHANGELIST, data, follow=True)


def test_revoking_a_key_makes_the_api_refuse_it(client, boss):
    key, raw = make_key(read=True, write=True)
    _other, other_raw = make_key("Autre", read=True)
    assert whoami(raw).status_code == 200
    client.force_login(boss)

    response = revoke(client, [key])

    assert "1 clé(s) d'API révoquée(s)" in page_text(response)
    key.refresh_from_db()
    assert key.revoked_at is not None
    refused = whoami(raw)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Clé d'API révoquée.", "errors": {}}
    assert APIClient().get(
        "/api/v1/products/", HTTP_AUTHORIZATION=f"Api-Key {raw}"
    ).status_code in (
        401,
        403,
    )
    assert whoami(other_raw).status_code == 200  # only the selected key


def test_revoking_again_keeps_the_first_revocation_time(client, boss):
    key, _raw = make_key()
    client.force_login(boss)
    revoke(client, [key])
    key.refresh_from_db()
    first = key.revoked_at
    response = revoke(client, [key])
    assert "Aucune clé active dans la sélection" in page_text(response)
    key.refresh_from_db()
    assert key.revoked_at == first


def test_only_managers_revoke(client):
    key, raw = make_key()
    staff = factories.UserFactory(username="lecteur-test", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_apikey"))
    client.force_login(User.objects.get(pk=staff.pk))
    revoke(client, [key])
    key.refresh_from_db()
    assert key.revoked_at is None
    assert whoami(raw).status_code == 200
