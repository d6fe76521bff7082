"""The vulnerability assessment (issue 17): the framework as data, drafting by the police
Channel practitioner or the Coordinator before the panel, append-only reviews, what changed
since the last assessment on the case page, the pack, adoption needing a current
assessment, and the managers' counts by dimension."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from channel_panel import services
from channel_panel.assessment_reports import vaf_counts
from channel_panel.assessments import (
    Assessment,
    VafDimension,
    VafFactor,
    factors_in_force,
    get_assessment_for_user,
)
from channel_panel.models import ExitReason
from prevent_portal.accounts.models import Role
from prevent_portal.core.lifecycle import TransitionRefused
from tests import factories
from tests.conftest import sign_in
from tests.dates import date_input


def _factor(code: str) -> VafFactor:
    return VafFactor.objects.get(code=code)


def _form(on: date, *, present: dict[str, str] | None = None, **extra) -> dict:
    """The assessment form as a person fills it: every factor not present, except those in
    ``present`` (code -> evidence)."""
    present = present or {}
    data = {**date_input("assessed_on", on), **extra}
    for factor in factors_in_force(on):
        data[f"rating_{factor.pk}"] = "present" if factor.code in present else "not_present"
        data[f"evidence_{factor.pk}"] = present.get(factor.code, "")
    return data


@pytest.fixture
def police(world):
    """A police Channel practitioner: a panel member of a police-sector core panel agency."""
    agency = factories.AgencyFactory(
        name="Test police", short_code="test-police", sector=factories.sector("police")
    )
    agency.is_core_panel_member = True
    agency.save()
    return factories.member(Role.PANEL_MEMBER, agency, username="police-practitioner")


@pytest.fixture
def new_item(world, police):
    """Agency B's referral, passed to panel without an assessment, on the agenda of a meeting
    in three days (its pack is open: the police practitioner is invited)."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    referral = factories.panel_referral(world.agency_b, assessed=False)
    meeting = factories.meeting(world.chair, timezone.localdate() + timedelta(days=3))
    return services.agenda_item_add(meeting=meeting, referral=referral, acting_user=world.chair)


def test_the_framework_is_seeded_with_three_dimensions_and_22_factors(db):
    dimensions = {d.code: d.factors.count() for d in VafDimension.objects.current()}
    assert dimensions == {"engagement": 13, "intent": 6, "capability": 3}
    assert len(factors_in_force()) == 22
    assert _factor("them-and-us").dimension.name == "Intent to cause harm"


def test_police_practitioner_records_it_before_the_panel_and_the_panel_reads_it_in_the_pack(
    client, world, police, new_item
):
    url = reverse("channel_panel:meeting_item_assessment", args=[new_item.meeting_id, new_item.pk])
    today = timezone.localdate()
    sign_in(client, police)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        _form(
            today,
            present={"grievance-injustice": "Angry about an eviction"},
            summary="Some vulnerability",
            management_plan="Mentoring",
            complete="1",
        ),
    )
    assert response.status_code == 302
    assessment = Assessment.objects.get(referral=new_item.referral)
    assert assessment.status == Assessment.Status.COMPLETED
    assert assessment.author == police

    # A non-police panel member invited to the same meeting reads it but may not draft.
    sign_in(client, world.panel_a)
    assert client.get(url).status_code == 403
    pack = client.get(reverse("channel_panel:pack", args=[new_item.meeting_id])).content.decode()
    assert "Feelings of grievance and injustice (engagement with a group" in pack
    assert "Some vulnerability" in pack
    # A referrer of agency B never sees it (not visible: 404 from the one fetch).
    with pytest.raises(Http404):
        get_assessment_for_user(world.referrer_b, assessment.pk)


