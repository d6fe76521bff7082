"""Minutes that are minutes (issue 17): discussion notes on each item, written by the chair's
side or the named minute-taker, locked by approval and corrected after it; an action log
carried to each later meeting until done, on the owner's home page and in their reminders;
and the minutes document, PDF and DOCX, built for each attendee with only the items they
may see."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, time, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from channel_panel import services
from channel_panel.lifecycle import MEETING_ACTION, NOTES
from channel_panel.models import ChannelCase, Decision, MeetingAction, MinuteTaker
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused
from prevent_portal.core.work_waiting import panels_for
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from tests import factories
from tests.channel_panel.test_meetings import client_for, person, url
from tests.encrypted_downloads import password_shown, unlock
from tests.lifecycle_audit import lifecycle_changes_audited


@pytest.fixture
def minuted(world):
    """A meeting held two weeks ago (its pack closed since): item 1 reviews agency A's
    case, item 2 agency B's case, item 3 is other business. Both case items are decided;
    the chair and agency A's panel member attended."""
    import time_machine

    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    day = timezone.localdate() - timedelta(days=14)
    with time_machine.travel(
        timezone.make_aware(datetime.combine(day - timedelta(days=3), time(12))), tick=False
    ):
        meeting = factories.meeting(world.chair, day)
        case_a = factories.channel_case(
            world.agency_a, world.spoc_a, person=person("Brannagh", "Oakridge")
        )
        case_b = factories.channel_case(
            world.agency_b, world.spoc_b, person=person("Tamsin", "Wrexford")
        )
        item_a = services.agenda_item_add(meeting=meeting, case=case_a, acting_user=world.chair)
        item_b = services.agenda_item_add(meeting=meeting, case=case_b, acting_user=world.chair)
        services.agenda_item_add(
            meeting=meeting, title="Terms of reference", acting_user=world.chair
        )
    meeting.refresh_from_db()
    services.attendance_record(
        meeting=meeting,
        entries=[
            services.AttendanceEntry(agency=world.council, status="present", user=world.chair),
            services.AttendanceEntry(agency=world.agency_a, status="present", user=world.panel_a),
        ],
        expected_version=meeting.version,
        acting_user=world.chair,
    )
    factories.held(meeting)
    for item in (item_a, item_b):
        services.decision_record(
            item=item,
            outcome=Decision.Outcome.CONTINUE,
            rationale="Engaging",
            acting_user=world.chair,
        )
    meeting.refresh_from_db()
    return meeting, item_a, item_b, case_a, case_b


def _approve(meeting, chair):
    meeting.refresh_from_db()
    services.minutes_approve(meeting=meeting, expected_version=meeting.version, acting_user=chair)


# --- Notes ---------------------------------------------------------------------------------
def test_notes_are_locked_by_approval_and_corrected_beside_the_original(world, minuted):
    meeting, item_a, *_ = minuted
    chair = client_for(world.chair)
    response = chair.post(
        url("meeting_item_notes", meeting.pk, item_a.pk), {"text": "Mentor reports progress."}
    )
    assert response.status_code == 302
    note = item_a.notes.get()
    # A second writer who opened the page before the first saved is told, not overwritten.
    services.item_notes_write(
        item=item_a,
        text="Mentor reports good progress.",
        expected_version=note.version,
        acting_user=world.chair,
    )
    with pytest.raises(StaleEdit):
        services.item_notes_write(
            item=item_a,
            text="Overwrites",
            expected_version=note.version,
            acting_user=world.coordinator,
        )
    _approve(meeting, world.chair)
    # Approved: the same page records a correction, and the approved notes stay.
    current = item_a.notes.get()
    response = chair.post(
        url("meeting_item_notes", meeting.pk, item_a.pk),
        {"text": "Mentor reports good progress; school attendance up.", "version": current.version},
    )
    assert response.status_code == 302
    assert item_a.notes.count() == 2
    assert item_a.notes.get(corrects__isnull=False).corrects == current
    page = chair.get(url("meeting_minutes", meeting.pk)).content.decode()
    assert "school attendance up" in page and "Mentor reports good progress." in page
    assert "Earlier notes, corrected" in page and "Correction" in page


def test_notes_wait_for_the_meeting_and_are_never_empty(world):
    later = timezone.localdate() + timedelta(days=5)
    meeting = factories.meeting(world.chair, later)
    item = services.agenda_item_add(meeting=meeting, title="Other", acting_user=world.chair)
    with pytest.raises(TransitionRefused, match="decisions can be recorded from then"):
        services.item_notes_write(item=item, text="Too soon", acting_user=world.chair)
    response = client_for(world.chair).post(
        url("meeting_item_notes", meeting.pk, item.pk), {"text": ""}
    )
    assert "Write the discussion notes" in response.content.decode()
    assert not item.notes.exists()


