"""Threads released together against a real database (the MariaDB concurrency tests)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def race(count: int, work: Callable[[int], Any]) -> tuple[list[Any], list[Exception]]:
    """Run `work(i)` in `count` threads released together; each thread has its own connection."""
    start = threading.Barrier(count)
    results: list[Any] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            start.wait()
            outcome = work(index)
            with lock:
                results.append(outcome)
        except Exception as exc:  # collected and asserted by the caller
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors
