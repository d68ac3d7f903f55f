"""Integration events in the admin (S-EMAIL): managers read the queue and its health panel, replay
failed emails with an action, and can change nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests import factories
from tests.wms.admin_support import page_text
from wms.admin.dates import date_hierarchy_works
from wms.emailing import queue_email
from wms.emailing.health import format_age, queue_health
from wms.emailing.replay import replay_failed
from wms.models import IntegrationDirection, IntegrationEvent
from wms.roles import MANAGER_GROUP

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/wms/integrationevent/"
# What managers need here: migration 0009 grants them to the Manager group.
QUEUE_CODENAMES = ["view_integrationevent", "change_integrationevent"]
NOW = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
SET_PASSWORD_LINK = "https://wms.example.org/admin/reset/MQ/abc-123/"


@pytest.fixture
def boss(manager: User) -> User:
    held = Group.objects.get(name=MANAGER_GROUP).permissions.values_list("codename", flat=True)
    assert set(QUEUE_CODENAMES) <= set(held)
    return manager


@pytest.fixture
def viewer(db: None) -> User:
    """Staff who may read the events but not replay them."""
    user = factories.UserFactory(username="lecteur-test", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_integrationevent"))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root-test", "root@example.org", "x")


def email(subject: str = "Sujet", *, status: str = "pending", error: str = "", **fields):
    queue_email(subject, f"Définissez votre mot de passe : {SET_PASSWORD_LINK}", ["a@example.org"])
    event = IntegrationEvent.objects.latest("pk")
    IntegrationEvent.objects.filter(pk=event.pk).update(
        status=status, error_message=error, **fields
    )
    event.refresh_from_db()
    return event


def other_event(direction: str, *, source: str = "erp", status: str = "failed"):
    return IntegrationEvent.objects.create(
        direction=direction,
        source=source,
        event_type="order.created",
        status=status,
        error_message="refusé par l'ERP",
        attempts=3,
    )


def replay(client, pks: list[int], **extra: str):
    data = {"action": "replay_failed_emails", "_selected_action": [str(pk) for pk in pks]}
    return client.post(CHANGELIST, {**data, "index": "0", **extra}, follow=True)


def state(event: IntegrationEvent) -> tuple:
    event.refresh_from_db()
    return (event.status, event.attempts, event.next_attempt_at, event.error_message)


# --- who gets in ---------------------------------------------------------------------------------


def test_a_manager_opens_the_changelist_and_an_event(client, boss):
    event = email()
    client.force_login(boss)
    assert client.get(CHANGELIST).status_code == 200
    assert client.get(f"{CHANGELIST}{event.pk}/change/").status_code == 200


def test_a_worker_is_sent_to_the_admin_login(client, worker):
    client.force_login(worker)
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_view_permission_get_403(client, db):
    staff = factories.UserFactory(username="staff-test", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403


# --- read only -----------------------------------------------------------------------------------


def test_a_manager_reads_the_payload_with_its_set_password_link(client, boss):
    event = email()
    client.force_login(boss)
    text = page_text(client.get(f"{CHANGELIST}{event.pk}/change/"))
    assert SET_PASSWORD_LINK in text
    assert "a@example.org" in text


@pytest.mark.parametrize("user_fixture", ["boss", "superuser"])
def test_nobody_edits_adds_or_deletes_an_event(client, request, user_fixture):
    event = email(status="failed", error="Tentative 5 : refusé")
    client.force_login(request.getfixturevalue(user_fixture))
    change_url = f"{CHANGELIST}{event.pk}/change/"
    page = client.get(change_url)
    assert page.status_code == 200
    assert b'name="payload"' not in page.content and b'name="status"' not in page.content
    assert b'name="_save"' not in page.content
    posted = client.post(change_url, {"status": "processed", "payload": "{}"})
    assert posted.status_code == 403
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert state(event)[0] == "failed"
    assert event.payload["message"].endswith(SET_PASSWORD_LINK)


def test_the_changelist_shows_the_columns_and_a_short_error(client, boss):
    error = "Tentative 1 : " + "x" * 200
    email(status="failed", error=error)
    client.force_login(boss)
    response = client.get(CHANGELIST)
    cl = response.context["cl"]
    assert list(cl.list_display[1:]) == [
        "id",
        "direction",
        "source",
        "event_type",
        "target",
        "status",
        "attempts",
        "created_at",
        "processed_at",
        "short_error",
    ]
    result_list = page_text(response).split('id="changelist"')[1]
    assert f'<td class="field-short_error">{error[:79]}…</td>' in result_list
    assert error not in result_list  # the full text is on the event's page and in the panel


def test_filters_and_search_find_events(client, boss):
    wanted = email("Facture")
    IntegrationEvent.objects.filter(pk=wanted.pk).update(target="jeanne@example.org")
    email("Autre")
    inbound = other_event(IntegrationDirection.INBOUND)
    IntegrationEvent.objects.filter(pk=inbound.pk).update(external_id="ERP-42")
    client.force_login(boss)

    def found(query: str) -> set[int]:
        return {event.pk for event in client.get(CHANGELIST + query).context["cl"].result_list}

    assert found("?q=jeanne") == {wanted.pk}
    assert found("?q=ERP-42") == {inbound.pk}
    assert found("?q=refusé par") == {inbound.pk}
    assert found("?direction__exact=inbound") == {inbound.pk}
    assert found("?status__exact=failed&source__exact=erp&event_type__exact=order.created") == {
        inbound.pk
    }


def test_the_date_drill_down_works_where_the_database_can_do_it(client, boss):
    with time_machine.travel(dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC), tick=False):
        new_year_in_paris = email("Nouvel an")  # 23:30 in Paris: still 2025 there
    with time_machine.travel(dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC), tick=False):
        next_day = email("Lendemain")
    client.force_login(boss)
    cl = client.get(CHANGELIST).context["cl"]
    assert cl.date_hierarchy == ("created_at" if date_hierarchy_works(IntegrationEvent) else None)
    if cl.date_hierarchy:
        in_2025 = client.get(CHANGELIST + "?created_at__year=2025").context["cl"].result_list
        assert [event.pk for event in in_2025] == [new_year_in_paris.pk]
        in_2026 = client.get(CHANGELIST + "?created_at__year=2026").context["cl"].result_list
        assert [event.pk for event in in_2026] == [next_day.pk]


def test_the_date_drill_down_is_dropped_without_time_zone_tables(client, boss, monkeypatch):
    # MariaDB without its time-zone tables cannot be provisioned per test: stand in for it.
    monkeypatch.setattr(connection.features, "has_zoneinfo_database", False)
    client.force_login(boss)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["cl"].date_hierarchy is None


def test_the_changelist_query_count_does_not_grow_with_the_events(client, boss):
    def queries_for(count: int) -> int:
        for n in range(count):
            email(f"S{n}", status="failed", error=f"erreur {n}")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CHANGELIST).status_code == 200
        return len(captured)

    client.force_login(boss)
    assert queries_for(3) == queries_for(30)


# --- the queue-health panel ----------------------------------------------------------------------


def test_the_panel_counts_outbound_emails_per_status_and_the_oldest_pending_age(client, boss):
    with time_machine.travel(NOW - dt.timedelta(minutes=3, seconds=20), tick=False):
        email("Plus ancien")
    with time_machine.travel(NOW - dt.timedelta(minutes=1), tick=False):
        email("Récent")
        email("En cours", status="processing")
        email("Envoyé", status="processed")
        email("Échec", status="failed", error="Tentative 5 : délai dépassé")
        # Not emails: never counted, however old.
        other_event(IntegrationDirection.INBOUND, status="pending")
        other_event(IntegrationDirection.OUTBOUND, source="wms.webhook", status="failed")
    client.force_login(boss)
    with time_machine.travel(NOW, tick=False):
        response = client.get(CHANGELIST)
    health = response.context["queue_health"]
    assert (health["pending"], health["processing"], health["processed"], health["failed"]) == (
        2,
        1,
        1,
        1,
    )
    assert health["oldest_pending_age_s"] == 200
    text = page_text(response)
    assert 'id="queue-pending">2<' in text and 'id="queue-failed">1<' in text
    assert 'id="queue-oldest-pending">3 min<' in text
    assert "Tentative 5 : délai dépassé" in text


def test_the_panel_lists_the_last_20_failures_newest_first(client, boss):
    failed = []
    for n in range(22):
        with time_machine.travel(NOW + dt.timedelta(minutes=n), tick=False):
            failed.append(email(f"S{n}", status="failed", error=f"Erreur numéro {n:02d}"))
    client.force_login(boss)
    response = client.get(CHANGELIST)
    listed = response.context["queue_health"]["recent_failures"]
    assert [row["id"] for row in listed] == [event.pk for event in reversed(failed)][:20]
    assert listed[0]["error_message"] == "Erreur numéro 21"
    text = page_text(response)
    panel = text[
        text.index('id="queue-recent-failures"') : text.index(
            "</table>", text.index('id="queue-recent-failures"')
        )
    ]
    assert "Erreur numéro 02" in panel and "Erreur numéro 01" not in panel
    assert f'href="/admin/wms/integrationevent/{failed[21].pk}/change/"' in panel


def test_an_empty_queue_says_so(client, boss):
    client.force_login(boss)
    text = page_text(client.get(CHANGELIST))
    assert 'id="queue-oldest-pending">—<' in text
    assert "Aucun envoi en échec." in text


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(None, "—"), (0, "0 s"), (59, "59 s"), (60, "1 min"), (200, "3 min"), (3599, "59 min"),
     (3600, "1 h 00"), (7500, "2 h 05"), (86400, "1 j 0 h"), (3 * 86400 + 4 * 3600, "3 j 4 h")],
)  # fmt: skip
def test_ages_read_as_people_say_them(seconds, shown):
    assert format_age(seconds) == shown


def test_queue_health_is_the_same_numbers_for_the_panel_and_healthz(client, boss):
    with time_machine.travel(NOW - dt.timedelta(seconds=90), tick=False):
        email()
    client.force_login(boss)
    with time_machine.travel(NOW, tick=False):
        panel = client.get(CHANGELIST).context["queue_health"]
        healthz = client.get("/healthz").json()
        direct = queue_health()
    assert panel == direct
    assert (healthz["pending"], healthz["oldest_pending_age_s"]) == (1, 90)


# --- replaying failed emails ---------------------------------------------------------------------


def test_a_manager_replays_the_selected_failed_emails(client, boss):
    with time_machine.travel(NOW - dt.timedelta(hours=1), tick=False):
        first = email("Un", status="failed", error="Tentative 5 : délai dépassé", attempts=5)
        second = email("Deux", status="failed", error="Tentative 1 : 401", attempts=1)
        not_selected = email("Trois", status="failed", error="Tentative 5 : 503", attempts=5)
    client.force_login(boss)
    with time_machine.travel(NOW, tick=False):
        response = replay(client, [first.pk, second.pk])
    assert "2 envoi(s) en échec remis en file d'attente." in page_text(response)
    assert state(first) == ("pending", 0, NOW, "Tentative 5 : délai dépassé")
    assert state(second) == ("pending", 0, NOW, "Tentative 1 : 401")
    assert state(not_selected)[:2] == ("failed", 5)


def test_replay_leaves_other_events_alone_and_says_so(client, boss):
    failed = email("Échec", status="failed", error="Tentative 5 : 503", attempts=5)
    sent = email("Envoyé", status="processed", attempts=1)
    waiting = email("En attente", status="pending", attempts=2, next_attempt_at=NOW)
    inbound = other_event(IntegrationDirection.INBOUND)
    webhook = other_event(IntegrationDirection.OUTBOUND, source="wms.webhook")
    before = {event.pk: state(event) for event in (sent, waiting, inbound, webhook)}
    client.force_login(boss)
    response = replay(client, [failed.pk, sent.pk, waiting.pk, inbound.pk, webhook.pk])
    text = page_text(response)
    assert "1 envoi(s) en échec remis en file d'attente." in text
    assert "4 événement(s) ignoré(s) : pas un e-mail en échec." in text
    assert state(failed)[:2] == ("pending", 0)
    assert {event.pk: state(event) for event in (sent, waiting, inbound, webhook)} == before


def test_replay_without_a_failed_email_changes_nothing(client, boss):
    inbound = other_event(IntegrationDirection.INBOUND)
    before = state(inbound)
    client.force_login(boss)
    response = replay(client, [inbound.pk])
    assert "Aucun envoi d'e-mail en échec dans la sélection." in page_text(response)
    assert state(inbound) == before


def test_replay_across_every_page_takes_the_filtered_failures(client, boss):
    failures = [email(f"S{n}", status="failed", error="x", attempts=5) for n in range(3)]
    email("Envoyé", status="processed")
    client.force_login(boss)
    response = client.post(
        CHANGELIST + "?status__exact=failed",
        {
            "action": "replay_failed_emails",
            "_selected_action": [str(failures[0].pk)],
            "select_across": "1",
            "index": "0",
        },
        follow=True,
    )
    assert "3 envoi(s) en échec remis en file d'attente." in page_text(response)
    assert IntegrationEvent.objects.filter(status="pending").count() == 3


def test_a_viewer_without_change_permission_cannot_replay(client, viewer):
    failed = email(status="failed", error="Tentative 5 : 503", attempts=5)
    before = state(failed)
    client.force_login(viewer)
    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert b"replay_failed_emails" not in page.content
    replay(client, [failed.pk])
    assert state(failed) == before


def test_the_replay_action_is_offered_to_managers(client, boss):
    client.force_login(boss)
    email(status="failed", error="x")
    page = page_text(client.get(CHANGELIST))
    assert 'value="replay_failed_emails"' in page
    assert "Rejouer les envois en échec" in page


def test_replay_failed_returns_the_count_and_is_idempotent():
    failed = [email(f"S{n}", status="failed", error="e", attempts=5) for n in range(2)]
    email("Envoyé", status="processed")
    other_event(IntegrationDirection.INBOUND)
    with time_machine.travel(NOW, tick=False):
        assert replay_failed(IntegrationEvent.objects.all()) == 2
        assert replay_failed(IntegrationEvent.objects.all()) == 0
    assert [state(event) for event in failed] == [("pending", 0, NOW, "e")] * 2


def test_a_replayed_email_is_sent_by_the_next_queue_run(settings):
    from django.core import mail
    from django.core.management import call_command

    failed = email(status="failed", error="Tentative 5 : 503", attempts=5)
    replay_failed(IntegrationEvent.objects.filter(pk=failed.pk))
    call_command("process_email_queue")
    assert state(failed)[:2] == ("processed", 1)
    assert mail.outbox[0].to == ["a@example.org"]
    assert timezone.now() - failed.processed_at < dt.timedelta(minutes=1)