def test_a_named_minute_taker_writes_notes_on_the_items_they_may_see_only(world, minuted):
    meeting, item_a, item_b, *_ = minuted
    member = client_for(world.panel_a)
    assert member.get(url("meeting_item_notes", meeting.pk, item_a.pk)).status_code == 403
    with pytest.raises(ValueError, match="member of the Channel Panel"):
        services.minute_taker_name(meeting=meeting, user=world.spoc_a, acting_user=world.chair)
    response = client_for(world.chair).post(
        url("meeting_minute_taker", meeting.pk), {"user": world.panel_a.pk}
    )
    assert response.status_code == 302
    taker = MinuteTaker.objects.get(meeting=meeting)
    assert (taker.user, taker.named_by) == (world.panel_a, world.chair)
    assert LogEntry.objects.get_for_object(taker).filter(action=LogEntry.Action.CREATE).exists()
    assert (
        member.post(url("meeting_item_notes", meeting.pk, item_a.pk), {"text": "Noted"}).status_code
        == 302
    )
    # Agency B's case is not theirs to see: naming them does not open it.
    assert member.get(url("meeting_item_notes", meeting.pk, item_b.pk)).status_code == 404
    # Nor may they name anyone themselves.
    assert member.get(url("meeting_minute_taker", meeting.pk)).status_code == 403


# --- Actions -------------------------------------------------------------------------------
def _action(
    meeting, user, *, due, item=None, owner_user=None, owner_agency=None, text="Send the plan"
):
    return services.meeting_action_add(
        meeting=meeting,
        item=item,
        description=text,
        due_on=due,
        owner_user=owner_user,
        owner_agency=owner_agency,
        acting_user=user,
    )


def test_the_meeting_as_a_wholes_actions_are_not_for_someone_invited_for_one_item(world, minuted):
    """Review of issue 17: an action on no item was seen by everyone who could hear of the
    meeting, a case manager invited to speak to one case included, and printed in their
    minutes. It is for the panel and whole-meeting invitees (and its owner) only."""
    from channel_panel.models import Invitee

    meeting, item_a, item_b, *_ = minuted
    Invitee.objects.create(
        meeting=meeting, user=world.spoc_b, agency=world.agency_b, for_item=item_b
    )
    whole = _action(
        meeting, world.chair, due=timezone.localdate(), owner_user=world.coordinator, text="Check"
    )
    for_b = _action(
        meeting, world.chair, due=timezone.localdate(), item=item_b, owner_agency=world.agency_a
    )
    seen = set(MeetingAction.objects.visible_to(world.spoc_b).values_list("pk", flat=True))
    assert whole.pk not in seen and for_b.pk in seen
    assert whole.pk in set(
        MeetingAction.objects.visible_to(world.panel_a).values_list("pk", flat=True)
    )


def test_open_actions_are_carried_to_later_meetings_until_done(world, minuted):
    meeting, *_ = minuted
    today = timezone.localdate()
    action = _action(
        meeting, world.chair, due=today + timedelta(days=3), owner_agency=world.agency_a
    )
    _approve(meeting, world.chair)
    with pytest.raises(TransitionRefused, match="can no longer be added"):
        _action(meeting, world.chair, due=today, owner_user=world.chair)
    nextone = factories.meeting(world.chair, today + timedelta(days=7))
    page = client_for(world.chair).get(url("meeting_detail", nextone.pk)).content.decode()
    assert "Actions carried forward" in page and "Send the plan" in page
    # Its owner (a SPOC of agency A) marks it done: it is no longer carried.
    spoc = client_for(world.spoc_a)
    close = url("meeting_action_close", meeting.pk, action.pk)
    assert (
        "Give the reason"
        in spoc.post(close, {"status": "cancelled", "version": 1}).content.decode()
    )
    with lifecycle_changes_audited(MeetingAction, MEETING_ACTION.audited_fields):
        assert spoc.post(close, {"status": "done", "version": 1}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.closed_by) == ("done", world.spoc_a)
    page = client_for(world.chair).get(url("meeting_detail", nextone.pk)).content.decode()
    assert "Send the plan" not in page
    # Someone who neither owns it nor writes the minutes may not close it.
    assert client_for(world.panel_a).get(close).status_code == 403


