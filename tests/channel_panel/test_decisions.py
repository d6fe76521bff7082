"""The panel's decisions on the web: what each decision does, editing before the minutes
are approved, corrections after, and two people at the same decision."""

import pytest
from django.db import connection

from channel_panel import services
from channel_panel.models import ChannelCase, Decision, ExitReason, PanelMeeting, PostExitReview
from prevent_portal.accounts.models import Role
from referrals.models import ChronologyEntry, Referral, SignpostingService
from tests import factories
from tests.channel_panel.test_meetings import agenda, client_for, panel, person, url  # noqa: F401
from tests.concurrency import while_uncommitted


def decision_url(meeting, item):
    return url("meeting_decision", meeting.pk, item.pk)


@pytest.fixture
def items(panel, agenda):  # noqa: F811
    new, case, _ = agenda
    return panel.items.get(referral=new), panel.items.get(case=case)


def test_adopting_a_new_referral_creates_the_case(world, panel, items):  # noqa: F811
    new_item, _ = items
    factories.held(panel)
    client = client_for(world.chair)
    page = client.get(decision_url(panel, new_item)).content.decode()
    # Only the decisions that make sense for a new referral are offered.
    assert "Adopt as a Channel case" in page and "Exit Channel" not in page
    assert f"{world.spoc_b.get_full_name()} (Agency B)" in page  # case manager choices
    response = client.post(
        decision_url(panel, new_item),
        {
            "outcome": "adopt",
            "rationale": "Vulnerable and willing to engage",
            "lead_agency": world.agency_b.pk,
            "case_manager": f"{world.spoc_b.pk}-{world.agency_b.pk}",
        },
    )
    assert response.status_code == 302
    case = ChannelCase.objects.get(referral=new_item.referral)
    assert case.lead_agency == world.agency_b and case.case_manager == world.spoc_b
    assert case.adopted_at_meeting == panel
    decision = new_item.decisions.get()
    assert decision.outcome == Decision.Outcome.ADOPT
    assert decision.recorded_by == world.chair


def test_adoption_needs_a_lead_agency_and_a_case_manager_who_works_there(world, panel, items):  # noqa: F811
    new_item, _ = items
    factories.held(panel)
    client = client_for(world.chair)
    response = client.post(decision_url(panel, new_item), {"outcome": "adopt", "rationale": "x"})
    html = response.content.decode()
    assert "Choose the lead agency of the case" in html
    assert "Choose the case manager" in html
    response = client.post(
        decision_url(panel, new_item),
        {
            "outcome": "adopt",
            "rationale": "Vulnerable and willing to engage",
            "lead_agency": world.agency_b.pk,
            "case_manager": f"{world.spoc_a.pk}-{world.agency_a.pk}",
        },
    )
    html = response.content.decode()
    assert "The case manager must work for the lead agency" in html
    assert "Vulnerable and willing to engage</textarea>" in html
    assert not ChannelCase.objects.filter(referral=new_item.referral).exists()
    assert not new_item.decisions.exists()


