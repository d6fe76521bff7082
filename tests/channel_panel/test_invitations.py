"""Panel invitations by e-mail with a calendar file: one calendar entry per invitation (a
stable UID), an update with a higher SEQUENCE when the meeting moves, a cancellation
(METHOD:CANCEL) when the invitation is withdrawn, each version sent once, and the file
attached to the e-mail the outbox sends."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.core import mail
from icalendar import Calendar

from channel_panel import services
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import outbox_send_pending

MEETS_ON = date(2026, 12, 20)


@pytest.fixture
def meeting(world, time_machine):
    time_machine.move_to(date(2026, 12, 1))
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    return services.meeting_schedule(
        meets_on=MEETS_ON,
        starts_at=time(10, 0),
        location="Committee Room 2, Civic Centre",
        chair=world.chair,
        acting_user=world.coordinator,
    )


def _events(user, kind=None):
    rows = Notification.objects.filter(recipient=user).order_by("pk")
    if kind:
        rows = rows.filter(kind=kind)
    out = []
    for row in rows:
        (attachment,) = row.attachments
        calendar = Calendar.from_ical(attachment["content"])
        (event,) = calendar.walk("VEVENT")
        out.append((row, str(calendar["METHOD"]), event))
    return out


def test_each_invitee_gets_an_invitation_with_a_calendar_entry(world, meeting):
    invited = {n.recipient for n in Notification.objects.filter(kind="panel_invitation")}
    assert invited == {world.chair, world.panel_a}
    ((row, method, event),) = _events(world.panel_a)
    assert method == "REQUEST"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Channel Panel meeting"
    assert str(event["LOCATION"]) == "Committee Room 2, Civic Centre"
    assert event.decoded("DTSTART").hour == 10
    assert event.decoded("DTSTART").date() == MEETS_ON
    assert "Sunday 20 December 2026 at 10:00" in row.body
    assert str(event["ORGANIZER"]).startswith("mailto:")


def test_moving_the_meeting_sends_an_update_of_the_same_entry(world, meeting):
    meeting.refresh_from_db()
    services.meeting_update(
        meeting=meeting,
        meets_on=MEETS_ON + timedelta(days=1),
        chair=world.chair,
        mode=meeting.mode,
        starts_at=time(14, 0),
        location=meeting.location,
        expected_version=meeting.version,
        acting_user=world.coordinator,
    )
    (first, _, old), (second, method, new) = _events(world.panel_a)
    assert second.kind == "panel_invitation_updated" and method == "REQUEST"
    assert str(new["UID"]) == str(old["UID"])
    assert int(new["SEQUENCE"]) == int(old["SEQUENCE"]) + 1
    assert new.decoded("DTSTART").hour == 14
    assert "Monday 21 December 2026 at 14:00" in second.subject
    # Saving it again unchanged (a new chair, say) sends nothing more.
    meeting.refresh_from_db()
    services.meeting_update(
        meeting=meeting,
        meets_on=meeting.meets_on,
        chair=world.chair,
        mode=meeting.mode,
        starts_at=meeting.starts_at,
        location=meeting.location,
        expected_version=meeting.version,
        acting_user=world.coordinator,
    )
    assert len(_events(world.panel_a)) == 2


def test_withdrawing_an_invitation_cancels_the_entry(world, meeting):
    invitee = meeting.invitees.get(user=world.panel_a)
    services.invitee_remove(invitee=invitee, acting_user=world.coordinator)
    (_, _, invited), (row, method, cancelled) = _events(world.panel_a)
    assert row.kind == "panel_invitation_cancelled" and method == "CANCEL"
    assert str(cancelled["UID"]) == str(invited["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    # Invited again: a new invitation, a new entry.
    again = services.invitee_add(
        meeting=meeting, user=world.panel_a, agency=world.agency_a, acting_user=world.coordinator
    )
    _, _, (_, method, fresh) = _events(world.panel_a)
    assert method == "REQUEST" and str(fresh["UID"]) != str(invited["UID"])
    assert str(again.pk) in str(fresh["UID"])


def test_the_calendar_file_is_attached_to_the_email(world, meeting):
    outbox_send_pending()
    sent = [m for m in mail.outbox if m.to == [world.panel_a.email]]
    ((filename, content, mimetype),) = sent[0].attachments
    assert filename == "invite.ics" and mimetype.startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in content


def test_with_gov_uk_notify_the_email_goes_without_the_file(world, meeting, settings, monkeypatch):
    """Notify carries no attachments (django-gov-notify refuses them): the e-mail, whose
    body says when and where, still goes instead of failing five times. Notify's HTTP
    client is replaced: the test must not reach the internet."""
    import django_gov_notify.backends as backends

    settings.EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
    sent = []

    class FakeClient:
        def __init__(self, *args, **kwargs):
            pass

        def send_email_notification(self, **message):
            sent.append(message)

    monkeypatch.setattr(backends, "NotificationsAPIClient", FakeClient)
    result = outbox_send_pending()
    assert result.failed == 0 and result.sent == 2
    assert "Committee Room 2" in sent[0]["personalisation"]["body"]


def test_no_invitation_for_a_meeting_already_held(world, time_machine):
    time_machine.move_to(date(2026, 12, 1))
    services.meeting_schedule(
        meets_on=date(2026, 11, 20), chair=world.chair, acting_user=world.chair
    )
    assert not Notification.objects.filter(kind="panel_invitation").exists()
