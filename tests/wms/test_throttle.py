"""wms.services.throttle: one slot per key per window, shared across processes; 0 disables."""

import multiprocessing
from datetime import timedelta

import pytest
import time_machine
from django.db import connections
from django.utils import timezone

from wms.models import ThrottleSlot
from wms.services import throttle


@pytest.mark.django_db
def test_the_first_call_takes_the_slot_and_the_second_is_refused():
    assert throttle.acquire("account_request", "a@example.org", 300) is True
    assert throttle.acquire("account_request", "a@example.org", 300) is False


@pytest.mark.django_db
def test_keys_and_scopes_are_independent():
    assert throttle.acquire("account_request", "a@example.org", 300)
    assert throttle.acquire("account_request", "b@example.org", 300)
    assert throttle.acquire("public_order", "a@example.org", 300)


@pytest.mark.django_db
def test_the_slot_frees_up_when_the_window_ends():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert throttle.acquire("tracking", "token-1", 60)
        traveller.shift(timedelta(seconds=59))
        assert not throttle.acquire("tracking", "token-1", 60)
        assert throttle.seconds_remaining("tracking", "token-1") == 1
        traveller.shift(timedelta(seconds=2))
        assert throttle.seconds_remaining("tracking", "token-1") == 0
        assert throttle.acquire("tracking", "token-1", 60)
        assert not throttle.acquire("tracking", "token-1", 60)


@pytest.mark.django_db
def test_zero_seconds_disables_the_throttle():
    assert all(throttle.acquire("public_order", "10.0.0.1", 0) for _ in range(3))
    assert ThrottleSlot.objects.count() == 0


@pytest.mark.django_db
def test_keys_are_stored_hashed():
    throttle.acquire("account_request", "someone@example.org", 300)
    stored = ThrottleSlot.objects.get()
    assert "someone" not in stored.key
    assert len(stored.key) == 64


@pytest.mark.django_db
def test_purge_removes_only_expired_slots():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        throttle.acquire("a", "old", 10)
        traveller.shift(timedelta(seconds=11))
        throttle.acquire("a", "new", 10)
        assert throttle.purge_expired() == 1
    assert list(ThrottleSlot.objects.values_list("scope", flat=True)) == ["a"]
    assert throttle.seconds_remaining("a", "missing") == 0


def _race(start: "multiprocessing.synchronize.Barrier", results: "multiprocessing.Queue") -> None:
    # A forked child must not reuse the parent's database connection.
    connections.close_all()
    start.wait()
    results.put(throttle.acquire("account_request", "raced@example.org", 300))
    connections.close_all()


def race_two_processes() -> list[bool]:
    context = multiprocessing.get_context("fork")
    start = context.Barrier(2)
    results = context.Queue()
    connections.close_all()
    workers = [context.Process(target=_race, args=(start, results)) for _ in range(2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=30)
        assert process.exitcode == 0
    return sorted(results.get(timeout=5) for _ in workers)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_racing_for_a_new_key_get_one_slot():
    assert race_two_processes() == [False, True]
    assert ThrottleSlot.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_processes_racing_for_an_expired_slot_get_one_slot():
    ThrottleSlot.objects.create(
        key=throttle._slot_key("account_request", "raced@example.org"),
        scope="account_request",
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert race_two_processes() == [False, True]