def test_not_adopting_closes_the_referral_with_its_signposting(world, panel, items):  # noqa: F811
    new_item, _ = items
    service = SignpostingService.objects.current().first()
    response = client_for(world.chair).post(
        decision_url(panel, new_item),
        {
            "outcome": "not_adopt",
            "rationale": "No ideological element",
            "signposted_to": service.pk,
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get(pk=new_item.referral_id)
    assert referral.status == Referral.Status.CLOSED
    assert not ChannelCase.objects.filter(referral=referral).exists()
    assert new_item.decisions.get().signposted_to == service


def test_exit_returns_ownership_and_schedules_the_post_exit_reviews(world, panel, items):  # noqa: F811
    _, review_item = items
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    teacher = factories.member(Role.SPOC, school)
    reason = ExitReason.objects.get(code="ownership-returned")
    # An exit decision counts once the meeting is held (the case lifecycle).
    panel.refresh_from_db()
    services.meeting_mark_held(
        meeting=panel,
        expected_version=panel.version,
        confirm_inquorate=True,
        inquorate_reason="Attendance is not what this test is about",
        acting_user=world.chair,
    )
    response = client_for(world.chair).post(
        decision_url(panel, review_item),
        {
            "outcome": "exit",
            "rationale": "Risk now low; safeguarding concerns remain",
            "exit_reason": reason.pk,
            "return_ownership_to": school.pk,
            "exit_case_manager": f"{teacher.pk}-{school.pk}",
        },
    )
    assert response.status_code == 302
    case = ChannelCase.objects.get(pk=review_item.case_id)
    assert case.status == ChannelCase.Status.EXITED
    assert case.lead_agency == school and case.ownership_returned_to == school
    assert case.case_manager == teacher
    due = sorted(
        PostExitReview.objects.filter(case=case).values_list("months_after_exit", flat=True)
    )
    assert due == [6, 12]
    assert case.referral.chronology.filter(kind=ChronologyEntry.Kind.OWNERSHIP).exists()


def test_other_business_takes_no_decision(world, panel, agenda):  # noqa: F811
    other = panel.items.get(kind="other")
    assert client_for(world.chair).get(decision_url(panel, other)).status_code == 404


def test_panel_members_cannot_record_decisions(world, panel, items):  # noqa: F811
    response = client_for(world.panel_a).post(
        decision_url(panel, items[0]), {"outcome": "review", "rationale": "Next month"}
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def _continue(world, item, rationale="Engaging well with the mentor"):
    return services.decision_record(
        item=item, outcome="continue", rationale=rationale, acting_user=world.chair
    )


def test_two_people_editing_the_same_decision_the_second_gets_a_conflict_and_their_input(
    world,
    panel,  # noqa: F811
    items,
):
    _, review_item = items
    decision = _continue(world, review_item)
    chair, coordinator = client_for(world.chair), client_for(world.coordinator)
    # Both open the form at version 1.
    assert (
        'name="version" value="1"' in chair.get(decision_url(panel, review_item)).content.decode()
    )
    chair.post(
        decision_url(panel, review_item),
        {"rationale": "Engaging well; mentor sessions weekly", "version": 1},
    )
    response = coordinator.post(
        decision_url(panel, review_item),
        {"rationale": "Engaging, but missed two sessions", "version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Someone else changed this record" in html
    assert "Engaging, but missed two sessions</textarea>" in html  # their input back
    assert "Engaging well; mentor sessions weekly" in html  # and what is saved now
    decision.refresh_from_db()
    assert decision.rationale == "Engaging well; mentor sessions weekly"
    assert decision.version == 2


def approve_minutes(world, meeting) -> None:
    """Through the services: the chair present, the meeting held, its minutes approved."""
    meeting.refresh_from_db()
    services.attendance_record(
        meeting=meeting,
        entries=[
            services.AttendanceEntry(agency=world.council, status="present", user=world.chair)
        ],
        expected_version=meeting.version,
        acting_user=world.chair,
    )
    meeting.refresh_from_db()
    services.meeting_mark_held(
        meeting=meeting,
        expected_version=meeting.version,
        acting_user=world.chair,
        confirm_inquorate=True,
        inquorate_reason="Only the chair could come",
    )
    meeting.refresh_from_db()
    services.minutes_approve(
        meeting=meeting, expected_version=meeting.version, acting_user=world.chair
    )
    meeting.refresh_from_db()


def _approve(world, meeting, items):
    for item in items:
        if not item.decisions.exists():
            services.decision_record(
                item=item, outcome="review", rationale="Discuss again", acting_user=world.chair
            )
    approve_minutes(world, meeting)


def test_the_chair_approves_the_minutes_from_the_meeting_page(world, panel, items):  # noqa: F811
    for item in items:
        services.decision_record(
            item=item, outcome="review", rationale="Discuss again", acting_user=world.chair
        )
    client = client_for(world.chair)
    panel.refresh_from_db()
    client.post(
        url("meeting_attendance", panel.pk),
        {
            "version": panel.version,
            **{f"invitee_{i.pk}": "present" for i in panel.invitees.all()},
        },
    )
    panel.refresh_from_db()
    client.post(url("meeting_mark_held", panel.pk), {"version": panel.version})
    panel.refresh_from_db()
    assert "Approve the minutes" in client.get(url("meeting_detail", panel.pk)).content.decode()
    response = client.post(url("meeting_minutes_approve", panel.pk), {"version": panel.version})
    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.status == PanelMeeting.Status.MINUTES_APPROVED
    assert panel.minutes_approved_by == world.chair


def test_approved_minutes_lock_the_decisions(world, panel, items):  # noqa: F811
    _, review_item = items
    decision = _continue(world, review_item)
    _approve(world, panel, items)
    client = client_for(world.chair)
    # The edit page sends the chair to the correction page instead.
    response = client.get(decision_url(panel, review_item))
    assert response.status_code == 302
    assert response["Location"] == url("meeting_decision_correct", panel.pk, decision.pk)
    response = client.post(
        decision_url(panel, review_item), {"rationale": "Rewritten", "version": decision.version}
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.rationale == "Engaging well with the mentor"
    with pytest.raises(ValueError, match="minutes are approved"):
        services.decision_update(
            decision=decision,
            rationale="Rewritten",
            expected_version=decision.version,
            acting_user=world.chair,
        )


def test_a_correction_is_a_new_entry_shown_beside_the_original_in_the_minutes(
    world,
    panel,  # noqa: F811
    items,
):
    _, review_item = items
    original = _continue(world, review_item)
    _approve(world, panel, items)
    client = client_for(world.chair)
    response = client.post(
        url("meeting_decision_correct", panel.pk, original.pk),
        {"outcome": "review", "rationale": "Minuted wrongly: the panel asked for a review"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("meeting_minutes", panel.pk)
    original.refresh_from_db()
    assert original.rationale == "Engaging well with the mentor"  # untouched
    correction = Decision.objects.current().get(item=review_item)
    assert correction.corrects == original
    html = client.get(url("meeting_minutes", panel.pk)).content.decode()
    assert "Minuted wrongly: the panel asked for a review" in html
    assert "Earlier entries, corrected" in html
    assert "Engaging well with the mentor" in html
    # The agenda shows the decision in force, marked as corrected.
    agenda_html = client.get(url("meeting_detail", panel.pk)).content.decode()
    assert "Corrected" in agenda_html


def test_two_people_correcting_the_same_decision_the_second_keeps_their_input(
    world,
    panel,  # noqa: F811
    items,
):
    _, review_item = items
    original = _continue(world, review_item)
    _approve(world, panel, items)
    correct = url("meeting_decision_correct", panel.pk, original.pk)
    client_for(world.chair).post(correct, {"outcome": "review", "rationale": "First fix"})
    response = client_for(world.coordinator).post(
        correct, {"outcome": "continue", "rationale": "Second fix"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "This decision has already been corrected: correct the latest entry" in html
    assert "Second fix</textarea>" in html
    assert Decision.objects.filter(item=review_item).count() == 2


def test_a_correction_before_approval_is_the_edit_page(world, panel, items):  # noqa: F811
    _, review_item = items
    decision = _continue(world, review_item)
    response = client_for(world.chair).get(url("meeting_decision_correct", panel.pk, decision.pk))
    assert response.status_code == 302
    assert response["Location"] == decision_url(panel, review_item)


def test_a_chair_who_cannot_see_the_item_cannot_open_its_decision(world, items):  # noqa: F811
    # A second chair, not chairing this meeting, sees no case on it: the decision page is
    # not found (it used to show the item, and the saved rationale, to any chair).
    other_chair = factories.member(Role.PANEL_CHAIR, world.council, username="chair-2")
    new_item, _ = items
    response = client_for(other_chair).get(decision_url(new_item.meeting, new_item))
    assert response.status_code == 404
    html = response.content.decode()
    assert "Orla" not in html and new_item.referral.reference not in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_chairs_recording_a_decision_at_once_the_second_is_told_not_crashed():
    from tests.conftest import build_world

    world = build_world()
    meeting = factories.meeting(world.chair)
    case = factories.channel_case(world.agency_b, world.spoc_b)
    item = services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    met = while_uncommitted(
        lambda: _continue(world, item, "First chair"),
        lambda: _continue(world, item, "Second chair"),
    )
    outcome = [type(met).__name__ if met else "saved"]
    assert outcome == ["ValueError"]
    assert Decision.objects.get(item=item).rationale == "First chair"
