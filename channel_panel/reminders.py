"""Reminders the Channel Panel app contributes to the daily sweep. Subjects, titles and
bodies name the case by its reference and link only: never the person, nor their date of
birth or the day they turned 18. Each reminder names its case as ``record``, and the sweep
sends it only to recipients who may see the case then (prevent_portal/reminders)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings

from channel_panel.models import ChannelCase, PostExitReview, SupportAction
from prevent_portal.accounts.addressees import holders_by_area
from prevent_portal.accounts.models import Role, User
from prevent_portal.outbox.links import site_link
from prevent_portal.reminders.registry import Reminder


def _recipients(*groups) -> list[User]:
    """Each user once, whichever groups they are in."""
    seen: dict[int, User] = {}
    for group in groups:
        for user in group:
            if user.is_active:
                seen.setdefault(user.pk, user)
    return list(seen.values())


def _case_link(case: ChannelCase) -> str:
    return site_link("channel_panel:case_detail", case.pk)


def support_contact_overdue(today: date):
    """An open case's support action whose next contact was due before today: its case
    manager, the Coordinators of the case's area and a panel chair of the lead agency in that
    area, once per action and due date; the sweep drops any of them who cannot see the case
    (a manager who has left the agency). Not every chair or Coordinator in the region: only
    the case's own area's, read once for every area concerned."""
    overdue = list(
        SupportAction.objects.contact_overdue(today)
        .select_related("case__case_manager", "support_type")
        .order_by("next_contact_due", "pk")
    )
    areas = {action.case.area_id for action in overdue}
    coordinators = holders_by_area(Role.COORDINATOR, areas)
    chairs = holders_by_area(Role.PANEL_CHAIR, areas)
    for action in overdue:
        case, due = action.case, action.next_contact_due
        lead_chairs = chairs(case.area_id, case.lead_agency_id)
        recipients = _recipients([case.case_manager], coordinators(case.area_id), lead_chairs)
        for recipient in recipients:
            yield Reminder(
                kind="channel_contact_overdue",
                key=f"action:{action.pk}:{due.isoformat()}",
                subject=f"Channel case {case.reference}",
                due=due,
                recipient=recipient,
                title=f"Channel case {case.reference}: support contact overdue",
                body=(
                    f"On Channel case {case.reference}, the next contact for the "
                    f"{action.support_type.name.lower()} action was due on {due:%-d %B %Y} "
                    f"and has not been recorded. Record the contact, or change the action, "
                    f"on the case's page: {_case_link(case)}"
                ),
                record=case,
            )


def consent_on_turning_18(today: date):
    """An open case whose live consent came from a parent, and the person has turned 18:
    the case manager is asked, once, to get the person's own consent."""
    for case in ChannelCase.objects.needing_own_consent(today):
        turned = case.turns_18_on()
        # The date is the key's and the outbox row's due date, never the text's: the day
        # someone turned 18 is their date of birth.
        yield Reminder(
            kind="channel_consent_at_18",
            key=f"case:{case.pk}:turned-18",
            subject=f"Channel case {case.reference}",
            due=turned,
            recipient=case.case_manager,
            title=f"Channel case {case.reference}: ask for the person's own consent",
            body=(
                f"The person on Channel case {case.reference} has turned 18. Consent was "
                f"given by a parent or guardian: ask the person for their own consent and "
                f"record it on the case's page: {_case_link(case)}"
            ),
            record=case,
        )


def post_exit_review_due(today: date):
    """A post-exit review not yet held and due within CHANNEL_REVIEW_REMINDER_DAYS (or
    already past due): the Coordinators of the case's area and the case manager, once per
    review."""
    reviews = list(
        PostExitReview.objects.due(today)
        .select_related("case__case_manager")
        .order_by("due_on", "pk")
    )
    coordinators = holders_by_area(Role.COORDINATOR, {review.case.area_id for review in reviews})
    for review in reviews:
        case = review.case
        # Once ownership has returned to another agency the former case manager no longer
        # holds the case: the Coordinators bring the review to panel.
        managers = [] if case.ownership_returned_to_id else [case.case_manager]
        for recipient in _recipients(coordinators(case.area_id), managers):
            yield Reminder(
                kind="channel_post_exit_review",
                key=f"review:{review.pk}",
                subject=f"Channel case {case.reference}",
                due=review.due_on,
                recipient=recipient,
                title=(
                    f"Channel case {case.reference}: {review.months_after_exit}-month "
                    f"post-exit review due"
                ),
                body=(
                    f"The {review.months_after_exit}-month post-exit review of Channel case "
                    f"{case.reference} is due on {review.due_on:%-d %B %Y}. Put it on a panel "
                    f"agenda, and record it on the case's page once held: {_case_link(case)}"
                ),
                record=case,
            )


