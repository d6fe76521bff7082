"""Board reports: asked for in a request, built in the background, presented to the board.

The request never talks to the broker (ADR 0007): ``board_report_request`` writes a queued
row in its transaction, and either the beat sweep (``board_reports_sweep``, every 30 seconds
on the worker) or, in the demo where ``CELERY_TASK_ALWAYS_EAGER`` is on and there is no
worker, this process once the transaction has committed, builds it. A build claims its row
with a conditional UPDATE first, so two sweeps never build one report twice.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from governance import board_report
from governance.models import Board, BoardReport, BoardUpdate
from governance.services.boards import board_update_record
from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals.views.statistics import manager_suppress_below

logger = logging.getLogger(__name__)
# A build still "running" after this long was lost with its worker: it is queued again, up
# to MAX_ATTEMPTS builds in all, then failed.
STALE_AFTER = timedelta(minutes=15)
MAX_ATTEMPTS = 3
FAILED_MESSAGE = "The report could not be built. Ask for it again; if it fails again, tell IT."


@transaction.atomic
def board_report_request(
    *, board: Board, date_from: date, date_to: date, acting_user: User
) -> BoardReport:
    """Queue a report to ``board`` on ``date_from`` to ``date_to``. Small numbers are
    suppressed with the threshold managers see (STATISTICS_SUPPRESS_BELOW), since reports go
    to boards. Nothing contacts the broker: the row is the queue entry."""
    report = BoardReport(
        board=board,
        date_from=date_from,
        date_to=date_to,
        created_by=acting_user,
        suppress_below=manager_suppress_below(),
    )
    report.full_clean()
    report.save()
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The demo runs no worker: build here once the row is committed. ``apply`` runs the
        # task in this process whatever Celery's own configuration says.
        transaction.on_commit(lambda: _build_here(report.pk))
    return report


def _build_here(report_id: int) -> None:
    from governance.tasks import build_board_report

    build_board_report.apply(args=[report_id])


def _claim(report_id: int) -> bool:
    """Move one report from queued to running; only one worker can win it."""
    return (
        BoardReport.objects.filter(pk=report_id, status=BoardReport.Status.QUEUED).update(
            status=BoardReport.Status.RUNNING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress=0,
            stage="Starting",
        )
        == 1
    )


def _progress(report_id: int, percent: int, stage: str) -> None:
    # Progress is machinery, not a change anybody makes: a plain UPDATE, not audited.
    BoardReport.objects.filter(pk=report_id, status=BoardReport.Status.RUNNING).update(
        progress=percent, stage=stage[:100]
    )


def board_report_build(*, report_id: int, today: date | None = None) -> BoardReport | None:
    """Build a queued report: claim it, make each section (progress is recorded after each,
    committed as it goes so the progress page can show it), render the PDF and store it.
    Returns None when another worker had already claimed it. Any error marks the report
    failed with a message for the Coordinator; the details go to the log."""
    if not _claim(report_id):
        return None
    report = BoardReport.objects.select_related("board").get(pk=report_id)
    today = today or timezone.localdate()
    try:
        body = board_report.build_body(
            report, today=today, progress=lambda pct, stage: _progress(report_id, pct, stage)
        )
        pdf = board_report.render_pdf(report, body)
    except Exception:
        logger.exception("Board report %s could not be built", report_id)
        return _finish(report_id, status=BoardReport.Status.FAILED, error=FAILED_MESSAGE)
    return _finish(report_id, status=BoardReport.Status.DONE, body=body, pdf=pdf)


@transaction.atomic
def _finish(
    report_id: int, *, status: str, body: str = "", pdf: bytes | None = None, error: str = ""
) -> BoardReport:
    report = BoardReport.objects.select_for_update().select_related("board").get(pk=report_id)
    report.status = status
    report.stage = BoardReport.Status(status).label
    report.error = error
    report.finished_at = timezone.now()
    if pdf is not None:
        report.body_html = body
        report.progress = 100
        report.pdf.save(report.file_name, ContentFile(pdf), save=False)
    report.version += 1
    report.save()
    return report


def board_reports_sweep(*, now=None, limit: int = 10) -> int:
    """What beat runs: give reports lost with their worker another go (or fail them after
    MAX_ATTEMPTS), then build up to ``limit`` queued reports, oldest first. Returns how
    many this sweep built."""
    now = now or timezone.now()
    _requeue_stale(now)
    waiting = BoardReport.objects.waiting().order_by("created_at", "pk")
    built = 0
    for pk in list(waiting.values_list("pk", flat=True)[:limit]):
        if board_report_build(report_id=pk) is not None:
            built += 1
    return built


@transaction.atomic
def _requeue_stale(now) -> None:
    stale = BoardReport.objects.select_for_update(skip_locked=True).filter(
        status=BoardReport.Status.RUNNING, started_at__lt=now - STALE_AFTER
    )
    for report in stale:
        if report.attempts >= MAX_ATTEMPTS:
            report.status, report.error = BoardReport.Status.FAILED, FAILED_MESSAGE
            report.finished_at = now
        else:
            report.status = BoardReport.Status.QUEUED
        report.stage = BoardReport.Status(report.status).label
        report.version += 1
        report.save()


@transaction.atomic
def board_report_present(
    *,
    report: BoardReport,
    presented_on: date,
    title: str,
    expected_version: int,
    acting_user: User,
) -> BoardUpdate:
    """Record a finished report as the update presented to its board, with its PDF as the
    paper. Refused (StaleEdit) if the report changed since the form was opened, and
    (ValidationError) unless it is ready and not presented already: a report is presented
    once."""
    locked = BoardReport.objects.select_for_update().select_related("board").get(pk=report.pk)
    if locked.version != expected_version:
        raise StaleEdit(StaleEdit.message)
    if locked.presented_update_id is not None:
        raise ValidationError("This report has already been recorded as presented")
    if locked.status != BoardReport.Status.DONE or not locked.pdf:
        raise ValidationError("Only a finished report can be recorded as presented")
    with locked.pdf.open("rb") as handle:
        paper = ContentFile(handle.read(), name=locked.file_name)
    update = board_update_record(
        board=locked.board,
        presented_on=presented_on,
        title=title,
        attachment=paper,
        acting_user=acting_user,
    )
    locked.presented_update = update
    save_if_unchanged(locked, expected_version=expected_version, fields=["presented_update"])
    return update
