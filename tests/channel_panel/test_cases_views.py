"""The case pages: what each viewer sees, what they may do, and what it costs."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channel_panel import services
from channel_panel.models import (
    CaseNeedsFlag,
    ChannelCase,
    ExitReason,
    InterventionProvider,
    SupportType,
)
from channel_panel.views.cases import PAGE_SIZE
from referrals.models import ChronologyEntry, NeedsFlag
from tests import factories
from tests.conftest import sign_in


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _d(day: date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def provider():
    return InterventionProvider.objects.create(code="fictional-mentors", name="Fictional Mentors")


def grow(case, user, provider, n: int) -> None:
    """n more support actions (with contacts), flags and notes on the case."""
    today = timezone.localdate()
    flags = list(
        NeedsFlag.objects.exclude(
            pk__in=case.needs_flags.filter(removed_on__isnull=True).values("flag_id")
        )[:n]
    )
    for i in range(n):
        action = services.support_action_add(
            case=case,
            support_type=SupportType.objects.order_by("pk")[i % 5],
            description=f"Action {i}",
            owner_provider=provider if i % 2 else None,
            owner_agency=None if i % 2 else case.lead_agency,
            next_contact_due=today - timedelta(days=1),
            acting_user=user,
        )
        services.support_contact_record(
            action=action,
            contact_on=today,
            notes=f"Contact {i}",
            next_contact_due=today + timedelta(days=i + 1),
            acting_user=user,
        )
        services.case_note_add(case=case, text=f"Note {i}", acting_user=user)
        if i < len(flags):
            services.needs_flag_add(
                case=case,
                flag=flags[i],
                source_agency=case.lead_agency,
                recorded_on=today,
                acting_user=user,
            )


# --- The list ---------------------------------------------------------------------------------
def test_the_list_shows_only_cases_the_user_can_see(client, world):
    own = factories.channel_case(world.agency_a, world.spoc_a)
    other = factories.channel_case(world.agency_b, world.spoc_b)
    sign_in(client, world.spoc_a)
    html = client.get("/panel/cases/").content.decode()
    assert own.reference in html
    assert other.reference not in html


def test_a_referrer_has_no_case_list(client, world):
    sign_in(client, world.referrer_a)
    assert client.get("/panel/cases/").status_code == 403


def test_the_list_flags_overdue_contacts_and_puts_them_first(client, world, provider):
    today = timezone.localdate()
    later = factories.channel_case(world.agency_a, world.spoc_a)
    overdue = factories.channel_case(world.agency_a, world.spoc_a)
    for case, due in [(later, today + timedelta(days=5)), (overdue, today - timedelta(days=2))]:
        services.support_action_add(
            case=case,
            support_type=SupportType.objects.first(),
            description="Mentoring",
            owner_provider=provider,
            next_contact_due=due,
            acting_user=world.spoc_a,
        )
    sign_in(client, world.spoc_a)
    html = client.get("/panel/cases/").content.decode()
    assert html.index(overdue.reference) < html.index(later.reference)
    assert html.count(">Overdue<") == 1


def test_the_list_filters_by_status_and_keeps_the_filter_across_pages(client, world):
    exited = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(exited, world.chair)
    services.case_exit(
        case=exited,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=exited.adopted_on,
        expected_version=exited.version,
        acting_user=world.spoc_a,
    )
    open_case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.spoc_a)
    default = client.get("/panel/cases/").content.decode()
    assert open_case.reference in default and exited.reference not in default
    only_exited = client.get("/panel/cases/?status=exited").content.decode()
    assert exited.reference in only_exited and open_case.reference not in only_exited
    for _ in range(PAGE_SIZE):
        factories.channel_case(world.agency_a, world.spoc_a)
    page_one = client.get("/panel/cases/?status=all").content.decode()
    assert "status=all&amp;page=2" in page_one


def test_the_list_logs_each_case_shown(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.spoc_a)
    client.get("/panel/cases/")
    entry = LogEntry.objects.get_for_object(case).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == world.spoc_a
    assert entry.additional_data == {"view": "channel_panel:case_list"}


def test_the_list_costs_the_same_queries_for_2_or_22_cases(client, world, provider):
    for _ in range(2):
        grow(factories.channel_case(world.agency_a, world.spoc_a), world.spoc_a, provider, 2)
    sign_in(client, world.spoc_a)
    client.get("/")
    small = queries_for(client, "/panel/cases/")
    for _ in range(20):
        grow(factories.channel_case(world.agency_a, world.spoc_a), world.spoc_a, provider, 1)
        factories.channel_case(world.agency_b, world.spoc_b)
    assert queries_for(client, "/panel/cases/") == small


# --- The case page ----------------------------------------------------------------------------
def test_the_case_page_shows_the_person_warnings_flags_and_plan(client, world, provider):
    person = factories.PersonFactory(
        given_name="Zephyrine", family_name="Testcase", date_of_birth=date(2010, 3, 10)
    )
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    grow(case, world.spoc_a, provider, 1)
    sign_in(client, world.spoc_a)
    html = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Zephyrine Testcase" in html
    assert "Under 18 and no parental consent recorded" in html
    assert "govuk-warning-text" in html
    assert NeedsFlag.objects.first().name in html
    assert "Action 0" in html
    assert "Record exit from Channel" in html


def test_viewing_a_case_writes_access_entries_for_case_referral_and_person(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.panel_a)
    client.get(f"/panel/cases/{case.pk}/")
    for record in (case, case.referral, case.referral.person):
        entry = LogEntry.objects.get_for_object(record).get(action=LogEntry.Action.ACCESS)
        assert entry.actor == world.panel_a
        assert entry.additional_data == {"view": "channel_panel:case"}


def test_the_chronology_filters_by_kind(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    services.case_note_add(case=case, text="A note only seen unfiltered", acting_user=world.spoc_a)
    services.consent_record(
        case=case, given_by="person", given_on=case.adopted_on, acting_user=world.spoc_a
    )
    sign_in(client, world.spoc_a)
    html = client.get(f"/panel/cases/{case.pk}/?kind=consent").content.decode()
    assert "Consent given by the person" in html
    assert "A note only seen unfiltered" not in html
    everything = client.get(f"/panel/cases/{case.pk}/?kind=nonsense").content.decode()
    assert "A note only seen unfiltered" in everything


def test_the_case_page_costs_the_same_queries_as_the_case_grows(client, world, provider):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    grow(case, world.spoc_a, provider, 1)
    sign_in(client, world.spoc_a)
    client.get("/")
    small = queries_for(client, f"/panel/cases/{case.pk}/")
    grow(case, world.spoc_a, provider, 6)
    for _ in range(3):
        factories.referral(world.agency_a, person=case.referral.person)
    assert queries_for(client, f"/panel/cases/{case.pk}/") == small


def test_the_case_page_lists_later_referrals_linking_only_those_the_viewer_sees(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    seen = factories.referral(
        world.agency_a, person=case.referral.person, received_on=date(2026, 11, 10)
    )
    unseen = factories.referral(
        world.agency_b, person=case.referral.person, received_on=date(2026, 11, 12)
    )
    sign_in(client, world.spoc_a)
    html = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Re-referred on 10 November 2026" in html
    assert f'href="/referrals/{seen.pk}/"' in html
    assert "Re-referred on 12 November 2026" in html
    assert f"/referrals/{unseen.pk}/" not in html
    assert unseen.reference not in html


def test_another_agencys_case_is_not_found(client, world):
    case = factories.channel_case(world.agency_b, world.spoc_b)
    sign_in(client, world.spoc_a)
    assert client.get(f"/panel/cases/{case.pk}/").status_code == 404


# --- Acting on a case ---------------------------------------------------------------------------
@pytest.fixture
def pack_case(world):
    """Agency B's case on the agenda of a meeting in two days: panel member A sees it."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting = factories.meeting(world.chair, timezone.localdate() + timedelta(days=2))
    case = factories.channel_case(world.agency_b, world.spoc_b)
    services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    return case


