"""One benchmark task in a process of its own, so its peak memory is its own:

    python scripts/bench/tasks.py board_report|statistics|reminder_sweep

Prints one JSON object: the timings (measured around the work, after Django has started) and
the peak resident memory of the process. Writes are rolled back, except the board report's
row and file (the report list shows them; they are marked as benchmark reports).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_portal.settings")
os.environ.setdefault("DJANGO_ENV", "test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from prevent_portal.audit.context import acting_as  # noqa: E402

TARGET_REMINDERS = 10_000


def _year() -> tuple[date, date]:
    """The last full financial year (April to March)."""
    today = timezone.localdate()
    end_year = today.year if today.month >= 4 else today.year - 1
    return date(end_year - 1, 4, 1), date(end_year, 3, 31)


def statistics() -> dict:
    date_from, date_to = _year()
    out = StringIO()
    started = time.perf_counter()
    call_command("prevent_statistics", "--from", str(date_from), "--to", str(date_to), stdout=out)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "period": f"{date_from} to {date_to}", "bytes": len(out.getvalue())}


def board_report() -> dict:
    from governance.models import Board, BoardReport
    from governance.services.reports import board_report_build
    from prevent_portal.accounts.models import User
    from prevent_portal.core.renderers import warm_renderers
    from referrals.views.statistics import manager_suppress_below

    # What the worker does once as it starts (prevent_portal.celery), before any build: the
    # build is then timed as a running worker makes it; the start is reported beside it.
    worker_start_seconds = warm_renderers()
    date_from, date_to = _year()
    report = BoardReport.objects.create(
        board=Board.objects.order_by("pk").first(),
        date_from=date_from,
        date_to=date_to,
        created_by=User.objects.get(username="coordinator"),
        suppress_below=manager_suppress_below(),
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    with acting_as():
        built = board_report_build(report_id=report.pk)
    seconds = time.perf_counter() - started
    # This process's CPU alone (the database's work is in its own process): steadier than the
    # wall clock on a shared machine.
    cpu_seconds = time.process_time() - cpu_started
    built.refresh_from_db()
    return {
        "seconds": seconds,
        "cpu_seconds": round(cpu_seconds, 2),
        "worker_start_seconds": round(worker_start_seconds, 2),
        "status": built.status,
        "pdf_bytes": built.pdf.size if built.pdf else 0,
        "period": f"{date_from} to {date_to}",
    }


def reminder_sweep() -> dict:
    """Make about 10,000 reminders due at scale 1, ten times that at scale 10 (referrals left
    untriaged past the target, one reminder per Coordinator of the referral's area each), run
    the daily sweep, then run it again: the second run finds every reminder already queued.
    All rolled back afterwards. Per area: the seconds and reminders divided by the areas."""
    from django.conf import settings

    from prevent_portal.accounts.models import Membership, Role
    from prevent_portal.areas.models import Area
    from prevent_portal.core.management.commands.generate_synthetic import marker
    from prevent_portal.reminders.registry import providers
    from prevent_portal.reminders.services import reminders_queue_due
    from referrals.models import Referral

    today = timezone.localdate()
    coordinators = (
        Membership.objects.active()
        .filter(role=Role.COORDINATOR, user__is_active=True)
        .values("user")
        .distinct()
        .count()
    )
    areas = Area.objects.count()
    scale = (marker() or {}).get("scale", 1)
    with transaction.atomic():
        already = sum(1 for provider in providers().values() for _ in provider(today))
        # Reminders go to the Coordinators of the referral's own area (issue 18).
        per_referral = max(1, round(coordinators / max(1, areas)))
        wanted = max(0, (round(TARGET_REMINDERS * scale) - already) // per_referral)
        old = today - timedelta(days=settings.TRIAGE_TARGET_DAYS + 30)
        ids = list(
            Referral.objects.filter(status=Referral.Status.CLOSED, received_on__lt=old)
            .order_by("-received_on")
            .values_list("pk", flat=True)[:wanted]
        )
        Referral.objects.filter(pk__in=ids).update(status=Referral.Status.RECEIVED)
        with acting_as():
            started = time.perf_counter()
            first = reminders_queue_due(today=today)
            first_seconds = time.perf_counter() - started
            started = time.perf_counter()
            second = reminders_queue_due(today=today)
            second_seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "seconds": first_seconds,
        "queued": len(first),
        "areas": areas,
        "seconds_per_area": first_seconds / max(1, areas),
        "queued_per_area": len(first) / max(1, areas),
        "second_run_seconds": second_seconds,
        "second_run_queued": len(second),
    }


TASKS = {"statistics": statistics, "board_report": board_report, "reminder_sweep": reminder_sweep}

if __name__ == "__main__":
    from prevent_portal.areas import rls

    with rls.acting_for(rls.ALL):  # the sweeps act for every area (ADR 0011)
        result = TASKS[sys.argv[1]]()
    result["peak_memory_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
