"""CI gate (issue 12): every request the benchmark measures runs the same number of queries on
the medium data set (1,000 products, 10,000 movements) as on the small one. A count that grows
with the data is an N+1 query.

Each scale is seeded by bench.seeding inside a savepoint that is rolled back after measuring, so
both scales are measured in one test database. Every request is made once before it is
measured: first-use caches (the session, the key's last use) then cost the same on both sides.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from bench.seeding import SCALES, Scale, seed
from tests.perf.requests import REQUESTS, Target, clients, count_queries, pick_target

pytestmark = pytest.mark.django_db


def measure(scale: Scale, *, largest: bool) -> tuple[Target, dict[str, int]]:
    with transaction.atomic():
        report = seed(scale, seed=7, password="bench-pass")
        target = pick_target(report, largest=largest)
        scan, api = clients(report)
        counts = {}
        for measured in REQUESTS:
            count_queries(measured, scan, api, target)  # warm-up
            counts[measured.name] = count_queries(measured, scan, api, target)
        transaction.set_rollback(True)
    return target, counts


def test_query_counts_do_not_grow_from_small_to_medium_scale():
    small_target, small = measure(SCALES["small"], largest=False)
    medium_target, medium = measure(SCALES["medium"], largest=True)
    print(f"\nsmall target {small_target}\nmedium target {medium_target}")
    print("\nqueries per request (small → medium):")
    for name in small:
        print(f"  {name:<22} {small[name]:>3} → {medium[name]:>3}")
    assert medium == small
    # The medium side has more rows per page than the small one, or nothing was compared.
    assert medium_target.lots > small_target.lots
    assert medium_target.cartons > small_target.cartons
    # Sanity: the capture posts did write (a request answering from nowhere counts nothing).
    assert small["capture_post_receive"] > 5
    assert small["capture_post_remove"] > 5
