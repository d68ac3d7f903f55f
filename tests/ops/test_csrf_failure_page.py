"""A refused CSRF check answers with our page: status 403, French, and no inline style (Django's
own page has one, which the CSP blocks in the browser)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_form_posted_without_its_token_gets_our_403_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/portal/request-account/", {"association_name": "X"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Formulaire expiré" in body
    assert "<style" not in body and "style=" not in body
