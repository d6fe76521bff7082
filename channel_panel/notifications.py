"""What the Channel Panel tells people by e-mail: invitations to a meeting (with a calendar
file, updated when the meeting moves and cancelled when an invitation is withdrawn), the
approved minutes, and a new case manager's adoption.

Called by the services in the same transaction as the change, through the outbox
(prevent_portal/outbox): every kind is in prevent_portal/outbox/kinds.py; each names only a
meeting's date, time and place or a case reference, with an absolute link; and the outbox
queues nothing for a recipient who may not see the meeting or case.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from channel_panel.models import PANEL_ROLES, Attendance, ChannelCase, Invitee, PanelMeeting
from prevent_portal.accounts.access import has_role
from prevent_portal.accounts.models import User
from prevent_portal.outbox.links import site_link
from prevent_portal.outbox.services import notification_queue

# How long a calendar entry lasts when the meeting has a start time.
MEETING_LENGTH = timedelta(hours=2)
ICS_MIMETYPE = "text/calendar; charset=utf-8"
SUMMARY = "Channel Panel meeting"


def _when(meeting: PanelMeeting) -> str:
    day = f"{meeting.meets_on:%A %-d %B %Y}"
    return f"{day} at {meeting.starts_at:%H:%M}" if meeting.starts_at else day


def _where(meeting: PanelMeeting) -> str:
    if meeting.location:
        return meeting.location
    return "Online" if meeting.mode == PanelMeeting.Mode.ONLINE else "To be confirmed"


def _meeting_link(meeting: PanelMeeting, user: User) -> str:
    """The meeting page for the panel's roles; the pack (which every invitee may open)
    for a case manager invited for one item."""
    if has_role(user, *PANEL_ROLES):
        return site_link("channel_panel:meeting_detail", meeting.pk)
    return site_link("channel_panel:pack", meeting.pk)


def invitation_uid(meeting: PanelMeeting, invitee: Invitee) -> str:
    """Stable for one invitation: every update and the cancellation replace the same entry
    in the invitee's calendar."""
    domain = urlsplit(settings.SITE_URL).hostname or "prevent-portal.invalid"
    return f"channel-panel-meeting-{meeting.pk}-invitee-{invitee.pk}@{domain}"


def invitation_ics(
    meeting: PanelMeeting, invitee: Invitee, *, cancel: bool = False, sequence: int | None = None
) -> str:
    """The calendar file for one invitation (RFC 5545/5546): METHOD:REQUEST, or CANCEL.
    It holds the meeting's time and place, the service as organiser and the invitee as the
    attendee, and nothing about anyone discussed at it."""
    sequence = meeting.invitation_sequence if sequence is None else sequence
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SERVICE_NAME}//Channel Panel//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", invitation_uid(meeting, invitee))
    event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    start = meeting.starts()
    if meeting.starts_at:
        event.add("dtstart", start)
        event.add("dtend", start + MEETING_LENGTH)
    else:
        event.add("dtstart", meeting.meets_on)
        event.add("dtend", meeting.meets_on + timedelta(days=1))
    event.add("summary", SUMMARY)
    event.add("location", _where(meeting))
    event.add("description", f"Sign in to read the agenda: {_meeting_link(meeting, invitee.user)}")
    event.add("url", _meeting_link(meeting, invitee.user))
    organiser = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organiser.params["cn"] = vText(settings.SERVICE_NAME)
    event.add("organizer", organiser)
    attendee = vCalAddress(f"mailto:{invitee.user.email}")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical().decode()


def _ics_attachment(meeting: PanelMeeting, invitee: Invitee, *, cancel: bool = False) -> dict:
    return {
        "filename": "cancel.ics" if cancel else "invite.ics",
        "mimetype": ICS_MIMETYPE,
        "content": invitation_ics(meeting, invitee, cancel=cancel),
    }


