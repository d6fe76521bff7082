"""The minutes beyond the decisions (issue 17): the minute-taker, each item's discussion
notes, and the action log.

Notes follow the decisions' rule (``channel_panel.lifecycle.NOTES``): written once the
meeting has started, rewritten under optimistic locking until the minutes are approved, and
after approval corrected by a new entry that points at the one it corrects, never edited.
Actions (``MEETING_ACTION``) are added while the minutes are a draft and stay open, carried
to every later meeting's agenda, until their owner (or the minutes' writers) marks them done
or cancels them with a reason.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from channel_panel.lifecycle import MEETING_ACTION, NOTES
from channel_panel.models import (
    PANEL_ROLES,
    AgendaItem,
    ItemNote,
    MeetingAction,
    MinuteTaker,
    PanelMeeting,
)
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import Agency, User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged


@transaction.atomic
def minute_taker_name(*, meeting: PanelMeeting, user: User | None, acting_user: User) -> None:
    """Name (or, with ``user=None``, stop naming) the meeting's minute-taker: an active
    member of the panel (Coordinator, chair or panel member), who may then write the notes
    and actions of the items they may see. Not once the minutes are approved (they are
    locked). Naming another replaces the first; the audit log keeps each."""
    # The meeting's row is locked first: two chairs naming the first minute-taker at once
    # would otherwise both find none and the second break the one-per-meeting rule.
    PanelMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.minutes_approved:
        raise ValueError("The minutes are approved: they are locked.")
    current = MinuteTaker.objects.filter(meeting=meeting).first()
    if user is not None and not (user.is_active and has_role(user, *PANEL_ROLES)):
        raise ValueError("The minute-taker must be a member of the Channel Panel.")
    if current is not None:
        if user is not None and current.user_id == user.pk:
            return
        current.delete()  # through the model, so the audit log records it
    if user is not None:
        MinuteTaker.objects.create(meeting=meeting, user=user, named_by=acting_user)


def current_note(item: AgendaItem) -> ItemNote | None:
    """The notes in force: the latest entry nothing corrects."""
    return item.notes.filter(corrections__isnull=True).order_by("-written_at", "-pk").first()


@transaction.atomic
def item_notes_write(
    *,
    item: AgendaItem,
    text: str,
    acting_user: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ItemNote:
    """Write an item's discussion notes (NOTES "write", "rewrite" or "correct", by the
    item's state): the first time once the meeting has started; then, until the minutes are
    approved, a rewrite of the same entry that must carry the version the writer saw (a
    second writer is told, never overwritten); after approval, a correction entry pointing
    at the notes in force, which stay printed beside it."""
    AgendaItem.objects.select_for_update().filter(pk=item.pk).first()
    current = current_note(item)
    if current is None:
        NOTES.require("write", item, text=text, now=now or timezone.now())
        return ItemNote.objects.create(item=item, text=text.strip(), written_by=acting_user)
    if item.meeting.minutes_approved:
        NOTES.require("correct", item, text=text)
        if expected_version != current.version:
            # Someone corrected them first: this correction was written against old notes.
            raise StaleEdit(StaleEdit.message)
        return ItemNote.objects.create(
            item=item, text=text.strip(), corrects=current, written_by=acting_user
        )
    NOTES.require("rewrite", item, text=text)
    current.text = text.strip()
    current.written_by = acting_user
    current.written_at = timezone.now()
    save_if_unchanged(
        current,
        expected_version=expected_version or 0,
        fields=["text", "written_by", "written_at"],
    )
    return current


@transaction.atomic
def meeting_action_add(
    *,
    meeting: PanelMeeting,
    description: str,
    due_on: date,
    acting_user: User,
    item: AgendaItem | None = None,
    owner_user: User | None = None,
    owner_agency: Agency | None = None,
    now: datetime | None = None,
) -> MeetingAction:
    """Add an action to the meeting's log (MEETING_ACTION "add"): once the meeting has
    started and while the minutes are a draft, with one owner (a person or an agency, whose
    SPOCs answer for it) and a due date; optionally about one agenda item of this meeting,
    and then a person named as owner must be able to see the item's case (owning an action
    never opens a case)."""
    if item is not None and item.meeting_id != meeting.pk:
        raise ValueError("That item is not on this meeting's agenda.")
    action = MeetingAction(
        meeting=meeting,
        item=item,
        description=description.strip(),
        owner_user=owner_user,
        owner_agency=owner_agency,
        due_on=due_on,
        created_by=acting_user,
    )
    MEETING_ACTION.require("add", action, now=now or timezone.now())
    action.save()
    return action


@transaction.atomic
def meeting_action_close(
    *,
    action: MeetingAction,
    status: str,
    expected_version: int,
    acting_user: User,
    reason: str = "",
) -> MeetingAction:
    """Mark an open action done, or cancel it with a reason (MEETING_ACTION "done",
    "cancel"). Its owner's progress, so allowed after the minutes are approved; it is then
    no longer carried forward to meetings after today."""
    step = {MeetingAction.Status.DONE: "done", MeetingAction.Status.CANCELLED: "cancel"}.get(status)
    if step is None:
        raise ValueError("Choose done or cancelled.")
    MEETING_ACTION.require(step, action, reason=reason)
    action.status = status
    action.closed_on = timezone.localdate()
    action.closed_by = acting_user
    action.cancelled_reason = reason.strip() if status == MeetingAction.Status.CANCELLED else ""
    save_if_unchanged(
        action,
        expected_version=expected_version,
        fields=["status", "closed_on", "closed_by", "cancelled_reason"],
    )
    return action


__all__ = [
    "current_note",
    "item_notes_write",
    "meeting_action_add",
    "meeting_action_close",
    "minute_taker_name",
]
