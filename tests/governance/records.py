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
REPORT_DOCX = "governance/board-reports/tests/report.docx"
REPORT_DOCX_BYTES = b"PK A fictional board report as a Word document"


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
    """A report to ``board`` that is ready (its PDF and DOCX a few bytes each in the default
    storage), without building one: for suites that only need it to exist."""
    for name, content in ((REPORT_PDF, REPORT_PDF_BYTES), (REPORT_DOCX, REPORT_DOCX_BYTES)):
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
    return BoardReport.objects.create(
        board=board,
        date_from=date(2025, 4, 1),
        date_to=date(2026, 3, 31),
        status=BoardReport.Status.DONE,
        progress=100,
        suppress_below=5,
        body_html="<p>Fictional sections</p>",
        pdf=REPORT_PDF,
        docx=REPORT_DOCX,
        created_by=created_by,
    )


EXPORT_ZIP = "governance/subject-access/tests/export.zip"


def finished_export(person, created_by):
    """A subject access export of ``person`` that is ready to download (a small zip in the
    default storage), without building one: for suites that only need it to exist."""
    import io
    import zipfile

    from governance.models import SubjectAccessExport

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("subject-access-export.html", "<p>Fictional export</p>")
    if default_storage.exists(EXPORT_ZIP):
        default_storage.delete(EXPORT_ZIP)
    default_storage.save(EXPORT_ZIP, ContentFile(buffer.getvalue()))
    return SubjectAccessExport.objects.create(
        person=person,
        received_on=date(2026, 11, 2),
        request_reference="SAR-TEST-1",
        status=SubjectAccessExport.Status.DONE,
        progress=100,
        archive=EXPORT_ZIP,
        archive_size=len(buffer.getvalue()),
        contents={"Referrals": 1},
        created_by=created_by,
    )
