"""Plain-text emails and subjects are not HTML-escaped: French names are full of apostrophes."""

import pytest

from wms.emailing.messages import render_email

pytestmark = pytest.mark.django_db


def test_apostrophes_and_ampersands_stay_as_typed_in_text_and_subject():
    context = {"request": type("R", (), {"association_name": "L'Aide & Co", "notes": ""})()}
    subject, text, _html = render_email("account_request_new", context)
    assert "L'Aide & Co" in subject
    assert "L'Aide & Co" in text
    assert "&#x27;" not in text + subject and "&amp;" not in text + subject
