"""Reminders the governance app contributes to the daily sweep (``send_reminders``).

Before a board's next update is due, its lead officer and each reminder recipient get one
reminder per lead time (``BOARD_REMINDER_LEAD_DAYS``, default 28 and 7 days). A sweep that
missed days sends only the latest lead time passed, never a stale one as well. Once the due
date passes with no update recorded, each Coordinator of the board's council area gets one
overdue escalation. Keys carry the due date, so recording an update (which moves the date)
starts a new cycle.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from governance.models import Board
from prevent_portal.accounts.addressees import holders_by_area
from prevent_portal.accounts.models import Role, User
from prevent_portal.outbox.links import site_link
from prevent_portal.reminders.registry import Reminder

KIND_DUE = "board_update"
KIND_OVERDUE = "board_update_overdue"


def _board_coordinators(boards: list[Board]):
    """The Coordinators to escalate each board to: those of the board's council area
    (issue 18). One query for every area's Coordinators."""
    index = holders_by_area(Role.COORDINATOR, {board.area_id for board in boards})

    def coordinators(board: Board) -> list[User]:
        return index(board.area_id)

    return coordinators


def _link(board: Board) -> str:
    return site_link("governance:board_detail", board.pk)


def _when(days_left: int) -> str:
    if days_left == 0:
        return "today"
    if days_left == 1:
        return "tomorrow"
    return f"in {days_left} days"


def lead_time_passed(days_left: int, lead_days: list[int]) -> int | None:
    """The most recent lead time reached with ``days_left`` to go, if any."""
    reached = [lead for lead in lead_days if days_left <= lead]
    return min(reached) if reached else None


def board_updates_due(today: date):
    """Reminders of board updates coming due, and escalations of those overdue."""
    lead_days = list(settings.BOARD_REMINDER_LEAD_DAYS)
    boards = list(
        Board.objects.updates_due(today)
        .select_related("lead_officer")
        .prefetch_related("reminder_recipients")
        .order_by("pk")
    )
    coordinators = _board_coordinators([board for board in boards if board.next_due < today])
    for board in boards:
        due = board.next_due
        if due >= today:
            lead = lead_time_passed((due - today).days, lead_days)
            if lead is None:
                continue
            for person in sorted(board.reminder_people(), key=lambda u: u.pk):
                yield Reminder(
                    kind=KIND_DUE,
                    key=f"board:{board.pk}:{due.isoformat()}:{lead}d",
                    subject=board.name,
                    due=due,
                    recipient=person,
                    title=f"Prevent update to the {board.name} due {due:%-d %B %Y}",
                    body=(
                        f"The Prevent update to the {board.name} is due on {due:%-d %B %Y}, "
                        f"{_when((due - today).days)}.\n\nWhen it has been presented, record "
                        f"it on the board's page so the next date is set: {_link(board)}"
                    ),
                )
        else:
            for coordinator in coordinators(board):
                yield Reminder(
                    kind=KIND_OVERDUE,
                    key=f"board:{board.pk}:{due.isoformat()}:overdue",
                    subject=board.name,
                    due=due,
                    recipient=coordinator,
                    title=f"Prevent update to the {board.name} is overdue",
                    body=(
                        f"The Prevent update to the {board.name} was due on {due:%-d %B %Y} "
                        f"and no update has been recorded. Record the update, or give the board "
                        f"a new date: {_link(board)}"
                    ),
                )
