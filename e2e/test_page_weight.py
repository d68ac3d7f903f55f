"""CI gates (issue 12): the scan home's first load weighs at most 80 KB of gzipped HTML, CSS and
JavaScript (the camera decoder aside), and a repeat load with the service worker in control
fetches no static file from the network. The measuring is bench/weight.py's, which the
benchmark reuses."""

from __future__ import annotations

import pytest

from bench.weight import CAMERA_DECODER_PREFIX, measure_scan_home

pytestmark = pytest.mark.django_db(transaction=True)

FIRST_LOAD_LIMIT = 80 * 1024


@pytest.fixture
def weight(browser, live_server, migration_data):
    from tests.factories import PASSWORD, worker

    worker(username="poids")
    return measure_scan_home(browser, live_server.url, "poids", PASSWORD)


def test_first_load_is_at_most_80_kb_gzipped_and_a_repeat_load_fetches_no_static_file(weight):
    print(f"\nfirst load: {weight.first_load_gzip_bytes:,} gzip bytes")
    for url, size in sorted(weight.first_load_files.items(), key=lambda pair: -pair[1]):
        print(f"  {size:>8,}  {url}")
    print(f"repeat load: {weight.repeat_load_static_bytes:,} static bytes from the network")
    paths = [url.split("/", 3)[-1] for url in weight.first_load_files]
    # What was counted: the page, its style sheet and scripts, and the worker's own fetches.
    assert "scan/" in paths
    assert any(path.endswith("styles.css") for path in paths)
    assert any(path.endswith("scan/scan.js") for path in paths)
    assert "scan/service-worker.js" in paths
    assert not any(("/" + path).startswith(CAMERA_DECODER_PREFIX) for path in paths)
    assert weight.first_load_gzip_bytes <= FIRST_LOAD_LIMIT
    assert weight.repeat_load_static_bytes == 0, weight.repeat_load_files