def pack_open(today: date):
    """Tell each invitee of a planned meeting, once, that its panel pack is open to them:
    from the day the pack window opens until the meeting, so a missed sweep still tells
    them. The key carries the window's first day, so a meeting moved to another date tells
    them again. The meeting is the ``record``: the sweep sends only to people who may hear
    of it. No personal data: the meeting's date and a link."""
    from channel_panel.models import Invitee, PanelMeeting
    from channel_panel.notifications import pack_open_body, pack_open_title

    opens_by = today + timedelta(days=settings.PANEL_PACK_OPENS_DAYS_BEFORE)
    meetings = (
        PanelMeeting.objects.filter(
            status=PanelMeeting.Status.PLANNED, meets_on__gte=today, meets_on__lte=opens_by
        )
        .filter(items__isnull=False)
        .distinct()
        .order_by("pk")
    )
    invitees = Invitee.objects.filter(meeting__in=meetings, user__is_active=True).select_related(
        "user", "meeting"
    )
    told: set[tuple[int, int]] = set()
    for invitee in invitees.order_by("meeting_id", "pk"):
        meeting = invitee.meeting
        if (meeting.pk, invitee.user_id) in told:
            continue  # invited for the whole meeting and for an item: one message
        told.add((meeting.pk, invitee.user_id))
        opens, closes = meeting.pack_window()
        yield Reminder(
            kind="panel_pack_open",
            key=f"meeting:{meeting.pk}:pack-opens:{opens.isoformat()}",
            subject=f"Channel Panel meeting, {meeting.meets_on:%-d %B %Y}",
            due=opens,
            recipient=invitee.user,
            title=pack_open_title(meeting),
            body=pack_open_body(meeting, invitee.user, closes),
            record=meeting,
        )


# How many days before an action falls due its owner is reminded.
MEETING_ACTION_REMINDER_DAYS = 7


def meeting_action_due(today: date):
    """An open action from a panel meeting, due within MEETING_ACTION_REMINDER_DAYS or
    overdue: its owner, or the SPOCs of the owning agency; once as it falls due and once
    when it is overdue (the key carries the due date, so a new date reminds again). The
    action is the ``record``: the sweep sends only to owners who may see it (an action about
    a case only to those who may see the case). No personal data: the meeting's date, the
    due date and a link; never the action's words, which may speak of the case."""
    from channel_panel.models import MeetingAction

    horizon = today + timedelta(days=MEETING_ACTION_REMINDER_DAYS)
    actions = list(
        MeetingAction.objects.open()
        .filter(due_on__lte=horizon)
        .select_related("meeting", "owner_user")
        .order_by("due_on", "pk")
    )
    # The owning agency's SPOCs in the meeting's area (an agency serving several areas has
    # SPOCs in each), read once for every area concerned.
    spocs = holders_by_area(Role.SPOC, {action.meeting.area_id for action in actions})
    for action in actions:
        owners = (
            [action.owner_user]
            if action.owner_user_id
            else spocs(action.meeting.area_id, action.owner_agency_id)
        )
        overdue = action.due_on < today
        when = "overdue" if overdue else "due"
        link = site_link("channel_panel:meeting_action_close", action.meeting_id, action.pk)
        meeting_day = f"{action.meeting.meets_on:%-d %B %Y}"
        for recipient in _recipients(owners):
            yield Reminder(
                kind="panel_action_due",
                key=f"meeting-action:{action.pk}:{when}:{action.due_on.isoformat()}",
                subject=f"Channel Panel action from {meeting_day}",
                due=action.due_on,
                recipient=recipient,
                title=(
                    f"Action from the Channel Panel meeting on {meeting_day}: "
                    f"{'overdue since' if overdue else 'due on'} {action.due_on:%-d %B %Y}"
                ),
                body=(
                    f"An action from the Channel Panel meeting on {meeting_day}, owned by "
                    f"{'your agency' if action.owner_agency_id else 'you'}, "
                    f"{'was due on' if overdue else 'is due on'} {action.due_on:%-d %B %Y}. "
                    f"Mark it done, or cancel it with a reason: {link}"
                ),
                record=action,
            )
