"""Boards and their updates: every change keeps the board's effective next due date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.files import File
from django.db import transaction

from governance.models import Board, BoardUpdate
from prevent_portal.accounts.models import User
from prevent_portal.areas.models import Area
from prevent_portal.core.concurrency import save_if_unchanged

BOARD_FIELDS = [
    "name",
    "area_of_focus",
    "frequency",
    "lead_officer",
    "next_due_override",
    "next_due_to_be_confirmed",
    "is_active",
]


def _refresh_next_due(board: Board) -> None:
    board.next_due = board.derive_next_due(board.last_presented_on())


@transaction.atomic
def board_create(
    *,
    name: str,
    frequency: str,
    lead_officer: User,
    area_of_focus: str = "",
    reminder_recipients: Iterable[User] = (),
    next_due_override: date | None = None,
    next_due_to_be_confirmed: bool = False,
    acting_user: User | None,
    area: Area | None = None,
) -> Board:
    """Add a board to a council area's schedule (``area``: the adding Coordinator's; a
    single-council deployment's only area when not given). A board starts with no update,
    so its next due date is the one set by hand, if any."""
    board = Board(
        **({"area": area} if area is not None else {}),
        name=name,
        frequency=frequency,
        lead_officer=lead_officer,
        area_of_focus=area_of_focus,
        next_due_override=next_due_override,
        next_due_to_be_confirmed=next_due_to_be_confirmed,
    )
    board.next_due = board.derive_next_due(None)
    board.full_clean()
    board.save()
    board.reminder_recipients.set(reminder_recipients)
    return board


@transaction.atomic
def board_edit(
    *,
    board: Board,
    data: dict,
    reminder_recipients: Iterable[User],
    expected_version: int,
    acting_user: User,
) -> Board:
    """Change a board's details and schedule. Refused with StaleEdit when someone else
    changed the board since the form was opened; the next due date follows the change."""
    for field in BOARD_FIELDS:
        if field in data:
            setattr(board, field, data[field])
    _refresh_next_due(board)
    board.full_clean()
    save_if_unchanged(
        board,
        expected_version=expected_version,
        fields=[*[f for f in BOARD_FIELDS if f in data], "next_due", "updated_at"],
    )
    board.reminder_recipients.set(reminder_recipients)
    return board


@transaction.atomic
def board_update_record(
    *,
    board: Board,
    presented_on: date,
    title: str,
    attachment: File | None = None,
    acting_user: User | None,
) -> BoardUpdate:
    """Record an update presented to a board. When it is the latest update, a date set by
    hand (or "to be confirmed") was for this update, so it is cleared and the next due date
    is derived afresh from it and the frequency; an older update filled in later leaves the
    schedule as it was. The board row is locked, so two updates recorded at once both count.
    ``attachment`` is any named file: an upload, or a generated report (``ContentFile``).
    """
    board = Board.objects.select_for_update().get(pk=board.pk)
    previous = board.last_presented_on()
    update = BoardUpdate(board=board, presented_on=presented_on, title=title)
    update.recorded_by = acting_user if acting_user and acting_user.pk else None
    if attachment is not None:
        update.attachment_name = attachment.name[:255]
    update.full_clean(exclude=["attachment"])
    if attachment is not None:
        update.attachment.save(attachment.name, attachment, save=False)
    update.save()
    if previous is None or presented_on >= previous:
        board.next_due_override = None
        board.next_due_to_be_confirmed = False
    _refresh_next_due(board)
    board.version += 1
    board.save(
        update_fields=[
            "next_due_override",
            "next_due_to_be_confirmed",
            "next_due",
            "version",
            "updated_at",
        ]
    )
    return update
