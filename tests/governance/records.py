"""Governance records that several test modules (matrix, page walk, journeys) set up."""

from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from governance.models import Board, BoardUpdate

# One fixed name under MEDIA_ROOT, replaced on each use, for suites that cannot use a
# temporary MEDIA_ROOT (the module-scoped permission matrix, the live server's page walk).
PAPER = "governance/board-updates/tests/paper.txt"
PAPER_TEXT = b"A fictional board paper"


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
