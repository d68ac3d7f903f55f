"""Product photos are served to staff and API keys only, never as public files."""

import pytest
from django.core.files.base import ContentFile
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
KEY = "photo-test-key-0123456789"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5f0000000049454e44ae426082"
)


@pytest.fixture
def photo_url():
    product = ProductFactory()
    product.photo.save("masque.png", ContentFile(PNG), save=True)
    return product.photo.url


def test_anonymous_callers_get_no_photo(photo_url):
    assert photo_url.startswith("/media/products/")
    assert APIClient().get(photo_url).status_code == 401


@override_settings(INTEGRATION_API_KEY=KEY)
def test_an_api_key_and_a_worker_get_the_image(photo_url, worker):
    response = APIClient().get(photo_url, HTTP_X_ASF_INTEGRATION_KEY=KEY)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert response["Cache-Control"] == "private, max-age=3600"
    client = APIClient()
    client.force_login(worker)
    assert client.get(photo_url).status_code == 200


def test_users_without_a_staff_role_are_refused(photo_url, outsider):
    client = APIClient()
    client.force_login(outsider)
    assert client.get(photo_url).status_code == 403


@override_settings(INTEGRATION_API_KEY=KEY)
@pytest.mark.parametrize("path", ["missing.png", "../../settings.py", "a/../../x"])
def test_missing_files_and_escapes_are_404(path):
    response = APIClient().get(f"/media/products/{path}", HTTP_X_ASF_INTEGRATION_KEY=KEY)
    assert response.status_code == 404
