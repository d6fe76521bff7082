"""Two writers at once, on two real database connections (PostgreSQL only: SQLite serialises
writers and has no row locks). The first holds its transaction open while the second tries;
what the second meets is the test's point."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connections, transaction


def while_uncommitted(
    first: Callable[[], object], second: Callable[[], object], *, hold: float = 0.5
) -> BaseException | None:
    """Run ``first`` in a transaction of its own thread and, while it is still uncommitted
    (for ``hold`` seconds after it is done), ``second`` in another thread. Returns the
    exception ``second`` raised, or None when it went through."""
    first_done, met = threading.Event(), []

    def run_first():
        try:
            with transaction.atomic():
                first()
                first_done.set()
                time.sleep(hold)  # the second arrives while this one is uncommitted
        finally:
            connections.close_all()

    def run_second():
        try:
            first_done.wait(5)
            second()
            met.append(None)
        except Exception as exc:  # noqa: BLE001 - what the second writer meets is the point
            met.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    (outcome,) = met
    return outcome
