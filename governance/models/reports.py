"""Board reports: a draft Prevent update for one board and period, built in the background
from the other apps' figures, kept as a PDF, and recorded as the board's update once the
Coordinator marks it presented.

A report row is also its own queue entry (ADR 0007): the request that asks for one only
writes the row; a worker (the beat sweep, or the request itself after commit in the demo)
claims it with a conditional UPDATE and builds it. Reports hold aggregates only, with small
numbers suppressed, and are for the Coordinator and managers (``REPORT_ROLES``: managers are
who the figures are for, and present them to boards). A manager sees only the reports of a
whole financial quarter or year (``WHOLE_PERIOD``): a report the Coordinator asked for on
other dates, put beside one of a whole period, could give away a hidden count by
subtraction (security finding F3). Only the Coordinator records one as presented.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify

from governance.models.access import EDITOR_ROLES, READER_ROLES, ReadableQuerySet, fetch_for_user
from governance.models.boards import Board, BoardUpdate
from governance.models.jobs import BackgroundJob
from prevent_portal.accounts.access import has_role

REPORT_ROLES = READER_ROLES


def _whole_period() -> Q:
    """A financial quarter (same calendar year, first to last day) or financial year."""
    same_year = Q(date_to__year=F("date_from__year"))
    quarters = [((4, 1), (6, 30)), ((7, 1), (9, 30)), ((10, 1), (12, 31)), ((1, 1), (3, 31))]
    whole = Q(
        date_from__month=4,
        date_from__day=1,
        date_to__month=3,
        date_to__day=31,
        date_to__year=F("date_from__year") + 1,
    )
    for (from_month, from_day), (to_month, to_day) in quarters:
        whole |= same_year & Q(
            date_from__month=from_month,
            date_from__day=from_day,
            date_to__month=to_month,
            date_to__day=to_day,
        )
    return whole


class BoardReportQuerySet(ReadableQuerySet):
    reader_roles = REPORT_ROLES
    area_path = "board__area"  # a report is its board's council area's

    def visible_to(self, user) -> BoardReportQuerySet:
        """Every report for the Coordinator; for a manager, those of a whole financial
        quarter or year; nothing for anyone else."""
        readable = super().visible_to(user)
        if has_role(user, *EDITOR_ROLES):
            return readable
        return readable.filter(_whole_period())

    def waiting(self) -> BoardReportQuerySet:
        return self.filter(status=BoardReport.Status.QUEUED)


def board_report_path(instance: BoardReport, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name, like board papers; never served by URL.
    The extension is the file's own (the PDF or the DOCX)."""
    extension = "docx" if filename.endswith(".docx") else "pdf"
    return f"governance/board-reports/{instance.board_id}/{uuid.uuid4().hex}.{extension}"


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
    # The same report as a Word document, for the Coordinator's light editing.
    docx = models.FileField(upload_to=board_report_path, max_length=255, blank=True)
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

    @property
    def docx_name(self) -> str:
        return self.file_name.removesuffix(".pdf") + ".docx"

    @property
    def narrative_open(self) -> bool:
        """The narrative may be written until the report is presented, except while a
        build is running (it would be read half-way)."""
        return self.presented_update_id is None and self.status != self.Status.RUNNING


class BoardReportNarrative(models.Model):
    """What the Coordinator writes around a report's figures: an introduction, a commentary
    per section (``commentary``: section key to text, so a section added later needs no new
    column) and recommendations. Kept with the report, so it stays beside the figures of
    that period; the figures never change when it does."""

    report = models.OneToOneField(BoardReport, on_delete=models.CASCADE, related_name="narrative")
    introduction = models.TextField(blank=True)
    commentary = models.JSONField(default=dict, blank=True)
    recommendations = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    def __str__(self):
        return f"Narrative of board report {self.report_id}"

    @property
    def is_empty(self) -> bool:
        texts = [self.introduction, self.recommendations, *self.commentary.values()]
        return not any(text.strip() for text in texts)


def get_board_report_for_user(user, pk, *, perm: str = "view") -> BoardReport:
    """The only single-report fetch: 404 unless ``BoardReport.objects.visible_to(user)``
    holds it (the Coordinator; a manager for a whole period), 403 unless ``perm`` ("view"
    or "change", the Coordinator's alone) is theirs."""
    return fetch_for_user(
        BoardReport.objects.select_related("board", "created_by", "presented_update"),
        user,
        pk,
        perm=perm,
    )
