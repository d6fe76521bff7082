"""Governance records that several test modules (matrix, page walk, journeys) set up."""

from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from governance.models import Board, BoardReport, BoardUpdate

# One fixed name under MEDIA_ROOT, replaced on each use, for suites that cannot use a
# temporary MEDIA_ROOT (the module-scoped permission matrix, the live server's page walk).
PAPER = "governance/board-updates/tests/paper.txt"
PAPER_TEXT = b"A fictional board paper"
REPORT_PDF = "governance/board-reports/tests/report.pdf"
REPORT_PDF_BYTES = b"%PDF-1.4 A fictional board report"


def board_with_paper(board: Board) -> BoardUpdate:
    """An update to ``board`` whose paper is a small text file in the default storage."""
    if default_storage.exists(PAPER):
        default_storage.delete(PAPER)
    default_storage.save(PAPER, ContentFile(PAPER_TEXT))
    return BoardUpdate.objects.create(
        board=board,
        presented_on=date(2026, 1, 5),
        title="Annual update",
        attachment=PAPER,
        attachment_name="paper.txt",
    )


def finished_report(board: Board, created_by) -> BoardReport:
    """A report to ``board`` that is ready (its PDF a few bytes in the default storage),
    without building one: for suites that only need it to exist."""
    if default_storage.exists(REPORT_PDF):
        default_storage.delete(REPORT_PDF)
    default_storage.save(REPORT_PDF, ContentFile(REPORT_PDF_BYTES))
    return BoardReport.objects.create(
        board=board,
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        status=BoardReport.Status.DONE,
        progress=100,
        suppress_below=5,
        body_html="<p>Fictional sections</p>",
        pdf=REPORT_PDF,
        created_by=created_by,
    )