def test_an_action_about_a_case_is_seen_only_by_those_who_see_the_case(world, minuted):
    meeting, item_a, item_b, *_ = minuted
    today = timezone.localdate()
    with pytest.raises(TransitionRefused, match="cannot see this item's case"):
        _action(meeting, world.chair, due=today, item=item_b, owner_user=world.panel_a)
    about_b = _action(
        meeting,
        world.chair,
        due=today - timedelta(days=1),
        item=item_b,
        owner_agency=world.agency_b,
    )
    seen = {
        name
        for name in ("coordinator", "chair", "panel_a", "spoc_a", "spoc_b", "referrer_b", "manager")
        if MeetingAction.objects.visible_to(getattr(world, name)).filter(pk=about_b.pk).exists()
    }
    assert seen == {"coordinator", "chair", "spoc_b"}
    assert (
        client_for(world.panel_a)
        .get(url("meeting_action_close", meeting.pk, about_b.pk))
        .status_code
        == 404
    )
    page = client_for(world.panel_a).get(url("meeting_minutes", meeting.pk)).content.decode()
    assert "Send the plan" not in page


def test_owners_are_reminded_and_see_their_actions_on_the_home_page(world, minuted):
    meeting, item_a, item_b, *_ = minuted
    today = timezone.localdate()
    _action(
        meeting,
        world.chair,
        due=today - timedelta(days=2),
        item=item_b,
        owner_agency=world.agency_b,
    )
    _action(
        meeting,
        world.chair,
        due=today + timedelta(days=3),
        owner_user=world.panel_a,
        text="Book a room",
    )
    reminders_queue_due(today=today)
    reminders_queue_due(today=today)  # a second sweep sends nothing new
    sent = Notification.objects.filter(kind="panel_action_due")
    assert sorted(n.recipient.username for n in sent) == ["panel-a", "spoc-b"]
    overdue = sent.get(recipient=world.spoc_b)
    assert "overdue since" in overdue.subject or "was due on" in overdue.body
    assert "Wrexford" not in overdue.body and "Send the plan" not in overdue.body
    items = {item.key: item for view in panels_for(world.spoc_b, today) for item in view.items}
    assert items["meeting_actions"].label == "1 open action from panel meetings"
    assert items["meeting_actions"].detail == "1 overdue"
    assert "meeting_actions" not in {
        item.key for view in panels_for(world.spoc_a, today) for item in view.items
    }
    page = client_for(world.spoc_b).get(url("meeting_actions")).content.decode()
    assert "Send the plan" in page and "Overdue" in page


