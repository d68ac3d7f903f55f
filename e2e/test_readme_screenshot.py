"""The README's picture of the scan home on a phone is taken here, so it always shows the
current screen: the run writes it, and fails when it differs from the committed one."""

from pathlib import Path

import pytest
from PIL import Image, ImageChops

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "images" / "scan-home.png"
# Anti-aliasing may differ by a few pixels between runs; a changed screen differs by far more.
MAX_CHANGED_PIXELS = 0.002


def changed_fraction(old: Path, new: Path) -> float:
    with Image.open(old) as before, Image.open(new) as after:
        if before.size != after.size:
            return 1.0
        difference = ImageChops.difference(before.convert("RGB"), after.convert("RGB"))
        changed = sum(1 for pixel in difference.getdata() if max(pixel) > 16)
        return changed / (before.size[0] * before.size[1])


def test_the_readme_screenshot_shows_the_current_scan_home(signed_in_page, tmp_path):
    page = signed_in_page
    page.evaluate("document.activeElement && document.activeElement.blur()")
    fresh = tmp_path / "scan-home.png"
    page.screenshot(path=str(fresh))
    committed = SCREENSHOT.exists()
    fraction = changed_fraction(SCREENSHOT, fresh) if committed else 1.0
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    if fraction > MAX_CHANGED_PIXELS:
        SCREENSHOT.write_bytes(fresh.read_bytes())
    assert committed, f"{SCREENSHOT} written: commit it"
    assert fraction <= MAX_CHANGED_PIXELS, (
        f"the scan home changed ({fraction:.1%} of pixels): commit the new {SCREENSHOT.name}"
    )
