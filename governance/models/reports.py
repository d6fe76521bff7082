"""Board reports: a draft Prevent update for one board and period, built in the background
from the other apps' figures, kept as a PDF, and recorded as the board's update once the
Coordinator marks it presented.

A report row is also its own queue entry (ADR 0007): the request that asks for one only
writes the row; a worker (the beat sweep, or the request itself after commit in the demo)
claims it with a conditional UPDATE and builds it. Reports hold aggregates only, with small
numbers suppressed, and are the Coordinator's alone (``REPORT_ROLES``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from governance.models.access import EDITOR_ROLES, ReadableQuerySet, fetch_for_user
from governance.models.boards import Board, BoardUpdate
from governance.models.jobs import BackgroundJob

REPORT_ROLES = EDITOR_ROLES


class BoardReportQuerySet(ReadableQuerySet):
    reader_roles = REPORT_ROLES

    def waiting(self) -> BoardReportQuerySet:
        return self.filter(status=BoardReport.Status.QUEUED)


def board_report_path(instance: BoardReport, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name, like board papers; never served by URL."""
    return f"governance/board-reports/{instance.board_id}/{uuid.uuid4().hex}.pdf"


class BoardReport(BackgroundJob):
    """A generated report to a board for ``date_from`` to ``date_to`` (both days included).
    Its status, progress, attempts and times are a background job's (``BackgroundJob``)."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="reports")
    date_from = models.DateField("From")
    date_to = models.DateField("To")
    # The threshold used, so the archive says how small numbers were treated.
    suppress_below = models.PositiveSmallIntegerField()
    # The report's sections as rendered when it was built: the preview shows exactly what
    # the PDF prints, and neither changes when later data arrive.
    body_html = models.TextField(blank=True)
    pdf = models.FileField(upload_to=board_report_path, max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    presented_update = models.OneToOneField(
        BoardUpdate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="report",
    )
    version = models.PositiveIntegerField(default=1)

    objects = BoardReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=F("date_from")), name="board_report_period_order"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="board_report_progress_at_most_100"
            ),
            models.CheckConstraint(
                condition=Q(presented_update__isnull=True) | Q(status="done"),
                name="board_report_presented_only_when_done",
            ),
        ]

    def __str__(self):
        return f"Board report {self.pk}"

    @property
    def title(self) -> str:
        """The title the report and its board update carry."""
        return f"Prevent update to the {self.board.name}: {self.period_words}"

    @property
    def period_words(self) -> str:
        start, end = self.date_from, self.date_to
        return f"{start.day} {start:%B %Y} to {end.day} {end:%B %Y}"

    @property
    def can_be_presented(self) -> bool:
        return self.status == self.Status.DONE and self.presented_update_id is None

    @property
    def file_name(self) -> str:
        slug = slugify(self.board.name)
        return f"prevent-update-{slug}-{self.date_from}-to-{self.date_to}.pdf"


def get_board_report_for_user(user, pk, *, perm: str = "view") -> BoardReport:
    """The only single-report fetch: 404 unless the user is the Coordinator (reports are
    theirs alone), 403 unless ``perm`` ("view" or "change") is theirs."""
    return fetch_for_user(
        BoardReport.objects.select_related("board", "created_by", "presented_update"),
        user,
        pk,
        perm=perm,
    )
