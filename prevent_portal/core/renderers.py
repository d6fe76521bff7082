"""The document renderers' warm-up, run once when a worker process starts.

WeasyPrint (every PDF: board reports, panel packs, minutes, subject access) and matplotlib
(the board report's charts) take seconds to import and to load their fonts the first time a
process uses them: 2.7 s and 1.8 s to import here at load 4 (docs/performance.md, "The board
report's worker start"). A web process never loads them (``governance.charts``); the Celery
worker loads them when it starts (``prevent_portal.celery``), before it takes a task, so that
the first report or pack it builds does not wait for them, and its forked pool processes
inherit them loaded.
"""

from __future__ import annotations

import time


def warm_renderers() -> float:
    """Import and exercise both renderers once; the seconds it took."""
    started = time.perf_counter()
    from weasyprint import HTML  # a heavy import: the point of this function

    from governance import charts

    HTML(string="<h1>Warm-up</h1><p>Prevent Portal</p>").write_pdf()
    charts.warm()
    return time.perf_counter() - started
