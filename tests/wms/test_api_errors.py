"""One error body for the whole API: {"detail", "errors": {field: [messages]}}."""

from rest_framework import exceptions
from rest_framework.exceptions import ValidationError

from wms.api.errors import exception_handler


def handle(exc):
    return exception_handler(exc, {"view": None, "request": None})


def test_field_errors_are_listed_per_field():
    response = handle(ValidationError({"quantity": ["Doit être ≥ 1."], "lot_code": "Requis."}))
    assert response.status_code == 400
    assert response.data == {
        "detail": "Données invalides.",
        "errors": {"quantity": ["Doit être ≥ 1."], "lot_code": ["Requis."]},
    }


def test_errors_without_a_field_go_under_non_field_errors():
    response = handle(ValidationError(["Stock insuffisant : 3 disponible(s)"]))
    assert response.data["errors"] == {"non_field_errors": ["Stock insuffisant : 3 disponible(s)"]}


def test_other_api_exceptions_keep_their_detail_and_an_empty_errors_map():
    response = handle(exceptions.NotFound("Introuvable."))
    assert response.status_code == 404
    assert response.data == {"detail": "Introuvable.", "errors": {}}


def test_non_api_exceptions_are_left_to_django():
    assert handle(ValueError("boom")) is None
