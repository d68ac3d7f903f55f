"""Stock operations (S-STOCK): what they write, and that every refusal has its French message
and changes nothing, row by row."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import LocationFactory, ProductFactory, manager
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import Location, LotStatus, MovementType, ProductLot, StockMovement
from wms.services import stock
from wms.services.errors import StaleCount, StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory()


@pytest.fixture
def lot(product):
    return stock.receive(product=product, quantity=10, lot_code="L1")


def refused(match, operation, *args, **kwargs):
    before = snapshot()
    with pytest.raises(StockError, match=match):
        operation(*args, **kwargs)
    assert snapshot() == before


# --- what succeeds -------------------------------------------------------------------------


def test_receive_creates_a_lot_and_an_in_movement(product, worker):
    actor = Actor(user=worker)
    lot = stock.receive(product=product, quantity=12, actor=actor, lot_code=" A1 ")
    assert (lot.quantity_on_hand, lot.lot_code, lot.status) == (12, "A1", LotStatus.AVAILABLE)
    assert lot.location == product.default_location
    assert lot.received_on == timezone.localdate()
    movement = lot.movements.get()
    assert (movement.delta, movement.movement_type, movement.user) == (12, MovementType.IN, worker)


def test_a_quarantine_default_product_is_received_in_quarantine(product):
    product.quarantine_default = True
    product.save()
    assert stock.receive(product=product, quantity=1).status == LotStatus.QUARANTINED
    explicit = stock.receive(product=product, quantity=1, status=LotStatus.AVAILABLE)
    assert explicit.status == LotStatus.AVAILABLE


def test_adjust_count_and_transfer_keep_the_ledger_clean(product, lot):
    stock.adjust(lot=lot, delta=-2, reason_code="damaged")
    stock.count(lot=lot, counted=9, seen_on_hand=8)
    assert stock.count(lot=lot, counted=9, seen_on_hand=9) is None  # equal: no movement
    elsewhere = LocationFactory()
    moved = stock.transfer(lot=lot, quantity=4, to_location=elsewhere)
    again = stock.transfer(lot=lot, quantity=1, to_location=elsewhere)
    lot.refresh_from_db()
    assert again.pk == moved.pk  # the same product / lot / expiry / status lot at the destination
    moved.refresh_from_db()
    assert (lot.quantity_on_hand, moved.quantity_on_hand) == (4, 5)
    assert (moved.lot_code, moved.status) == ("L1", lot.status)
    assert ledger_is_clean()
    types = list(StockMovement.objects.order_by("pk").values_list("movement_type", "delta"))
    assert types == [("in", 10), ("adjust", -2), ("count", 1), ("transfer", -4), ("transfer", 4),
                     ("transfer", -1), ("transfer", 1)]  # fmt: skip


def test_a_worker_removes_from_a_named_available_lot_bypassing_fefo(product, lot, worker):
    older = stock.receive(product=product, quantity=5, expires_on=dt.date(2030, 1, 1))
    stock.remove(product=product, quantity=3, lot=lot, actor=Actor(user=worker))
    lot.refresh_from_db()
    older.refresh_from_db()
    assert (lot.quantity_on_hand, older.quantity_on_hand) == (7, 5)


def test_a_manager_destroys_a_past_expiry_lot(product):
    expired = stock.receive(product=product, quantity=4, expires_on=dt.date(2020, 1, 1))
    boss = manager(username="chef")
    stock.remove(product=product, quantity=4, lot=expired, reason_code="expired_destruction",
                 actor=Actor(user=boss))  # fmt: skip
    expired.refresh_from_db()
    assert expired.quantity_on_hand == 0


def test_quarantine_release_and_hold_are_for_managers(product, worker):
    quarantined = stock.receive(product=product, quantity=3, status=LotStatus.QUARANTINED)
    refused("responsable", stock.release, lot=quarantined, actor=Actor(user=worker))
    boss = manager(username="chef")
    released = stock.release(lot=quarantined, actor=Actor(user=boss))
    assert (released.status, released.released_by, released.released_at is not None) == (
        LotStatus.AVAILABLE,
        boss,
        True,
    )
    held = stock.hold(lot=released, actor=Actor(user=boss), reason="Contrôle qualité")
    assert (held.status, held.quarantine_reason) == (LotStatus.HOLD, "Contrôle qualité")
    refused("impossible", stock.change_lot_status, lot=held, status="bogus", actor=Actor(user=boss))


def test_the_ledger_refuses_updates_and_deletes(lot):
    movement = lot.movements.get()
    with pytest.raises(Exception, match="ne se modifient pas"):
        movement.save()
    with pytest.raises(Exception, match="ne se suppriment pas"):
        movement.delete()
    with pytest.raises(Exception, match="ne se modifient pas"):
        StockMovement.objects.update(delta=5)
    with pytest.raises(Exception, match="ne se suppriment pas"):
        StockMovement.objects.all().delete()


# --- what is refused, changing nothing ----------------------------------------------------------


@pytest.mark.parametrize("quantity", [0, -3, "abc", None])
def test_receive_refuses_a_bad_quantity(product, quantity):
    refused("La quantité", stock.receive, product=product, quantity=quantity)


def test_receive_refuses_an_unknown_product():
    refused("Produit inconnu", stock.receive, product=None, quantity=1)


def test_receive_refuses_a_product_without_location(product):
    product.default_location = None
    product.save()
    refused("Aucun emplacement", stock.receive, product=product, quantity=1)


def test_receive_needs_an_expiry_for_perishables(product):
    product.perishable = True
    product.save()
    refused("périssable", stock.receive, product=product, quantity=1)


def test_remove_refuses_insufficient_stock(product, lot):
    refused(r"Stock insuffisant : 10 disponible\(s\)", stock.remove, product=product, quantity=11)


def test_remove_refuses_zero_and_unknown_reasons(product, lot):
    refused("au moins 1", stock.remove, product=product, quantity=0)
    refused("Motif de sortie inconnu", stock.remove, product=product, quantity=1, reason_code="x")


def test_a_worker_cannot_destroy_a_quarantined_lot(product, worker):
    quarantined = stock.receive(product=product, quantity=3, status=LotStatus.QUARANTINED)
    refused("seul un responsable", stock.remove, product=product, quantity=1, lot=quarantined,
            actor=Actor(user=worker))  # fmt: skip


def test_expired_destruction_needs_a_past_expiry_lot(product, lot):
    boss = manager(username="chef")
    refused("périmés", stock.remove, product=product, quantity=1, lot=lot,
            reason_code="expired_destruction", actor=Actor(user=boss))  # fmt: skip


def test_a_named_lot_must_belong_to_the_product(lot):
    refused("pas celui de ce produit", stock.remove, product=ProductFactory(), quantity=1, lot=lot)


def test_transfer_to_the_same_place_is_refused(lot):
    refused("déjà à cet emplacement", stock.transfer, lot=lot, quantity=1, to_location=lot.location)


def test_transfer_refuses_reserved_units(lot):
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=8)
    refused("8 unité\\(s\\) réservées", stock.transfer, lot=lot, quantity=5,
            to_location=LocationFactory())  # fmt: skip


def test_transfer_refuses_more_than_the_lot(lot):
    refused(
        "Stock insuffisant", stock.transfer, lot=lot, quantity=11, to_location=LocationFactory()
    )


def test_adjust_refuses_zero_below_zero_and_below_reserved(lot):
    refused("nulle", stock.adjust, lot=lot, delta=0, reason_code="correction")
    refused("négatif", stock.adjust, lot=lot, delta=-11, reason_code="correction")
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=6)
    refused("6 unité\\(s\\) sont réservées", stock.adjust, lot=lot, delta=-5, reason_code="lost")
    refused("Motif d'ajustement inconnu", stock.adjust, lot=lot, delta=1, reason_code="nope")


def test_count_refuses_a_stale_reading_with_the_current_value(lot):
    stock.remove(product=lot.product, quantity=2)
    before = snapshot()
    with pytest.raises(StaleCount, match="quantité actuelle 8") as error:
        stock.count(lot=lot, counted=10, seen_on_hand=10)
    assert error.value.current == 8
    assert snapshot() == before


def test_count_refuses_below_the_reserved_quantity(lot):
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=4)
    refused("inférieur à la quantité réservée \\(4\\)", stock.count, lot=lot, counted=3,
            seen_on_hand=10)  # fmt: skip
    refused("négatif", stock.count, lot=lot, counted=-1, seen_on_hand=10)


# --- unusual input types and sizes: a French refusal, never a crash --------------------------


@pytest.mark.parametrize("value", [1.5, -1.5, Decimal("2.9"), True, float("inf"), float("nan"),
                                   "1.5", "12abc", None, 10**20])  # fmt: skip
def test_adjust_count_and_remove_refuse_non_integers_and_huge_values(lot, value):
    refused("nombre entier|trop grande", stock.adjust, lot=lot, delta=value, reason_code="found")
    refused("nombre entier|trop grande", stock.count, lot=lot, counted=value, seen_on_hand=10)
    refused("nombre entier|trop grande|au moins", stock.remove, product=lot.product, quantity=value)


def test_integral_strings_and_floats_are_accepted(lot):
    stock.adjust(lot=lot, delta="+2", reason_code="found")
    stock.adjust(lot=lot, delta=1.0, reason_code="found")
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 13


def test_quantities_beyond_the_database_columns_are_refused(product, lot):
    refused("trop grande", stock.receive, product=product, quantity=2**31)
    refused("trop grande", stock.adjust, lot=lot, delta=2**31, reason_code="found")
    ProductLot.objects.filter(pk=lot.pk).update(quantity_on_hand=stock.MAX_ON_HAND)
    lot.refresh_from_db()  # (the ledger is off here on purpose: only the ceiling matters)
    refused("trop grande pour un lot", stock.adjust, lot=lot, delta=1, reason_code="found")


def test_missing_or_unsaved_objects_are_refused(product, lot):
    refused("Lot inconnu", stock.adjust, lot=None, delta=1, reason_code="found")
    refused("Lot inconnu", stock.transfer, lot=None, quantity=1, to_location=LocationFactory())
    refused("destination inconnu", stock.transfer, lot=lot, quantity=1, to_location=lot.location.pk)
    refused("Emplacement inconnu", stock.receive, product=product, quantity=1,
            location=Location(zone="A"))  # fmt: skip
    refused("Lot inconnu", stock.count, lot=None, counted=1, seen_on_hand=1)


def test_lot_codes_and_dates_are_checked_and_strings_parsed(product):
    refused("60 caractères", stock.receive, product=product, quantity=1, lot_code="x" * 61)
    refused("date invalide", stock.receive, product=product, quantity=1, expires_on="abc")
    lot = stock.receive(product=product, quantity=1, lot_code=None, expires_on="2030-01-31")
    assert (lot.lot_code, lot.expires_on) == ("", dt.date(2030, 1, 31))
    assert "31/01/2030" in str(lot)
