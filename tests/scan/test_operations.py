"""At most once per (principal, operation id) — the server side of S-OFFLINE."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connections

from scan.models import ScanOperation
from scan.operations import OperationConflict, parse_op_id, principal_of, run_once
from tests.factories import ProductFactory, UserFactory
from tests.stock_helpers import ledger_is_clean
from wms.models import StockMovement
from wms.services import stock
from wms.services.errors import StockError


def remove_one(product, user, op_id, quantity=1):
    fields = {"product": product.pk, "quantity": quantity}

    def apply():
        movements = stock.remove(product=product, quantity=quantity,
                                 actor=stock.Actor(user=user, operation_id=op_id))  # fmt: skip
        return {"message": f"{quantity} sorti(s)", "movements": [m.pk for m in movements]}

    return run_once(principal=principal_of(user), op_id=op_id, kind="remove", fields=fields,
                    apply=apply)  # fmt: skip


@pytest.mark.django_db
def test_a_repeat_returns_the_first_outcome_and_applies_nothing(worker):
    product = ProductFactory()
    stock.receive(product=product, quantity=5)
    op_id = uuid.uuid4()
    first = remove_one(product, worker, op_id)
    again = remove_one(product, worker, op_id)
    assert first.applied and not first.replayed
    assert again.applied and again.replayed
    assert again.response == first.response
    assert StockMovement.objects.filter(movement_type="out").count() == 1
    assert StockMovement.objects.get(movement_type="out").operation_id == op_id


@pytest.mark.django_db
def test_the_same_id_with_another_body_is_a_conflict(worker):
    product = ProductFactory()
    stock.receive(product=product, quantity=5)
    op_id = uuid.uuid4()
    remove_one(product, worker, op_id)
    with pytest.raises(OperationConflict):
        remove_one(product, worker, op_id, quantity=2)
    assert StockMovement.objects.filter(movement_type="out").count() == 1


@pytest.mark.django_db
def test_the_same_id_from_two_users_is_two_operations(worker):
    other = UserFactory(username="autre", groups=["Worker"])
    product = ProductFactory()
    stock.receive(product=product, quantity=5)
    op_id = uuid.uuid4()
    assert remove_one(product, worker, op_id).applied
    assert not remove_one(product, other, op_id).replayed
    assert StockMovement.objects.filter(movement_type="out").count() == 2
    assert ScanOperation.objects.filter(op_id=op_id).count() == 2


@pytest.mark.django_db
def test_a_refusal_is_recorded_with_its_reason_and_replayed_as_such(worker):
    product = ProductFactory()
    stock.receive(product=product, quantity=1)
    op_id = uuid.uuid4()
    refused = remove_one(product, worker, op_id, quantity=3)
    assert not refused.applied
    assert refused.message == "Stock insuffisant : 1 disponible(s)"
    stock.receive(product=product, quantity=10)  # the stock arrives later...
    replay = remove_one(product, worker, op_id, quantity=3)
    assert (replay.applied, replay.replayed, replay.message) == (False, True, refused.message)
    assert StockMovement.objects.filter(movement_type="out").count() == 0


@pytest.mark.django_db
def test_a_stale_count_is_rejected_with_the_current_quantity(worker):
    lot = stock.receive(product=ProductFactory(), quantity=10)
    stock.adjust(lot=lot, delta=-3, reason_code="lost")

    def apply():
        stock.count(lot=lot, counted=12, seen_on_hand=10, actor=stock.Actor(user=worker))
        return {"message": "compté"}

    outcome = run_once(principal=principal_of(worker), op_id=uuid.uuid4(), kind="count",
                       fields={"lot": lot.pk, "counted": 12, "seen": 10}, apply=apply)  # fmt: skip
    assert not outcome.applied
    assert "quantité actuelle 7" in outcome.message
    assert outcome.response["code"] == "stale_count"


@pytest.mark.parametrize("raw", ["", None, "abc", "1234"])
def test_operation_ids_must_be_uuids(raw):
    with pytest.raises(StockError, match="Identifiant d'opération"):
        parse_op_id(raw)


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_sends_of_one_id_apply_once():
    worker = UserFactory(username="concurrent", groups=["Worker"])
    product = ProductFactory()
    stock.receive(product=product, quantity=10)
    op_id = uuid.uuid4()
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def send():
        try:
            start.wait()
            outcomes.append(remove_one(product, worker, op_id))
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(outcome.replayed for outcome in outcomes) == [False, True]
    assert all(outcome.applied for outcome in outcomes)
    assert StockMovement.objects.filter(movement_type="out").count() == 1
    assert ScanOperation.objects.filter(op_id=op_id).count() == 1
    assert ledger_is_clean()
