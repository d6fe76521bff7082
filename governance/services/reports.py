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
from governance.models import Board, BoardReport, BoardReportNarrative, BoardUpdate
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
from prevent_portal.areas import rls
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
    """Build a queued report: claim it, make each section (progress is recorded before
    each, committed as it goes so the progress page can show it), then the PDF and the DOCX
    of the sections with the Coordinator's narrative, and store them. A report built before
    (queued again because its narrative changed) keeps its sections: only its files are made
    again, so the figures stay those of its first build. Returns None when another worker
    had already claimed it. Any error marks the report failed with a message for the
    Coordinator; the details go to the log."""
    if not job_claim(BoardReport, report_id):
        return None
    report = BoardReport.objects.select_related("board").get(pk=report_id)
    today = today or timezone.localdate()

    def progress(pct, stage):
        job_progress(BoardReport, report_id, pct, stage)

    try:
        # A report is its board's council area's (issue 18): its figures are built acting
        # for that area alone, so on PostgreSQL the row-level security wall keeps every other
        # area's referrals, cases and returns out of them (ADR 0011).
        with rls.acting_for([report.board.area_id]):
            body = report.body_html or board_report.build_body(
                report, today=today, progress=progress
            )
        # Read now, not when the build was asked for: the latest words go into the files.
        narrative = BoardReportNarrative.objects.filter(report_id=report_id).first()
        composed = board_report.compose_html(body, narrative)
        done = len(board_report.SECTIONS)
        progress(round(done * 100 / board_report.STEPS), board_report.PDF_STEP)
        pdf = board_report.render_pdf(report, composed)
        progress(round((done + 1) * 100 / board_report.STEPS), board_report.DOCX_STEP)
        docx = board_report.render_docx(report, composed)
    except Exception:
        logger.exception("Board report %s could not be built", report_id)
        return _finish(report_id, status=BoardReport.Status.FAILED, error=FAILED_MESSAGE)
    return _finish(report_id, status=BoardReport.Status.DONE, body=body, pdf=pdf, docx=docx)


@transaction.atomic
def _finish(
    report_id: int,
    *,
    status: str,
    body: str = "",
    pdf: bytes | None = None,
    docx: bytes | None = None,
    error: str = "",
) -> BoardReport:
    report = BoardReport.objects.select_for_update().select_related("board").get(pk=report_id)
    report.status = status
    report.stage = BoardReport.Status(status).label
    report.error = error
    report.finished_at = timezone.now()
    if pdf is not None:
        # Names, not the FieldFiles: saving a FieldFile renames it in place.
        names = [f.name for f in (report.pdf, report.docx) if f]
        report.body_html = body
        report.progress = 100
        report.pdf.save(report.file_name, ContentFile(pdf), save=False)
        report.docx.save(report.docx_name, ContentFile(docx or b""), save=False)
        # The files of an earlier build (before the narrative changed) are not kept: a
        # presented report's paper is the board update's own copy.
        if names:
            storage = report.pdf.storage
            transaction.on_commit(lambda: [storage.delete(name) for name in names])
    report.version += 1
    report.save()
    return report


@transaction.atomic
def board_report_narrative_save(
    *,
    report: BoardReport,
    introduction: str,
    commentary: dict[str, str],
    recommendations: str,
    expected_version: int,
    acting_user: User,
) -> BoardReportNarrative:
    """Write the Coordinator's narrative of a report: the introduction, a commentary per
    section (keys of ``board_report.SECTIONS`` only) and recommendations. Refused
    (StaleEdit) if someone saved the narrative since the form was opened, and
    (ValidationError) once the report is presented (its paper is final) or while it is
    being built. A finished report is queued again so its PDF and DOCX carry the new words;
    its figures are kept (``board_report_build``)."""
    locked = BoardReport.objects.select_for_update().get(pk=report.pk)
    if locked.presented_update_id is not None:
        raise ValidationError(
            "This report has been presented: its narrative can no longer be changed"
        )
    if locked.status == BoardReport.Status.RUNNING:
        raise ValidationError("The report is being built: write the narrative once it is ready")
    unknown = set(commentary) - set(board_report.SECTION_LABELS)
    if unknown:
        raise ValidationError("There is no such section in the report")
    narrative, created = BoardReportNarrative.objects.get_or_create(
        report=locked, defaults={"updated_by": acting_user}
    )
    # A form opened before any narrative existed carries version 0.
    if narrative.version != expected_version and not (created and expected_version == 0):
        raise StaleEdit(StaleEdit.message)
    narrative.introduction = introduction.strip()
    narrative.commentary = {key: text.strip() for key, text in commentary.items() if text.strip()}
    narrative.recommendations = recommendations.strip()
    narrative.updated_by = acting_user
    save_if_unchanged(
        narrative,
        expected_version=narrative.version,
        fields=["introduction", "commentary", "recommendations", "updated_by", "updated_at"],
    )
    if locked.status == BoardReport.Status.DONE:
        # Saved through the model (audited); attempts start again for the new build.
        locked.status, locked.progress, locked.attempts = BoardReport.Status.QUEUED, 0, 0
        locked.stage = BoardReport.Status.QUEUED.label
        locked.version += 1
        locked.save()
        from governance.tasks import build_board_report  # the tasks module imports this one

        build_after_commit(build_board_report, locked.pk)
    return narrative


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
