"""The camera button (issue 6, acceptance 3): a code shown to a fake camera is read by the barcode
polyfill served from our own origin; no request leaves the machine, and the CSP holds.

Debian's chromium has no native BarcodeDetector, so this runs the vendored ZXing-WASM polyfill.
The fake camera plays a Y4M file that the test writes from a rendered QR code or Code 128."""

from io import BytesIO
from urllib.parse import urlsplit

import barcode
import pytest
import segno
from barcode.writer import ImageWriter
from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import CHROMIUM_ARGS, CHROMIUM_PATH, PHONE, PageProblems
from tests.factories import PASSWORD, LocationFactory, ProductFactory, worker

pytestmark = pytest.mark.django_db(transaction=True)

WIDTH, HEIGHT = 640, 480
FRAMES = 5
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def qr_image(text):
    buffer = BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    return Image.open(BytesIO(buffer.getvalue()))


def code128_image(text):
    buffer = BytesIO()
    barcode.get("code128", text, writer=ImageWriter()).write(
        buffer, options={"module_width": 0.5, "module_height": 30, "quiet_zone": 8, "dpi": 200}
    )
    return Image.open(BytesIO(buffer.getvalue()))


def write_y4m(path, picture):
    """A few identical 4:2:0 frames of the picture centred on white (Chromium loops the file)."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), "white")
    picture = picture.convert("RGB")
    picture.thumbnail((WIDTH - 40, HEIGHT - 40))
    canvas.paste(picture, ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    frame = (
        b"FRAME\n"
        + y.tobytes()
        + cb.resize(half, Image.Resampling.BILINEAR).tobytes()
        + cr.resize(half, Image.Resampling.BILINEAR).tobytes()
    )
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)


@pytest.fixture
def camera_page(browser_type, live_server, migration_data, tmp_path, request):
    """A page in its own browser whose camera films the picture the test parametrises."""
    picture = request.param(request.getfixturevalue("product").sku)
    video = tmp_path / "code.y4m"
    write_y4m(video, picture)
    browser = browser_type.launch(
        executable_path=CHROMIUM_PATH,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    context.grant_permissions(["camera"], origin=live_server.url)
    requests = []
    context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.problems = PageProblems(page)
    page.requests = requests
    worker(username="magasinier")
    page.goto(live_server.url + "/scan/login/")
    page.get_by_label("Identifiant").fill("magasinier")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(live_server.url + "/scan/")
    yield page
    context.close()
    browser.close()


@pytest.fixture
def product(migration_data):
    return ProductFactory(sku="ASF-CAM-0042", name="Compresses", default_location=LocationFactory())


@pytest.mark.parametrize(
    "camera_page", [qr_image, code128_image], ids=["qr", "code128"], indirect=True
)
def test_the_camera_button_reads_the_code_with_the_local_polyfill(
    camera_page, live_server, product
):
    page = camera_page
    page.goto(live_server.url + "/scan/stock-update/")
    assert page.evaluate("'BarcodeDetector' in window") is False  # the polyfill path runs
    page.locator("[data-scan-camera]").click()
    expect(page.locator("[data-scan-camera-view]")).to_be_visible()

    expect(page.locator("[data-scan-field]")).to_have_value("ASF-CAM-0042", timeout=30_000)
    expect(page.locator('input[name="product_code"]')).to_have_value("ASF-CAM-0042")
    expect(page.locator("[data-scan-camera-view]")).to_be_hidden()
    # The camera is released once the code is read.
    assert page.evaluate("document.querySelector('[data-scan-video]').srcObject") is None

    loaded = [url for url in page.requests if "/static/vendor/barcode-detector/" in url]
    assert any(url.endswith("barcode-detector.iife.js") for url in loaded)
    assert any(url.endswith("zxing_reader.wasm") for url in loaded)
    outside = [
        url
        for url in page.requests
        if urlsplit(url).scheme not in ("data", "blob")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]
    assert outside == []
    assert page.problems.csp_violations() == []
    assert page.problems.console_errors == []


def blank_image(text):
    return Image.new("RGB", (64, 64), "white")


@pytest.mark.parametrize("camera_page", [blank_image], ids=["nothing"], indirect=True)
def test_closing_the_camera_releases_it_and_keeps_the_field(camera_page, live_server, product):
    page = camera_page
    page.goto(live_server.url + "/scan/move/")
    page.locator("[data-scan-field]").fill("avant")
    page.locator("[data-scan-camera]").click()
    page.locator("[data-scan-camera-close]").click()
    expect(page.locator("[data-scan-camera-view]")).to_be_hidden()
    assert page.evaluate("document.querySelector('[data-scan-video]').srcObject") is None
    assert page.problems.console_errors == []
