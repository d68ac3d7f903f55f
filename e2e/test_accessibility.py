"""Issue 6, acceptance 8: no serious or critical axe-core violation on the scan screens.

axe is injected with page.evaluate (DevTools), not a <script> tag: the CSP forbids inline
scripts, and evaluate runs outside it.
"""

from pathlib import Path

import pytest

from e2e.screens import SCREENS, stocked_product, visit

pytestmark = pytest.mark.django_db(transaction=True)

AXE_SOURCE = (Path(__file__).resolve().parent / "vendor" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_scan_screen_has_no_serious_accessibility_violation(
    signed_in_page, live_server, screen
):
    page = signed_in_page
    visit(page, live_server.url, screen, stocked_product())
    page.evaluate(AXE_SOURCE)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    # Proof that axe really ran on this screen (not on a blank or foreign document).
    assert results["url"] == page.url and results["passes"], results["url"]
    blocking = [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]
    assert blocking == [], f"{screen}: {blocking}"