def test_a_draft_is_its_authors_only_and_a_completed_assessment_is_never_edited(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    first = case.referral.vaf_assessments.get()
    url = reverse("channel_panel:case_assessment_new", args=[case.pk])
    sign_in(client, world.coordinator)
    response = client.post(url, _form(timezone.localdate(), summary="Draft thoughts"))
    assert response.status_code == 302
    draft = Assessment.objects.get(status=Assessment.Status.DRAFT)
    # The lead agency's SPOC sees the case, and not the draft.
    with pytest.raises(Http404):
        get_assessment_for_user(world.spoc_a, draft.pk)
    # The SPOC's case page shows the completed assessment only.
    sign_in(client, world.spoc_a)
    page = client.get(reverse("channel_panel:case_detail", args=[case.pk])).content.decode()
    assert "A fictional summary conclusion" in page and "Draft thoughts" not in page
    # The SPOC is not the police practitioner: they may not draft (403).
    assert client.get(url).status_code == 403
    # Completed is locked: no service edits it, and a review is a new assessment.
    with pytest.raises(PermissionDenied):
        services.assessment_draft_save(
            referral=case.referral,
            assessment=first,
            expected_version=first.version,
            assessed_on=first.assessed_on,
            ratings={},
            summary="Rewritten",
            management_plan="",
            acting_user=first.author,
        )
    first.refresh_from_db()
    assert first.summary != "Rewritten"
    with pytest.raises(PermissionDenied):
        get_assessment_for_user(world.coordinator, first.pk, perm="change")


def test_completing_needs_a_conclusion_a_plan_and_evidence_and_saves_nothing_otherwise(
    client, world
):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("channel_panel:case_assessment_new", args=[case.pk]),
        _form(timezone.localdate(), present={"desire-for-status": ""}, complete="1"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the summary conclusion" in page
    assert "Give the evidence for each factor present: A desire for status" in page
    assert case.referral.vaf_assessments.count() == 1  # the factory's, and no half-saved draft


def test_case_page_shows_what_changed_since_the_last_assessment_factor_by_factor(client, world):
    referral = factories.panel_referral(
        world.agency_a, assessed=False, received_on=date(2026, 10, 1)
    )
    factories.assessment(
        referral,
        on=date(2026, 10, 10),
        present=["identity-meaning-belonging", "them-and-us"],
        evidence={"them-and-us": "Messages shared by the school"},
    )
    case = services.case_adopt(
        referral=referral,
        lead_agency=world.agency_a,
        case_manager=world.spoc_a,
        adopted_on=date(2026, 10, 15),
        acting_user=world.chair,
    )
    factories.assessment(
        referral,
        on=date(2026, 11, 12),
        present=["them-and-us", "transitional-time"],
        evidence={"them-and-us": "Fewer messages; mentor notes"},
    )
    sign_in(client, world.spoc_a)
    page = client.get(reverse("channel_panel:case_detail", args=[case.pk])).content.decode()
    section = page[page.index('id="assessment"') :]
    assert "Changes from 10 October 2026 to 12 November 2026" in section
    rows = section[section.index("<tbody") : section.index("</tbody>")].split("<tr")[1:]
    by_factor = {row.split("<br>")[0].split(">")[-1].strip(): row for row in rows}
    assert "Newly present" in by_factor["Being at a transitional time of life"]
    assert "No longer present" in by_factor["A need for identity, meaning and belonging"]
    assert "Evidence changed" in by_factor["Them and Us thinking"]
    assert "Fewer messages; mentor notes" in by_factor["Them and Us thinking"]
    assert len(by_factor) == 3
    # The history page lists both, newest first, each in full on its own page.
    history = client.get(reverse("channel_panel:case_assessments", args=[case.pk]))
    assert history.content.decode().index("12 November 2026") < history.content.decode().index(
        "The first assessment"
    )


def test_adoption_needs_a_current_assessment_and_the_decision_page_says_so(client, world, settings):
    today = timezone.localdate()
    referral = factories.panel_referral(
        world.agency_a, assessed=False, received_on=today - timedelta(days=60)
    )

    def adopt():
        return services.case_adopt(
            referral=referral,
            lead_agency=world.agency_a,
            case_manager=world.spoc_a,
            adopted_on=today,
            acting_user=world.chair,
        )

    with pytest.raises(TransitionRefused, match="vulnerability assessment completed no more"):
        adopt()
    factories.assessment(referral, on=today - timedelta(days=40))
    with pytest.raises(TransitionRefused, match="no more than 28 days"):
        adopt()
    settings.CHANNEL_ASSESSMENT_CURRENT_DAYS = 45
    assert adopt().referral_id == referral.pk


def test_the_decision_page_says_what_the_assessment_still_needs(client, world, new_item):
    sign_in(client, world.chair)
    url = reverse("channel_panel:meeting_decision", args=[new_item.meeting_id, new_item.pk])
    needed = "vulnerability assessment completed no more than 28 days"
    assert needed in client.get(url).content.decode()
    factories.assessment(new_item.referral)
    assert "vulnerability assessment completed" not in client.get(url).content.decode()


def test_reading_an_assessment_is_logged_and_every_change_is_audited(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    assessment = case.referral.vaf_assessments.get()
    assert LogEntry.objects.get_for_object(assessment).filter(action=LogEntry.Action.CREATE)
    assert LogEntry.objects.get_for_object(assessment).filter(action=LogEntry.Action.UPDATE)
    sign_in(client, world.spoc_a)
    client.get(reverse("channel_panel:case_assessment_detail", args=[case.pk, assessment.pk]))
    accessed = LogEntry.objects.get_for_object(assessment).filter(action=LogEntry.Action.ACCESS)
    assert accessed.filter(actor=world.spoc_a).exists()
    # The summary is personal data: the audit log keeps none of its words.
    created = LogEntry.objects.get_for_object(assessment).get(action=LogEntry.Action.CREATE)
    assert "fictional summary" not in str(created.changes)


def _adopted(world, *, on: date, present: list[str]):
    referral = factories.panel_referral(world.agency_b, assessed=False, received_on=on)
    factories.assessment(referral, on=on, present=present)
    return services.case_adopt(
        referral=referral,
        lead_agency=world.agency_b,
        case_manager=world.spoc_b,
        adopted_on=on + timedelta(days=5),
        acting_user=world.chair,
    )


def test_cases_by_dimension_at_adoption_and_at_exit_with_suppression(client, world):
    engaged = _adopted(world, on=date(2025, 5, 1), present=["grievance-injustice"])
    _adopted(world, on=date(2025, 5, 2), present=["grievance-injustice", "them-and-us"])
    _adopted(world, on=date(2025, 5, 3), present=[])
    # A review before exit finds capability; the case exits on that assessment.
    factories.assessment(engaged.referral, on=date(2025, 6, 1), present=["criminal-capability"])
    factories.exit_agreed(engaged, world.chair)
    engaged.refresh_from_db()
    services.case_exit(
        case=engaged,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=date(2025, 6, 10),
        expected_version=engaged.version,
        acting_user=world.chair,
    )
    counts = vaf_counts(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31))
    assert counts["adoption"] == {
        "cases": 3,
        "engagement": 2,
        "intent": 1,
        "capability": 0,
        "no-assessment": 0,
    }
    assert counts["exit"] == {
        "cases": 1,
        "engagement": 0,
        "intent": 0,
        "capability": 1,
        "no-assessment": 0,
    }
    hidden = vaf_counts(date_from=date(2025, 4, 1), date_to=date(2026, 3, 31), suppress=2)
    assert hidden["adoption"]["cases"] == 3
    assert hidden["adoption"]["intent"] is None  # 1, below 2
    # 3 cases, 2 engaged: the one without engagement would follow, so 2 is hidden as well.
    assert hidden["adoption"]["engagement"] is None
    # Managers see the table on the report page, small counts hidden.
    sign_in(client, world.manager)
    page = client.get(reverse("channel_panel:report"), {"from": "1/4/2025", "to": "31/3/2026"})
    table = page.content.decode().split('id="vaf-counts"')[1].split("</table>")[0]
    assert "With a factor present: Intent to cause harm" in table
    assert ">3<" not in table and "hidden" in table


def test_the_previous_assessment_shown_beside_one_is_logged_as_read(client, world):
    """Review of issue 17: the page of an assessment prints the one before it (its ratings
    and evidence) but logged only the one asked for."""
    case = factories.channel_case(world.agency_a, world.spoc_a)
    first = case.referral.vaf_assessments.get()
    second = factories.assessment(case.referral, present=["them-and-us"])
    sign_in(client, world.spoc_a)
    client.get(reverse("channel_panel:case_assessment_detail", args=[case.pk, second.pk]))
    read = LogEntry.objects.get_for_object(first).filter(
        action=LogEntry.Action.ACCESS, actor=world.spoc_a
    )
    assert read.exists()


def test_a_draft_is_not_completed_once_its_case_has_closed(world):
    """Review of issue 17: completing checked the author but not that the case was still
    open (saving the draft did), so the service could complete one on a closed case."""
    from channel_panel.models import ChannelCase

    case = factories.channel_case(world.agency_a, world.spoc_a)
    draft = services.assessment_draft_save(
        referral=case.referral,
        assessed_on=timezone.localdate(),
        ratings={},
        summary="A fictional summary",
        management_plan="A fictional plan",
        acting_user=world.coordinator,
    )
    ChannelCase.objects.filter(pk=case.pk).update(status=ChannelCase.Status.CLOSED)
    with pytest.raises(ValueError, match="no longer open"):
        services.assessment_complete(
            assessment=draft, expected_version=draft.version, acting_user=world.coordinator
        )
