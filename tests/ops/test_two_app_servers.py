"""Two app servers on one MariaDB database (issue 12, docs/scaling.md).

Two gunicorn servers, each its own copy of the project configured through the environment as a
production server is (DEBUG off, the real settings module, `collectstatic` run), two workers
each, on two loopback ports, on this test's database. Every browser, phone and API client stands
behind a load balancer: its requests reach one server or the other, and the app must answer as a
single server would.

1. Throttles, login lockouts and API rate limits are counted in the database: a sequence of
   requests alternating between the servers is limited exactly as the same sequence on one, and
   requests sent to both servers at the same moment are limited to the same count.
2. `process_email_queue` run on both servers at once (their cron jobs) sends each email once.
3. A scan capture sent to one server and replayed to the other (the offline outbox) applies once.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from scan.models import OperationOutcome, ScanOperation
from tests import factories
from tests.fakes.brevo import FakeBrevo
from tests.ops.app_servers import AppServer, Browser, app_servers
from tests.shipping_helpers import scene
from tests.stock_helpers import ledger_is_clean
from wms.emailing import queue_email
from wms.models import (
    ApiKey,
    IntegrationEvent,
    MovementType,
    PublicAccountRequest,
    StockMovement,
    TrackingEvent,
    TrackingStep,
)
from wms.services import stock

pytestmark = [
    pytest.mark.mysql,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Low limits for the servers, set the way an operator sets them: through the environment.
KEY_RATE = 5  # API requests per key per minute
RATES = {
    "API_THROTTLE_RATE_KEY": f"{KEY_RATE}/min",
    "ACCOUNT_REQUEST_THROTTLE_SECONDS": "300",
    "TRACKING_UPDATE_THROTTLE_SECONDS": "60",
}
BREVO_KEY = "two-servers-brevo-key"
EMAILS = 300
PASSWORD = factories.PASSWORD
LOGIN = "/scan/login/"
WHOAMI = "/api/v1/whoami/"
ACCOUNT_REQUEST = "/portal/request-account/"
SUMMARY = re.compile(r"^process_email_queue: selected=(\d+) processed=(\d+) ", re.MULTILINE)

Servers = tuple[AppServer, AppServer]
T = TypeVar("T")


@pytest.fixture(scope="module")
def brevo() -> Iterator[FakeBrevo]:
    # Each send takes 30 ms: one run alone would need ~2 s, so the two runs overlap.
    with FakeBrevo(api_key=BREVO_KEY, latency=0.03) as fake:
        yield fake


@pytest.fixture(scope="module")
def servers(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory, brevo: FakeBrevo
) -> Iterator[Servers]:
    assert connection.vendor == "mysql"
    assert str(connection.settings_dict["NAME"]).startswith("test_")  # never a real database
    with app_servers(
        tmp_path_factory.mktemp("two-servers"),
        connection.settings_dict,
        count=2,
        workers=2,
        BREVO_API_KEY=BREVO_KEY,
        BREVO_API_URL=brevo.base_url,
        **RATES,
    ) as (a, b):
        yield a, b


@pytest.fixture(autouse=True)
def fresh_counters() -> Iterator[None]:
    # The cache table is not a model table: the flush between tests leaves its rows.
    cache.clear()
    yield
    cache.clear()


def at_once(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the calls in threads released together: the servers receive them at the same time."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        gate.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def staff_user(username: str) -> User:
    """A worker whose password the servers can check: they use the production hashers, not the
    test one. Few iterations keep the failed attempts quick (a sign-in upgrades the hash)."""
    user = factories.worker(username=username)
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return user


# --- 1. throttles, lockouts and rate limits ------------------------------------------------------


def api_key(name: str) -> str:
    key = ApiKey(name=name, scope_read=True)
    raw = key.issue()
    key.save()
    return raw


def api_call(server: AppServer, raw_key: str) -> Callable[[], int]:
    def call() -> int:
        response = requests.get(
            server.url(WHOAMI), headers={"Authorization": f"Api-Key {raw_key}"}, timeout=30
        )
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
        return response.status_code

    return call


def test_an_api_key_gets_the_same_requests_through_one_server_or_both(servers: Servers) -> None:
    a, b = servers
    limited = [200] * KEY_RATE + [429] * 7

    one_key = api_key("Un serveur")
    one = [api_call(a, one_key)() for _ in range(12)]
    both_key = api_key("Deux serveurs")
    both = [api_call(server, both_key)() for server in [a, b] * 6]
    at_the_same_time_key = api_key("En même temps")
    together = at_once([api_call(server, at_the_same_time_key) for server in [a, b] * 6])

    print(f"one server {one}\nalternating {both}\nat once {together}")
    assert one == limited
    assert both == limited
    assert Counter(together) == Counter(limited), together
    # Both servers answered both ways: the count is one count, not one per server.
    assert {code for _pid, code in a.answers("GET", WHOAMI)} == {200, 429}
    assert {code for _pid, code in b.answers("GET", WHOAMI)} == {200, 429}


def wrong_passwords(browser: Browser, route: Sequence[AppServer], username: str) -> list[int]:
    fields = {"username": username, "password": "wrong"}
    return [browser.submit(server, LOGIN, fields).status_code for server in route]


def right_password(browser: Browser, server: AppServer, username: str) -> int:
    fields = {"username": username, "password": PASSWORD}
    return browser.submit(server, LOGIN, fields).status_code


def test_five_failed_logins_lock_the_account_on_both_servers(servers: Servers) -> None:
    a, b = servers
    for name in ("alice-un", "alice-deux", "bob-deux"):
        staff_user(name)

    alone = Browser("198.51.100.20")
    one = [*wrong_passwords(alone, [a] * 5, "alice-un"), right_password(alone, a, "alice-un")]
    spread = Browser("198.51.100.21")
    both = [
        *wrong_passwords(spread, [a, b, a, b, a], "alice-deux"),
        right_password(spread, b, "alice-deux"),
        right_password(spread, a, "alice-deux"),
    ]
    # Four failures spread over both servers are four: the fifth attempt, right, signs in; and
    # the session opened by one server is the session of the other.
    bob = Browser("198.51.100.22")
    four = [*wrong_passwords(bob, [b, a, b, a], "bob-deux"), right_password(bob, b, "bob-deux")]

    print(f"one server {one}\nalternating {both}\nfour failures {four}")
    assert one == [200, 200, 200, 200, 429, 429]
    assert both == [200, 200, 200, 200, 429, 429, 429]
    assert four == [200, 200, 200, 200, 302]
    assert bob.get(a, "/scan/").status_code == 200
    assert alone.get(a, "/scan/").status_code == 302  # never signed in


def account_request(server: AppServer, email: str, address: str) -> int:
    fields = {
        "association_name": "Soleil de Toamasina",
        "email": email,
        "city": "Toamasina",
        "country": "Madagascar",
    }
    return Browser(address).submit(server, ACCOUNT_REQUEST, fields).status_code


def test_one_account_request_per_email_and_address_whichever_server_answers(
    servers: Servers,
) -> None:
    a, b = servers
    # (email, client address): the first one passes, the second reuses its email, the third its
    # address, the fourth is new.
    steps = [("{}-1@example.org", "203.0.113.1"), ("{}-1@example.org", "203.0.113.2"),
             ("{}-2@example.org", "203.0.113.1"), ("{}-3@example.org", "203.0.113.3")]  # fmt: skip

    def run(route: Sequence[AppServer], tag: str, network: str) -> list[int]:
        return [
            account_request(server, email.format(tag), address.replace("203.0.113", network))
            for server, (email, address) in zip(route, steps, strict=True)
        ]

    one = run([a, a, a, a], "un", "203.0.113")
    both = run([a, b, b, a], "deux", "198.51.100")
    # One email from eight addresses, four on each server, at the same moment.
    together = at_once(
        [
            partial(account_request, server, "ensemble@example.org", f"192.0.2.{n}")
            for n, server in enumerate([a, b] * 4, start=1)
        ]
    )

    assert one == [303, 429, 429, 303]
    assert both == one
    assert sorted(together) == [303] + [429] * 7
    assert PublicAccountRequest.objects.filter(email="ensemble@example.org").count() == 1
    assert PublicAccountRequest.objects.count() == 2 + 2 + 1


def correspondent_update(server: AppServer, token: uuid.UUID, address: str) -> int:
    path = reverse("scan:shipment_update", args=[token])
    fields = {
        "step": TrackingStep.RECEIVED_CORRESPONDENT,
        "actor_name": "Lucienne Randria",
        "actor_structure": "Correspondance Tana",
    }
    return Browser(address).submit(server, path, fields).status_code


def test_one_update_link_step_per_minute_and_client_whichever_server_answers(
    servers: Servers,
) -> None:
    a, b = servers
    place = scene()
    first, second = place.shipment(), place.shipment()
    addresses = ["198.51.100.7", "198.51.100.7", "203.0.113.9", "203.0.113.9"]

    def run(route: Sequence[AppServer], token: uuid.UUID) -> list[int]:
        return [
            correspondent_update(server, token, address)
            for server, address in zip(route, addresses, strict=True)
        ]

    one = run([a, a, a, a], first.update_token)
    both = run([a, b, b, a], second.update_token)

    assert one == [303, 429, 303, 429]
    assert both == one
    assert TrackingEvent.objects.filter(shipment=second, via_update_link=True).count() == 2


# --- 2. the email queue on both servers at once -------------------------------------------------


def test_the_queue_command_on_both_servers_at_once_sends_each_email_once(
    servers: Servers, brevo: FakeBrevo
) -> None:
    with transaction.atomic():
        for n in range(EMAILS):
            queue_email(f"Message {n}", f"Texte {n}", [f"destinataire{n}@example.org"])
    ids = {str(pk) for pk in IntegrationEvent.objects.values_list("pk", flat=True)}
    assert len(ids) == EMAILS
    brevo.reset()

    runs = [
        server.start_command("process_email_queue", f"--limit={EMAILS + 100}") for server in servers
    ]
    outputs = []
    try:
        for run in runs:
            out, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
            outputs.append(out)
    finally:
        for run in runs:
            if run.poll() is None:
                run.kill()
                run.wait()

    summaries = [SUMMARY.search(out) for out in outputs]
    assert all(summaries), outputs
    processed = [int(match[2]) for match in summaries if match]
    print(f"process_email_queue on servers a and b: processed {processed}")
    deliveries = brevo.deliveries()
    assert {event: n for event, n in deliveries.items() if n > 1} == {}
    assert set(deliveries) == ids
    assert len(brevo.requests) == EMAILS
    assert IntegrationEvent.objects.exclude(status="processed").count() == 0
    assert set(IntegrationEvent.objects.values_list("attempts", flat=True)) == {1}
    assert sum(processed) == EMAILS
    # Both ran at the same time and both sent: the queue was shared, not run twice in a row.
    assert min(processed) > 0, processed


# --- 3. a capture sent to one server, replayed to the other ---------------------------------------


def signed_in(server: AppServer, username: str, address: str) -> Browser:
    browser = Browser(address)
    answer = browser.submit(server, LOGIN, {"username": username, "password": PASSWORD})
    assert answer.status_code == 302, answer.text[-500:]
    return browser


def send(browser: Browser, server: AppServer, body: dict[str, str]) -> requests.Response:
    """What the outbox sends: the form's fields without the page's CSRF input, the token from
    the cookie in a header, JSON asked for."""
    return browser.post(
        server,
        reverse("scan:out"),
        data=body,
        headers={"Accept": "application/json", "X-CSRFToken": browser.csrf_cookie},
    )


def test_a_capture_replayed_to_the_other_server_applies_once(servers: Servers) -> None:
    a, b = servers
    staff_user("magasinier-deux")
    product = factories.ProductFactory(name="Compresses stériles", sku="CMP-0002")
    lot = stock.receive(product=product, quantity=10, location=factories.LocationFactory())
    phone = signed_in(a, "magasinier-deux", "198.51.100.30")

    # The form as server a renders it (its op_id), filled in by the worker.
    out = reverse("scan:out")
    page = phone.get(a, f"{out}?code={product.sku}")
    assert page.status_code == 200
    fields = phone.hidden_fields(page, out)
    fields.pop("csrfmiddlewaretoken", None)
    body: dict[str, str] = {
        **fields,
        "product_code": product.sku,
        "quantity": "3",
        "reason": "scan_out",
    }
    op_id = uuid.UUID(body["op_id"])

    first = send(phone, a, body)
    # The answer was lost; the outbox sends again, and the load balancer picks server b.
    again = send(phone, b, body)
    # The same operation from the worker's other device, signed in on server b only.
    tablet = signed_in(b, "magasinier-deux", "198.51.100.31")
    from_tablet = send(tablet, b, body)

    assert first.status_code == 200, first.text[-500:]
    assert (first.json()["status"], first.json()["replayed"]) == ("applied", False)
    for replay in (again, from_tablet):
        assert replay.status_code == 200, replay.text[-500:]
        answer = replay.json()
        assert (answer["op_id"], answer["status"], answer["replayed"]) == (
            str(op_id),
            "applied",
            True,
        )
        assert answer["message"] == first.json()["message"]
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 7
    assert StockMovement.objects.filter(operation_id=op_id).count() == 1
    assert ScanOperation.objects.get(op_id=op_id).outcome == OperationOutcome.APPLIED

    # A new operation sent to both servers at the same moment: one applies it, one replays it.
    body = {**body, "op_id": str(uuid.uuid4()), "quantity": "2"}
    twin = phone.twin()  # the same phone's second connection (one requests session per thread)
    answers = at_once([lambda: send(phone, a, body), lambda: send(twin, b, body)])
    assert [answer.status_code for answer in answers] == [200, 200]
    assert sorted(answer.json()["replayed"] for answer in answers) == [False, True]
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 5
    movements = StockMovement.objects.filter(lot=lot, movement_type=MovementType.OUT)
    assert sorted(movements.values_list("delta", flat=True)) == [-3, -2]
    assert ledger_is_clean()
