"""Phone screenshots of the main scan screens for the README's "Screens" section.

Each run overwrites docs/screenshots/<name>.png; nothing is compared.
"""

from pathlib import Path

import pytest

from e2e.screens import stocked_product, visit
from e2e.test_readme_screenshot import changed_fraction
from tests.shipping_helpers import scene

DOCS_TOLERANCE = 0.01

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHOWN = [
    "home",
    "stock",
    "product",
    "quick-entry",
    "move",
    "outbox",
    "pack",
    "cartons",
    "shipments",
    "receive",
    "pallet-receipt",
]


def test_it_saves_phone_screenshots_of_the_main_scan_screens(signed_in_page, live_server, tmp_path):
    page = signed_in_page
    product = stocked_product()
    scene().packed_shipment(cartons=2, units=3)  # the carton and shipment lists show real rows
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in SHOWN:
        visit(page, live_server.url, name, product)
        # No focus ring or caret from autofocus: the pictures stay the same between runs.
        page.evaluate("document.activeElement && document.activeElement.blur()")
        path = SCREENSHOTS / f"{name}.png"
        fresh = tmp_path / f"{name}.png"
        page.screenshot(path=str(fresh))
        assert fresh.stat().st_size > 0, f"{fresh} is empty"
        # Rewrite only a screen that changed: a clock in a corner is not a change of screen.
        if not path.exists() or changed_fraction(path, fresh) > DOCS_TOLERANCE:
            path.write_bytes(fresh.read_bytes())