def test_a_panel_member_in_the_pack_window_may_note_but_not_change(client, world, pack_case):
    sign_in(client, world.panel_a)
    page = client.get(f"/panel/cases/{pack_case.pk}/").content.decode()
    assert "Add a note" in page
    assert "Record consent" not in page
    assert client.get(f"/panel/cases/{pack_case.pk}/consent/").status_code == 403
    response = client.post(
        f"/panel/cases/{pack_case.pk}/notes/", {"text": "Read before the meeting"}
    )
    assert response.status_code == 302
    entry = pack_case.referral.chronology.get(kind=ChronologyEntry.Kind.CASE_NOTE)
    assert (entry.text, entry.author) == ("Read before the meeting", world.panel_a)


def test_consent_page_refuses_a_16_year_old_consenting_for_themselves(client, world):
    person = factories.PersonFactory(date_of_birth=date(2010, 3, 10))
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    sign_in(client, world.spoc_a)
    url = f"/panel/cases/{case.pk}/consent/"
    response = client.post(
        url, {"given_by": "person", "given_on": _d(timezone.localdate()), "capacity_notes": ""}
    )
    assert response.status_code == 200
    assert "consent must come from a parent or guardian" in response.content.decode()
    assert not case.consents.exists()
    response = client.post(
        url,
        {
            "given_by": "parent",
            "giver_name": "Robin Testparent",
            "given_on": _d(timezone.localdate()),
        },
    )
    assert response.status_code == 302
    assert case.consents.get().giver_name == "Robin Testparent"


