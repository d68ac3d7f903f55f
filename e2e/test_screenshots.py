"""Phone screenshots of the main scan screens for the README's "Screens" section.

Each run overwrites docs/screenshots/<name>.png; nothing is compared.
"""

from pathlib import Path

import pytest

from e2e.screens import stocked_product, visit

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
SHOWN = ["home", "stock", "product", "quick-entry", "move", "outbox"]


def test_it_saves_phone_screenshots_of_the_main_scan_screens(signed_in_page, live_server):
    page = signed_in_page
    product = stocked_product()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in SHOWN:
        visit(page, live_server.url, name, product)
        # No focus ring or caret from autofocus: the pictures stay the same between runs.
        page.evaluate("document.activeElement && document.activeElement.blur()")
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        assert path.stat().st_size > 0, f"{path} is empty"
