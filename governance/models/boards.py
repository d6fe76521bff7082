"""Boards that receive Prevent updates, their schedule, and the updates presented to them.

A board's next due date is derived from its last update and its frequency unless the
Coordinator sets it (or marks it "to be confirmed", as seed 003 does). The effective date is
kept in ``next_due`` by the services, so the schedule status is one indexed column that
dashboards and reports can filter and count in the database.
"""

from __future__ import annotations

import calendar
import uuid
from datetime import date, timedelta
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Case, Count, Max, Q, Value, When
from django.http import Http404

from governance.models.access import AreaPathMixin, ReadableQuerySet, fetch_for_user
from prevent_portal.areas.models import area_field


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    BI_ANNUAL = "bi_annual", "Bi-annual (every six months)"
    ANNUAL = "annual", "Annual"
    AD_HOC = "ad_hoc", "Ad hoc (no regular date)"


FREQUENCY_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.BI_ANNUAL: 6,
    Frequency.ANNUAL: 12,
}


class ScheduleStatus(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    SCHEDULED = "scheduled", "Scheduled"
    TO_BE_CONFIRMED = "to_be_confirmed", "Date to be confirmed"
    NOT_SCHEDULED = "not_scheduled", "No date set"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the last day of that month if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_soon_days() -> int:
    """How far ahead a board counts as due soon: the longest reminder lead time."""
    return max(settings.BOARD_REMINDER_LEAD_DAYS, default=0)


class BoardQuerySet(ReadableQuerySet):
    def active(self) -> BoardQuerySet:
        return self.filter(is_active=True)

    def with_last_update(self) -> BoardQuerySet:
        return self.annotate(last_presented_on=Max("updates__presented_on"))

    def updates_due(self, today: date) -> BoardQuerySet:
        """Active boards with a date that is past or within the longest reminder lead time
        (``due_soon_days``): overdue or due soon. The boards the reminder
        ``governance.board_updates`` looks at, the board list's ``waiting=due`` and the home
        page's count."""
        return self.active().filter(
            next_due__isnull=False,
            next_due_to_be_confirmed=False,
            next_due__lte=today + timedelta(days=due_soon_days()),
        )

    def schedule_status(self, today: date, *, soon_days: int | None = None) -> BoardQuerySet:
        """Annotate each board's ``schedule_status`` (a ScheduleStatus value) on ``today``."""
        soon = today + timedelta(days=due_soon_days() if soon_days is None else soon_days)
        return self.annotate(
            schedule_status=Case(
                When(next_due_to_be_confirmed=True, then=Value(ScheduleStatus.TO_BE_CONFIRMED)),
                When(next_due__isnull=True, then=Value(ScheduleStatus.NOT_SCHEDULED)),
                When(next_due__lt=today, then=Value(ScheduleStatus.OVERDUE)),
                When(next_due__lte=soon, then=Value(ScheduleStatus.DUE_SOON)),
                default=Value(ScheduleStatus.SCHEDULED),
                output_field=models.CharField(),
            )
        )

    def schedule_summary(self, today: date) -> dict[str, int]:
        """How many boards are in each schedule status on ``today``: one grouped query."""
        rows = (
            self.schedule_status(today)
            .order_by()
            .values("schedule_status")
            .annotate(boards=Count("pk"))
        )
        counts = {status: 0 for status in ScheduleStatus.values}
        counts.update({row["schedule_status"]: row["boards"] for row in rows})
        return counts


class Board(models.Model):
    """A board or group the Prevent Coordinator reports to (seed 003 §10.8)."""

    name = models.CharField(max_length=200)
    # The council area whose board it is (issue 18): its own Coordinator keeps it.
    area = area_field()
    area_of_focus = models.CharField(max_length=300, blank=True)
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    lead_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="boards_led"
    )
    reminder_recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="board_reminders"
    )
    next_due_override = models.DateField(
        "Next update (set by hand)",
        null=True,
        blank=True,
        help_text="Overrides the date derived from the last update and the frequency.",
    )
    next_due_to_be_confirmed = models.BooleanField("Next date to be confirmed", default=False)
    # The effective next due date: derived or set by hand, kept by the services.
    next_due = models.DateField(null=True, blank=True, db_index=True, editable=False)
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BoardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="board_name_unique_in_area")
        ]

    def __str__(self):
        return self.name

    def derive_next_due(self, last_presented_on: date | None) -> date | None:
        """The next due date this board's settings give after an update on
        ``last_presented_on``: "to be confirmed" and ad hoc boards have none unless set by
        hand; otherwise the hand-set date wins over the one the frequency gives."""
        if self.next_due_to_be_confirmed:
            return None
        if self.next_due_override:
            return self.next_due_override
        months = FREQUENCY_MONTHS.get(self.frequency)
        if months is None or last_presented_on is None:
            return None
        return add_months(last_presented_on, months)

    def last_presented_on(self) -> date | None:
        return self.updates.aggregate(last=Max("presented_on"))["last"]

    def reminder_people(self) -> list:
        """The lead officer and every recipient, each once, active accounts only."""
        people = {self.lead_officer_id: self.lead_officer}
        for user in self.reminder_recipients.all():
            people.setdefault(user.pk, user)
        return [user for user in people.values() if user.is_active]