def test_flags_are_kept_current_removed_with_a_date_never_deleted(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    flag = NeedsFlag.objects.get(code=NeedsFlag.AUTISM)
    sign_in(client, world.spoc_a)
    today = _d(timezone.localdate())
    form = {"flag": flag.pk, "source_agency": world.agency_b.pk, "recorded_on": today}
    assert client.post(f"/panel/cases/{case.pk}/needs-flags/", form).status_code == 302
    again = client.post(f"/panel/cases/{case.pk}/needs-flags/", form)
    assert again.status_code == 200  # no longer offered while current
    held = CaseNeedsFlag.objects.get(case=case)
    assert held.source_agency == world.agency_b
    url = f"/panel/cases/{case.pk}/needs-flags/{held.pk}/remove/"
    assert client.post(url, {"removed_on": today}).status_code == 302
    held.refresh_from_db()
    assert held.removed_on == timezone.localdate()
    assert client.post(f"/panel/cases/{case.pk}/needs-flags/", form).status_code == 302
    assert CaseNeedsFlag.objects.filter(case=case).count() == 2
    assert case.referral.chronology.filter(kind=ChronologyEntry.Kind.NEEDS_FLAGS).count() == 3


def test_exit_returns_ownership_and_the_reviews_close_the_case(client, world):
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.coordinator)
    exited_on = timezone.localdate() - timedelta(days=400)
    response = client.post(
        f"/panel/cases/{case.pk}/exit/",
        {
            "reason": ExitReason.objects.get(code="ownership-returned").pk,
            "exited_on": _d(max(exited_on, case.adopted_on)),
            "notes": "Mental health needs remain",
            "return_ownership_to": school.pk,
            "version": case.version,
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.lead_agency) == (ChannelCase.Status.EXITED, school)
    for review in case.reviews.order_by("due_on"):
        url = f"/panel/cases/{case.pk}/reviews/{review.pk}/"
        held = _d(timezone.localdate())
        assert client.post(url, {"held_on": held, "notes": "No concerns"}).status_code == 302
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.CLOSED


def test_a_post_exit_review_is_refused_on_a_case_that_has_not_exited(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    review = case.reviews.create(months_after_exit=6, due_on=case.adopted_on)
    sign_in(client, world.spoc_a)
    response = client.post(
        f"/panel/cases/{case.pk}/reviews/{review.pk}/",
        {"held_on": _d(timezone.localdate())},
    )
    assert response.status_code == 200
    assert "once the case has exited" in response.content.decode()
    review.refresh_from_db()
    assert review.held_on is None


def test_a_sub_record_of_another_case_is_not_found(client, world, provider):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    elsewhere = factories.channel_case(world.agency_b, world.spoc_b)
    action = services.support_action_add(
        case=elsewhere,
        support_type=SupportType.objects.first(),
        description="Elsewhere",
        owner_provider=provider,
        acting_user=world.spoc_b,
    )
    sign_in(client, world.spoc_a)
    assert client.get(f"/panel/cases/{case.pk}/support-plan/{action.pk}/").status_code == 404
