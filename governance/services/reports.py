"""Board reports: asked for in a request, built in the background, presented to the board.

The request never talks to the broker (ADR 0007): ``board_report_request`` writes a queued
row in its transaction, and either the beat sweep (``board_reports_sweep``, every 30 seconds
on the worker) or, in the demo where ``CELERY_TASK_ALWAYS_EAGER`` is on and there is no
worker, this process once the transaction has committed, builds it. A build claims its row
with a conditional UPDATE first, so two sweeps never build one report twice.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from governance import board_report
from governance.models import Board, BoardReport, BoardUpdate
from governance.services.boards import board_update_record
from governance.services.jobs import (  # noqa: F401 - STALE_AFTER, MAX_ATTEMPTS: tests read them here
    MAX_ATTEMPTS,
    STALE_AFTER,
    build_after_commit,
    job_claim,
    job_progress,
    jobs_sweep,
)
from prevent_portal.accounts.models import User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals.views.statistics import manager_suppress_below

logger = logging.getLogger(__name__)
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
    from governance.tasks import build_board_report  # the tasks module imports this one

    report.full_clean()
    report.save()
    build_after_commit(build_board_report, report.pk)
    return report


def board_report_build(*, report_id: int, today: date | None = None) -> BoardReport | None:
    """Build a queued report: claim it, make each section (progress is recorded after each,
    committed as it goes so the progress page can show it), render the PDF and store it.
    Returns None when another worker had already claimed it. Any error marks the report
    failed with a message for the Coordinator; the details go to the log."""
    if not job_claim(BoardReport, report_id):
        return None
    report = BoardReport.objects.select_related("board").get(pk=report_id)
    today = today or timezone.localdate()
    try:
        body = board_report.build_body(
            report,
            today=today,
            progress=lambda pct, stage: job_progress(BoardReport, report_id, pct, stage),
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
    return jobs_sweep(
        BoardReport,
        lambda pk: board_report_build(report_id=pk),
        now=now,
        limit=limit,
        failed_message=FAILED_MESSAGE,
    )


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
