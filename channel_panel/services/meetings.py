"""Panel meetings: scheduling, invitees, the agenda, attendance, and the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from channel_panel.lifecycle import MEETING
from channel_panel.models import (
    AgendaItem,
    Attendance,
    ChannelCase,
    Decision,
    Invitee,
    PanelMeeting,
    PostExitReview,
)
from channel_panel.notifications import (
    invitation_cancel,
    invitation_send,
    invitations_send_all,
    minutes_approved_notify,
)
from channel_panel.services.pack import pack_grants_sync
from prevent_portal.accounts.access import acting_area, area_ids_for
from prevent_portal.accounts.grants import works_in_area
from prevent_portal.accounts.models import Agency, Membership, Role, User
from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import ChronologyEntry, Referral
from referrals.services import chronology_add

# A post-exit review goes on the agenda of the last meeting before it falls due.
POST_EXIT_LOOKAHEAD = timedelta(days=31)


def _check_editable(meeting: PanelMeeting) -> None:
    if meeting.minutes_approved:
        raise ValueError("The minutes of this meeting are approved: it can no longer change")


def _default_invitees(meeting: PanelMeeting) -> list[tuple[User, Agency]]:
    """The chair, and every panel member of the core agencies."""
    memberships = (
        Membership.objects.active()
        .filter(
            role=Role.PANEL_MEMBER,
            agency__in=meeting.core_agencies.all(),
            user__is_active=True,
        )
        .select_related("user", "agency")
    )
    chair_agency = (
        Membership.objects.active()
        .filter(user=meeting.chair, role=Role.PANEL_CHAIR)
        .values_list("agency", flat=True)
        .first()
    )
    invitees = [(m.user, m.agency) for m in memberships]
    if chair_agency is not None:
        invitees.insert(0, (meeting.chair, Agency.objects.get(pk=chair_agency)))
    return invitees


@transaction.atomic
def meeting_schedule(
    *,
    meets_on: date,
    chair: User,
    mode: str = PanelMeeting.Mode.IN_PERSON,
    starts_at: time | None = None,
    location: str = "",
    acting_user: User,
) -> PanelMeeting:
    """Schedule a meeting chaired by a panel chair. The core member agencies configured
    today are recorded on it (quorum is judged against them) and their panel members, with
    the chair, are invited."""
    if not Membership.objects.active().filter(user=chair, role=Role.PANEL_CHAIR).exists():
        raise ValueError("The chair must hold the panel chair role")
    # The meeting is the panel of the area the chair chairs in, and whoever schedules it
    # acts in that area (a council's panel, not a neighbour's).
    area = acting_area(chair, [Role.PANEL_CHAIR])
    if area.pk not in area_ids_for(acting_user, [Role.COORDINATOR, Role.PANEL_CHAIR]):
        raise ValueError("The chair must chair the panel of your council area")
    meeting = PanelMeeting.objects.create(
        area=area,
        meets_on=meets_on,
        starts_at=starts_at,
        location=location.strip(),
        mode=mode,
        chair=chair,
        created_by=acting_user,
    )
    # The core agencies of this area's panel: a partner that is core elsewhere, and does not
    # serve this area, is neither counted for quorum nor invited (issue 18).
    meeting.core_agencies.set(
        Agency.objects.filter(is_core_panel_member=True, is_active=True, areas=area)
    )
    for user, agency in _default_invitees(meeting):
        Invitee.objects.get_or_create(meeting=meeting, user=user, for_item=None, agency=agency)
    invitations_send_all(meeting)  # each with a calendar file
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: PanelMeeting,
    meets_on: date,
    chair: User,
    mode: str,
    starts_at: time | None,
    location: str,
    expected_version: int,
    acting_user: User,
) -> PanelMeeting:
    """Change a meeting's date, time, place, mode or chair; its pack window moves with it,
    and a new date, time or place sends every invitee an updated invitation. Once decisions
    are recorded its date and time stand (adoptions and exits are dated by it), and a held
    meeting cannot move to a start still to come."""
    _check_editable(meeting)
    moved = (meets_on, starts_at) != (meeting.meets_on, meeting.starts_at)
    if moved and Decision.objects.filter(item__meeting=meeting).exists():
        raise ValueError(
            "Decisions are recorded at this meeting: its date and time can no longer change"
        )
    held = meeting.status == PanelMeeting.Status.HELD
    if held and not PanelMeeting(meets_on=meets_on, starts_at=starts_at).has_started():
        raise ValueError("The meeting is held: its start cannot move to a time still to come")
    if not Membership.objects.active().filter(user=chair, role=Role.PANEL_CHAIR).exists():
        raise ValueError("The chair must hold the panel chair role")
    rescheduled = (meets_on, starts_at, location.strip(), mode) != (
        meeting.meets_on,
        meeting.starts_at,
        meeting.location,
        meeting.mode,
    )
    meeting.meets_on, meeting.chair, meeting.mode = meets_on, chair, mode
    meeting.starts_at, meeting.location = starts_at, location.strip()
    if rescheduled:
        meeting.invitation_sequence += 1  # calendars replace the entry they hold
    save_if_unchanged(
        meeting,
        expected_version=expected_version,
        fields=[
            *("meets_on", "chair", "mode", "starts_at", "location"),
            "invitation_sequence",
        ],
    )
    pack_grants_sync(acting_user=acting_user)
    if rescheduled:
        invitations_send_all(meeting)  # an updated invitation, same calendar entry
    return meeting


@transaction.atomic
def invitee_add(
    *,
    meeting: PanelMeeting,
    user: User,
    agency: Agency,
    for_item: AgendaItem | None = None,
    acting_user: User,
) -> Invitee:
    """Invite someone (a case manager for one item, say), give them the pack access that
    goes with it, and send them the invitation with its calendar file."""
    _check_editable(meeting)
    if for_item is not None and for_item.meeting_id != meeting.pk:
        raise ValueError("That item is on another meeting's agenda")
    if not Membership.objects.active().filter(user=user, agency=agency).exists():
        raise ValueError("The person invited must work for the agency given")
    if not works_in_area(meeting.area_id, agency=agency):
        # The invitation opens the pack: a share in all but name, within one area (issue 18).
        raise ValueError("Choose someone who works in this meeting's council area")
    invitee, created = Invitee.objects.get_or_create(
        meeting=meeting, user=user, for_item=for_item, defaults={"agency": agency}
    )
    pack_grants_sync(acting_user=acting_user)
    if created:
        invitation_send(meeting, invitee)
    return invitee


@transaction.atomic
def invitee_remove(*, invitee: Invitee, acting_user: User) -> None:
    """Withdraw an invitation; the pack access it gave ends at once, and the invitee gets a
    calendar cancellation of the entry their invitation made."""
    _check_editable(invitee.meeting)
    invitation_cancel(invitee)
    invitee.delete()
    pack_grants_sync(acting_user=acting_user)


def _next_position(meeting: PanelMeeting) -> int:
    return (meeting.items.aggregate(m=Max("position"))["m"] or 0) + 1


@transaction.atomic
def agenda_build(*, meeting: PanelMeeting, acting_user: User) -> list[AgendaItem]:
    """Add to the agenda, after what is there, everything that should be discussed: new
    referrals passed to panel and not yet decided (nor waiting on another meeting), every
    open case (reviewed at each meeting while open) and post-exit reviews falling due by
    the next meeting. Running it again adds only what is new."""
    _check_editable(meeting)
    added: list[AgendaItem] = []
    position = _next_position(meeting)
    on_this = set(meeting.items.exclude(referral=None).values_list("referral_id", flat=True))
    waiting_elsewhere = set(
        AgendaItem.objects.filter(
            kind=AgendaItem.Kind.NEW,
            decisions__isnull=True,
            meeting__status=PanelMeeting.Status.PLANNED,
        )
        .exclude(meeting=meeting)
        .values_list("referral_id", flat=True)
    )
    new_referrals = (
        # Passed to panel, not yet a case, with a gateway result allowing a panel discussion.
        Referral.objects.ready_for_panel()
        .exclude(pk__in=on_this | waiting_elsewhere)
        .order_by("decided_on", "pk")
    )
    for referral in new_referrals:
        added.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                kind=AgendaItem.Kind.NEW,
                referral=referral,
                added_by=acting_user,
            )
        )
        position += 1
    for case in ChannelCase.objects.open().exclude(referral_id__in=on_this).order_by("adopted_on"):
        added.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                kind=AgendaItem.Kind.REVIEW,
                referral_id=case.referral_id,
                case=case,
                added_by=acting_user,
            )
        )
        position += 1
    reviews = (
        PostExitReview.objects.filter(
            held_on__isnull=True, due_on__lte=meeting.meets_on + POST_EXIT_LOOKAHEAD
        )
        .exclude(case__referral_id__in=on_this)
        .exclude(agenda_items__meeting__status=PanelMeeting.Status.PLANNED)
        .select_related("case")
        .order_by("due_on")
    )
    for review in reviews:
        added.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                kind=AgendaItem.Kind.POST_EXIT,
                referral_id=review.case.referral_id,
                case=review.case,
                post_exit_review=review,
                added_by=acting_user,
            )
        )
        position += 1
    for item in added:
        item.save()  # one by one, so each is audited
        chronology_add(
            referral=item.referral,
            kind=ChronologyEntry.Kind.PANEL_AGENDA,
            text=f"{item.get_kind_display()} on the agenda of the {meeting}.",
            acting_user=acting_user,
        )
    if added:
        pack_grants_sync(acting_user=acting_user)
    return added


@transaction.atomic
def agenda_item_add(
    *,
    meeting: PanelMeeting,
    acting_user: User,
    title: str = "",
    referral: Referral | None = None,
    case: ChannelCase | None = None,
) -> AgendaItem:
    """The chair adds an item: other business (a title), a referral passed to panel, or an
    open case to review."""
    _check_editable(meeting)
    if case is not None:
        if not case.is_open():
            raise ValueError("Only an open case can be reviewed")
        kind, referral = AgendaItem.Kind.REVIEW, case.referral
    elif referral is not None:
        # Passed to panel, with a gateway result allowing it (TransitionRefused otherwise).
        REFERRAL_LIFECYCLE.require("offer_for_agenda", referral)
        kind = AgendaItem.Kind.NEW
    else:
        if not title.strip():
            raise ValueError("Give the item a title")
        kind = AgendaItem.Kind.OTHER
    if referral is not None and meeting.items.filter(referral=referral).exists():
        raise ValueError("That is already on this agenda")
    item = AgendaItem.objects.create(
        meeting=meeting,
        position=_next_position(meeting),
        kind=kind,
        referral=referral,
        case=case,
        title=title.strip(),
        added_by=acting_user,
    )
    if referral is not None:
        chronology_add(
            referral=referral,
            kind=ChronologyEntry.Kind.PANEL_AGENDA,
            text=f"{item.get_kind_display()} on the agenda of the {meeting}.",
            acting_user=acting_user,
        )
        pack_grants_sync(acting_user=acting_user)
    return item


@transaction.atomic
def agenda_item_move(
    *,
    item: AgendaItem,
    up: bool,
    expected_version: int,
    acting_user: User,
    expected_order: list[int] | None = None,
) -> None:
    """Swap an item with the one above (or below) it. The meeting's version guards the
    order, so two people reordering at once cannot scramble it; ``expected_order`` (the
    item ids as the user saw them) also catches an item added or removed meanwhile."""
    meeting = item.meeting
    _check_editable(meeting)
    save_if_unchanged(meeting, expected_version=expected_version, fields=[])
    items = list(meeting.items.order_by("position", "pk"))
    if expected_order is not None and [each.pk for each in items] != expected_order:
        raise StaleEdit(StaleEdit.message)
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    swap = index - 1 if up else index + 1
    if not 0 <= swap < len(items):
        return
    items[index], items[swap] = items[swap], items[index]
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])


@transaction.atomic
def agenda_item_remove(*, item: AgendaItem, acting_user: User) -> None:
    """Take an undecided item off the agenda; its pack access ends."""
    _check_editable(item.meeting)
    if item.decisions.exists():
        raise ValueError("An item with a decision cannot be removed")
    meeting = item.meeting
    item.delete()
    for position, each in enumerate(meeting.items.order_by("position", "pk"), start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    pack_grants_sync(acting_user=acting_user)


@dataclass(frozen=True)
class AttendanceEntry:
    agency: Agency
    status: str
    user: User | None = None
    name: str = ""
    for_item: AgendaItem | None = None


@transaction.atomic
def attendance_record(
    *,
    meeting: PanelMeeting,
    entries: list[AttendanceEntry],
    expected_version: int,
    acting_user: User,
) -> list[Attendance]:
    """Replace the meeting's attendance record with ``entries`` (each a portal user or a
    name, their agency and present / apologies / absent)."""
    _check_editable(meeting)
    for entry in entries:
        if entry.user is None and not entry.name.strip():
            raise ValueError("Each attendee needs a name")
        if entry.status not in Attendance.Status.values:
            raise ValueError("Attendance must be present, apologies or absent")
    save_if_unchanged(meeting, expected_version=expected_version, fields=[])
    for old in meeting.attendance.all():
        old.delete()
    rows = []
    for entry in entries:
        rows.append(
            Attendance.objects.create(
                meeting=meeting,
                user=entry.user,
                name=entry.name.strip(),
                agency=entry.agency,
                status=entry.status,
                for_item=entry.for_item,
                recorded_by=acting_user,
            )
        )
    return rows


@transaction.atomic
def meeting_mark_held(
    *,
    meeting: PanelMeeting,
    expected_version: int,
    acting_user: User,
    confirm_inquorate: bool = False,
    inquorate_reason: str = "",
    now: datetime | None = None,
) -> PanelMeeting:
    """The meeting took place (MEETING "hold"): not before it starts (its date and time in
    the council's time zone), and, when it was not quorate, only if the chair confirms it
    and records why; the minutes show that reason."""
    now = now or timezone.now()
    MEETING.require(
        "hold",
        meeting,
        now=now,
        confirm_inquorate=confirm_inquorate,
        inquorate_reason=inquorate_reason,
    )
    quorate, _ = meeting.quorum()
    meeting.status = PanelMeeting.Status.HELD
    meeting.held_by, meeting.held_at = acting_user, now
    meeting.inquorate_reason = "" if quorate else inquorate_reason.strip()
    save_if_unchanged(
        meeting,
        expected_version=expected_version,
        fields=["status", "held_by", "held_at", "inquorate_reason"],
    )
    return meeting


@transaction.atomic
def minutes_approve(
    *, meeting: PanelMeeting, expected_version: int, acting_user: User
) -> PanelMeeting:
    """Approve the minutes of a held meeting whose case items all have a decision and whose
    attendance is recorded (MEETING "approve_minutes"). From now on its decisions cannot be
    edited: a correction is a new entry. Those recorded as present are told."""
    MEETING.require("approve_minutes", meeting)
    meeting.status = PanelMeeting.Status.MINUTES_APPROVED
    meeting.minutes_approved_by = acting_user
    meeting.minutes_approved_at = timezone.now()
    save_if_unchanged(
        meeting,
        expected_version=expected_version,
        fields=["status", "minutes_approved_by", "minutes_approved_at"],
    )
    minutes_approved_notify(meeting)
    return meeting


__all__ = [
    "AttendanceEntry",
    "agenda_build",
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "attendance_record",
    "invitee_add",
    "invitee_remove",
    "meeting_mark_held",
    "meeting_schedule",
    "meeting_update",
    "minutes_approve",
]