def test_a_user_owning_no_open_action_is_not_checked_against_the_actions_sight_rules(
    world, minuted
):
    """The home page asks whether the user owns an open action before building the actions'
    sight rules (each item's case and referral): a user owning none costs one small query,
    and a user owning one still has it counted through visible_to."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channel_panel.work_waiting import meeting_actions

    meeting, _item_a, item_b, *_ = minuted
    today = timezone.localdate()
    _action(meeting, world.chair, due=today + timedelta(days=3), owner_user=world.panel_a)
    with CaptureQueriesContext(connection) as none_owned:
        (nothing,) = meeting_actions(world.spoc_a, today)
    assert nothing.count == 0
    assert len(none_owned.captured_queries) == 1
    assert "channel_panel_agendaitem" not in none_owned.captured_queries[0]["sql"]
    (owned,) = meeting_actions(world.panel_a, today)
    assert owned.count == 1
    # Owning an action on an item about a case never counts it for someone who may not see
    # that item (the service refuses such an owner; sight can be lost afterwards): the
    # count is still visible_to's.
    owned_unseen = _action(meeting, world.chair, due=today, item=item_b, owner_user=world.spoc_b)
    MeetingAction.objects.filter(pk=owned_unseen.pk).update(owner_user=world.spoc_a)
    (hidden,) = meeting_actions(world.spoc_a, today)
    assert hidden.count == 0


# --- The document ----------------------------------------------------------------------------
def _download(user, meeting):
    client = client_for(user)
    link = url("meeting_minutes_download", meeting.pk)
    password = password_shown(client.get(link))
    response = client.get(link, {"download": "1"})
    assert response.status_code == 200
    files = unlock(response.content, password)
    pdf = next(content for name, content in files.items() if name.endswith(".pdf"))
    docx = next(content for name, content in files.items() if name.endswith(".docx"))
    return _pdf_text(pdf), _docx_text(docx)


def _pdf_text(pdf: bytes) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (apt-get install poppler-utils)"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


def _docx_text(docx: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(docx))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def test_the_minutes_document_holds_for_each_attendee_only_the_items_they_may_see(world, minuted):
    meeting, item_a, item_b, case_a, case_b = minuted
    today = timezone.localdate()
    services.item_notes_write(
        item=item_a, text="Brannagh attends the mentoring.", acting_user=world.chair
    )
    services.item_notes_write(item=item_b, text="Tamsin moved school.", acting_user=world.chair)
    _action(
        meeting,
        world.chair,
        due=today,
        item=item_b,
        owner_agency=world.agency_b,
        text="Ask the new school",
    )
    _action(
        meeting, world.chair, due=today, item=item_a, owner_user=world.spoc_a, text="Renew consent"
    )
    _approve(meeting, world.chair)
    services.item_notes_write(
        item=item_a,
        text="Brannagh attends the mentoring weekly.",
        expected_version=item_a.notes.get().version,
        acting_user=world.chair,
    )
    for text in _download(world.panel_a, meeting):
        assert case_a.reference in text and "Oakridge" in text
        assert "Brannagh attends the mentoring weekly." in text and "Renew consent" in text
        assert "Correction" in text or "corrected" in text
        assert "Item 2: restricted" in text
        for hidden in (case_b.reference, "Wrexford", "Tamsin moved school", "Ask the new school"):
            assert hidden not in text
        assert "Item 3: Other business: Terms of reference" in text
    for text in _download(world.chair, meeting):
        assert case_b.reference in text and "Tamsin moved school" in text
        assert "restricted" not in text.replace(
            "Items you may not see are listed as restricted", ""
        )
    accessed = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        actor=world.panel_a,
        content_type=ContentType.objects.get_for_model(ChannelCase),
    )
    assert set(accessed.values_list("object_pk", flat=True)) == {str(case_a.pk)}


def test_the_minutes_go_to_attendees_and_the_chairs_side_only(world, minuted):
    meeting, *_ = minuted
    link = url("meeting_minutes_download", meeting.pk)
    assert client_for(world.coordinator).get(link).status_code == 200
    # spoc_a attended nothing and is not on the panel; a panel member absent from the
    # attendance gets no copy either.
    assert client_for(world.spoc_a).get(link).status_code == 403
    services.attendance_record(
        meeting=meeting,
        entries=[
            services.AttendanceEntry(agency=world.council, status="present", user=world.chair)
        ],
        expected_version=meeting.version,
        acting_user=world.chair,
    )
    assert client_for(world.panel_a).get(link).status_code == 403


def test_erasure_blanks_the_notes_and_actions_about_the_referral(world, minuted):
    """Retention's erasure (channel_panel/retention.py) reaches the minutes' free text as it
    reaches the decisions'; the rows stay, so the minutes keep their shape."""
    from channel_panel.retention import erase

    meeting, item_a, item_b, case_a, _ = minuted
    services.item_notes_write(item=item_a, text="Brannagh's family moved.", acting_user=world.chair)
    services.item_notes_write(item=item_b, text="Kept.", acting_user=world.chair)
    action = _action(
        meeting, world.chair, due=timezone.localdate(), item=item_a, owner_user=world.spoc_a
    )
    counts = erase([case_a.referral_id])
    assert counts["discussion notes blanked"] == 1 and counts["meeting actions blanked"] == 1
    assert item_a.notes.get().text == "" and item_b.notes.get().text == "Kept."
    action.refresh_from_db()
    assert action.description == ""


def test_every_step_of_the_notes_and_action_lifecycles_is_driven_here():
    """The tables' steps, each driven above: write, rewrite and correct by item_notes_write
    (the notes tests), add by meeting_action_add, done and cancel by meeting_action_close."""
    assert set(NOTES.transitions) == {"write", "rewrite", "correct"}
    assert set(MEETING_ACTION.transitions) == {"add", "done", "cancel"}


def test_a_cancelled_action_keeps_its_reason_and_is_not_carried(world, minuted):
    meeting, *_ = minuted
    today = timezone.localdate()
    action = _action(meeting, world.chair, due=today, owner_user=world.chair)
    with pytest.raises(TransitionRefused, match="reason for cancelling"):
        services.meeting_action_close(
            action=action, status="cancelled", expected_version=1, acting_user=world.chair
        )
    services.meeting_action_close(
        action=action,
        status="cancelled",
        reason="Overtaken by the new protocol",
        expected_version=1,
        acting_user=world.chair,
    )
    later = factories.meeting(world.chair, today + timedelta(days=3))
    assert not MeetingAction.objects.carried_to(later).exists()
    page = client_for(world.chair).get(url("meeting_minutes", meeting.pk)).content.decode()
    assert "Cancelled</strong> (Overtaken by the new protocol)" in page
