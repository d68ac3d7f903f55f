"""/scan/resolve/?code=… (S-SCAN): JSON with the S-SCAN keys or an HTML fragment; who may ask."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ProductFactory
from wms.gtin import check_digit
from wms.models import Product

pytestmark = pytest.mark.django_db

URL = "/scan/resolve/"
JSON = {"HTTP_ACCEPT": "application/json"}
# Written out, not imported: the test must fail if the answer's keys drift from the spec.
S_SCAN_KEYS = {
    "kind",
    "sku",
    "gtin",
    "lot",
    "expires_on",
    "serial",
    "sscc",
    "quantity",
    "location",
    "carton",
    "shipment",
    "candidates",
    "error",
}
EAN13 = "376012345678" + str(check_digit("376012345678"))
GS1_SCAN = f"]d201{EAN13.zfill(14)}17270131" + "10LOT42"


@pytest.fixture
def gloves():
    return ProductFactory(sku="ASF-GANT-M", name="Gants nitrile M", ean=EAN13)


def test_it_answers_json_with_exactly_the_s_scan_keys(client, worker, gloves):
    client.force_login(worker)
    response = client.get(URL, {"code": GS1_SCAN}, **JSON)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == S_SCAN_KEYS
    assert data["kind"] == "gs1"
    assert data["sku"] == "ASF-GANT-M"
    assert data["lot"] == "LOT42"
    assert data["expires_on"] == "2027-01-31"
    assert data["candidates"] == []
    assert data["error"] is None


def test_json_for_an_unknown_code_has_the_same_keys_and_a_french_error(client, worker):
    client.force_login(worker)
    data = client.get(URL, {"code": "XYZZY"}, **JSON).json()
    assert set(data) == S_SCAN_KEYS
    assert data["kind"] == "unknown"
    assert data["error"] == "Code inconnu : « XYZZY »."


def test_it_answers_an_html_fragment_with_product_lot_and_expiry(client, worker, gloves):
    client.force_login(worker)
    response = client.get(URL, {"code": GS1_SCAN}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<html" not in html  # a fragment, not a page
    assert 'data-code-kind="gs1"' in html
    assert "Gants nitrile M" in html
    assert "ASF-GANT-M" in html
    assert "LOT42" in html
    assert "31/01/2027" in html


def test_htmx_and_browsers_sending_any_type_get_html(client, worker, gloves):
    client.force_login(worker)
    response = client.get(URL, {"code": "ASF-GANT-M"}, HTTP_ACCEPT="*/*", HTTP_HX_REQUEST="true")
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def test_the_fragment_lists_the_candidates_of_an_ambiguous_code(client, worker):
    ProductFactory(sku="ASF-SAV-500", name="Savon liquide 500 ml")
    ProductFactory(sku="ASF-SAV-1L", name="Savon liquide 1 l")
    client.force_login(worker)
    html = client.get(URL, {"code": "savon"}).content.decode()
    assert "Plusieurs correspondances" in html
    assert 'data-code="ASF-SAV-500"' in html and 'data-code="ASF-SAV-1L"' in html


def test_the_fragment_says_an_archived_product_is_archived(client, worker):
    ProductFactory(sku="ASF-MASQ", name="Masques FFP2", is_active=False)
    client.force_login(worker)
    html = client.get(URL, {"code": "ASF-MASQ"}).content.decode()
    assert "Masques FFP2" in html and "archivé" in html


def test_the_fragment_shows_a_check_digit_error(client, worker):
    client.force_login(worker)
    bad = EAN13[:-1] + str((int(EAN13[-1]) + 1) % 10)
    html = client.get(URL, {"code": bad}).content.decode()
    assert "flash-error" in html
    assert f"Chiffre de contrôle invalide pour le GTIN {bad}" in html


@pytest.mark.parametrize("query", [{}, {"code": ""}, {"code": "   "}])
def test_a_missing_or_empty_code_is_a_400_in_json(client, worker, query):
    client.force_login(worker)
    response = client.get(URL, query, **JSON)
    assert response.status_code == 400
    data = response.json()
    assert set(data) == S_SCAN_KEYS
    assert data["kind"] == "unknown"
    assert data["error"] == "Aucun code : scannez ou saisissez un code."


def test_an_empty_code_is_a_400_fragment(client, worker):
    client.force_login(worker)
    response = client.get(URL, {"code": ""})
    assert response.status_code == 400
    assert "Aucun code : scannez ou saisissez un code." in response.content.decode()


def test_an_overlong_code_is_a_400_and_resolves_nothing(client, worker):
    client.force_login(worker)
    response = client.get(URL, {"code": "A" * 1001}, **JSON)
    assert response.status_code == 400
    assert response.json()["error"] == "Code trop long (plus de 1000 caractères)."


def test_a_worker_may_resolve(client, worker):
    client.force_login(worker)
    assert client.get(URL, {"code": "XYZZY"}).status_code == 200


def test_it_answers_head_for_smoke_tests(client, worker):
    client.force_login(worker)
    assert client.head(URL, {"code": "XYZZY"}).status_code == 200


def test_it_refuses_post(client, worker):
    client.force_login(worker)
    assert client.post(URL, {"code": "XYZZY"}).status_code == 405


def test_a_user_without_staff_role_is_forbidden(client, outsider):
    client.force_login(outsider)
    assert client.get(URL, {"code": "XYZZY"}, **JSON).status_code == 403


def test_anonymous_users_go_to_the_scan_login(client):
    response = client.get(URL, {"code": "XYZZY"})
    assert response.status_code == 302
    assert response["Location"].startswith("/scan/login/?next=/scan/resolve/")


def test_the_answer_is_never_cached(client, worker):
    client.force_login(worker)
    response = client.get(URL, {"code": "XYZZY"}, **JSON)
    assert "no-cache" in response["Cache-Control"]


def queries_for(client, code):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, {"code": code}, **JSON)
    assert response.status_code == 200
    return len(captured), response.json()


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("Produit", id="a prefix many products share"),
        pytest.param(GS1_SCAN, id="a gs1 scan"),
        pytest.param("XYZZY-NOTHING", id="an unknown code"),
    ],
)
def test_the_query_count_does_not_grow_with_the_catalogue(client, worker, gloves, code):
    client.force_login(worker)
    ProductFactory.create_batch(2)  # with the gloves: 3 products
    small, small_answer = queries_for(client, code)
    ProductFactory.create_batch(27)  # 30 products
    assert Product.objects.count() == 30
    large, large_answer = queries_for(client, code)
    assert small == large
    assert small <= 8
    assert small_answer["kind"] == large_answer["kind"]