def board_update_path(instance: BoardUpdate, filename: str) -> str:
    """Stored under a random name: the original name (kept for downloads) may say anything."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"governance/board-updates/{instance.board_id}/{uuid.uuid4().hex}{suffix}"


class BoardUpdateQuerySet(AreaPathMixin, models.QuerySet):
    area_path = "board__area"  # an update is its board's council area's

    def visible_to(self, user) -> BoardUpdateQuerySet:
        return self.filter(board__in=Board.objects.visible_to(user))

    def paper_visible_to(self, user) -> BoardUpdateQuerySet:
        """Updates whose paper ``user`` may download. A paper that is a presented board
        report goes only to those who may see the report itself: a manager sees reports of
        whole financial quarters and years only, and a report on other dates, put beside
        one of a whole period, could give a hidden count away (security finding F3)."""
        from governance.models.reports import BoardReport  # reports.py imports this module

        return (
            self.visible_to(user)
            .exclude(attachment="")
            .filter(Q(report__isnull=True) | Q(report__in=BoardReport.objects.visible_to(user)))
        )


class BoardUpdate(models.Model):
    """An update presented to a board: its date, its title and, optionally, the paper."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="updates")
    presented_on = models.DateField()
    title = models.CharField(max_length=300)
    attachment = models.FileField(upload_to=board_update_path, max_length=255, blank=True)
    attachment_name = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BoardUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-presented_on", "-pk"]
        indexes = [models.Index(fields=["board", "-presented_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(attachment="") | ~Q(attachment_name=""),
                name="board_update_attachment_has_name",
            )
        ]

    def __str__(self):
        return f"Board update {self.pk}"


def get_board_for_user(user, pk, *, perm: str = "view") -> Board:
    """The only single-board fetch: 404 unless the user reads governance, 403 unless
    ``perm`` ("view" or "change") is theirs."""
    return fetch_for_user(Board.objects.select_related("lead_officer"), user, pk, perm=perm)


def get_board_update_for_user(user, pk, *, perm: str = "view") -> BoardUpdate:
    """The only single board-update fetch, visible with its board."""
    return fetch_for_user(BoardUpdate.objects.select_related("board"), user, pk, perm=perm)


def get_board_paper_for_user(user, pk) -> BoardUpdate:
    """A board update whose paper ``user`` may download (``paper_visible_to``); 404 for an
    update without one, or whose paper is a report they may not see."""
    update = get_board_update_for_user(user, pk)
    if not BoardUpdate.objects.paper_visible_to(user).filter(pk=update.pk).exists():
        raise Http404("This update has no paper")
    return update