def invitation_send(meeting: PanelMeeting, invitee: Invitee) -> None:
    """Queue the invitation for this version of the meeting (its invitation_sequence): one
    row per invitee and version, so re-running sends nothing twice and a change sends an
    update. Nobody is invited to a meeting already held or started."""
    if meeting.status != PanelMeeting.Status.PLANNED or meeting.has_started():
        return
    updated = meeting.invitation_sequence > 0
    kind = "panel_invitation_updated" if updated else "panel_invitation"
    subject = (
        f"Channel Panel meeting moved: {_when(meeting)}"
        if updated
        else f"Invitation: Channel Panel meeting, {_when(meeting)}"
    )
    opening = (
        "The Channel Panel meeting you are invited to has changed. It is now:"
        if updated
        else "You are invited to a Channel Panel meeting:"
    )
    link = _meeting_link(meeting, invitee.user)
    notification_queue(
        dedup_key=(
            f"panel-invitation:{invitee.pk}:seq:{meeting.invitation_sequence}:"
            f"user:{invitee.user_id}"
        ),
        kind=kind,
        recipient=invitee.user,
        subject=subject,
        body=(
            f"{opening}\n\nWhen: {_when(meeting)}\nWhere: {_where(meeting)}\n\n"
            f"The calendar file attached adds it to your calendar. Sign in to read the "
            f"agenda and the panel pack when it opens: {link}\n"
        ),
        record=meeting,
        attachments=[_ics_attachment(meeting, invitee)],
    )


def invitations_send_all(meeting: PanelMeeting) -> None:
    for invitee in meeting.invitees.select_related("user"):
        invitation_send(meeting, invitee)


def invitation_cancel(invitee: Invitee) -> None:
    """Tell someone whose invitation was withdrawn, with a calendar cancellation of the same
    entry. Sent whether or not they may still see the meeting: it only takes it away."""
    meeting = invitee.meeting
    if meeting.status != PanelMeeting.Status.PLANNED or meeting.has_started():
        return
    notification_queue(
        dedup_key=f"panel-invitation-cancel:{invitee.pk}:user:{invitee.user_id}",
        kind="panel_invitation_cancelled",
        recipient=invitee.user,
        subject=f"Invitation withdrawn: Channel Panel meeting, {_when(meeting)}",
        body=(
            f"Your invitation to the Channel Panel meeting on {_when(meeting)} has been "
            "withdrawn, and the panel pack is no longer open to you. The calendar file "
            "attached removes it from your calendar.\n\n"
            f"{site_link('core:home')}\n"
        ),
        attachments=[_ics_attachment(meeting, invitee, cancel=True)],
    )


def minutes_approved_notify(meeting: PanelMeeting) -> None:
    """Tell those recorded as present (portal users only) that the minutes are approved."""
    attendees = {
        row.user
        for row in Attendance.objects.filter(
            meeting=meeting, status=Attendance.Status.PRESENT, user__isnull=False
        ).select_related("user")
    }
    for user in sorted(attendees, key=lambda u: u.pk):
        link = (
            site_link("channel_panel:meeting_minutes", meeting.pk)
            if has_role(user, *PANEL_ROLES)
            else site_link("core:home")
        )
        notification_queue(
            dedup_key=f"panel-minutes-approved:{meeting.pk}:user:{user.pk}",
            kind="panel_minutes_approved",
            recipient=user,
            subject=f"Minutes approved: Channel Panel meeting, {meeting.meets_on:%-d %B %Y}",
            body=(
                f"The minutes of the Channel Panel meeting on {_when(meeting)}, which you "
                f"attended, have been approved.\n\nSign in to read them: {link}\n"
            ),
            record=meeting,
        )


def case_adopted_notify(case: ChannelCase) -> None:
    """Tell the named case manager of a newly adopted case: its reference and a link."""
    link = site_link("channel_panel:case_detail", case.pk)
    notification_queue(
        dedup_key=f"case:{case.pk}:adopted:user:{case.case_manager_id}",
        kind="case_adopted",
        recipient=case.case_manager,
        subject=f"You are the case manager of Channel case {case.reference}",
        body=(
            f"Channel case {case.reference} has been adopted, led by your agency, with you "
            f"as its case manager.\n\nSign in to read it: {link}\n"
        ),
        record=case,
    )


def pack_open_title(meeting: PanelMeeting) -> str:
    return f"The pack for the Channel Panel meeting on {meeting.meets_on:%-d %B %Y} is open"


def pack_open_body(meeting: PanelMeeting, user: User, closes: date) -> str:
    return (
        f"The panel pack for the Channel Panel meeting on {_when(meeting)} is open to you "
        f"until {closes:%-d %B %Y}.\n\nSign in to read it: "
        f"{site_link('channel_panel:pack', meeting.pk)}\n"
    )
