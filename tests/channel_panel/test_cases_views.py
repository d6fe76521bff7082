"""The case pages: what each viewer sees, what they may do, and what it costs."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from channel_panel import services
from channel_panel.models import (
    CaseNeedsFlag,
    ChannelCase,
    ExitReason,
    InterventionProvider,
    SupportType,
)
from channel_panel.views.cases import PAGE_SIZE
from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.models import Notification
from referrals.models import ChronologyEntry, NeedsFlag, SignpostingService
from tests import factories
from tests.conftest import sign_in
from tests.dates import date_input


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


def test_a_case_is_read_with_its_exits_relations_only_when_it_has_an_exit(world):
    """An open case has no exit to show: its fetch joins none of the exit's relations (they
    cost PostgreSQL more to plan than the statement took to run). A case with an exit has
    them all in hand, no query each."""
    from channel_panel.models import get_case_for_user

    case = factories.channel_case(world.agency_a, world.spoc_a)
    with CaptureQueriesContext(connection) as opened:
        get_case_for_user(world.coordinator, case.pk)
    assert opened.captured_queries
    assert not [q for q in opened.captured_queries if "channel_panel_exitreason" in q["sql"]]
    factories.exit_agreed(case)
    agreed = get_case_for_user(world.coordinator, case.pk)
    with CaptureQueriesContext(connection) as shown:
        assert agreed.exit_agreed_by.get_full_name() is not None
        assert agreed.exit_reason is None and agreed.exit_decision is None
    assert shown.captured_queries == []


def test_the_case_page_lists_only_the_later_referrals_the_viewer_may_open(client, world):
    """Issue 14, F10: "Re-referred on <date>" for a referral the reader cannot open told them
    that another agency holds a new referral about the person."""
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
    assert "12 November 2026" not in html
    assert html.count("Re-referred on") == 1
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
        url,
        {
            "answer": "given",
            "given_by": "person",
            "given_on": _d(timezone.localdate()),
            "capacity_notes": "",
        },
    )
    assert response.status_code == 200
    assert "consent must come from a parent or guardian" in response.content.decode()
    assert not case.consents.exists()
    response = client.post(
        url,
        {
            "answer": "given",
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


def _exit_answers(case, reason, exited_on=None, **answers):
    # The date as its three boxes: the answers go to the session and back (a change link).
    return {
        "reason": ExitReason.objects.get(code=reason).pk,
        **date_input("exited_on", exited_on or case.adopted_on),
        "notes": "",
        "return_ownership_to": "",
        "returned_case_manager": "",
        "signposted_to": "",
        "version": case.version,
    } | answers


def test_exit_returns_ownership_and_the_reviews_close_the_case(client, world, mailoutbox):
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    teacher = factories.member(
        Role.SPOC, school, username="school-dsl", first_name="Dana", last_name="Teacherly"
    )
    case = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(case, world.chair)
    sign_in(client, world.coordinator)
    exited_on = timezone.localdate() - timedelta(days=400)
    answers = _exit_answers(
        case,
        "ownership-returned",
        exited_on=max(exited_on, case.adopted_on),
        notes="Mental health needs remain",
        return_ownership_to=school.pk,
        returned_case_manager=f"{teacher.pk}-{school.pk}",
    )
    response = client.post(f"/panel/cases/{case.pk}/exit/", answers)
    assert response["Location"] == f"/panel/cases/{case.pk}/exit/check/"
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.OPEN  # nothing happens before the check
    check = client.get(response["Location"]).content.decode()
    assert "Check your answers before exiting this case" in check
    assert "Returned to Fictional Primary School, case manager Dana Teacherly" in check
    assert check.count(">Change<") == 5
    assert client.post(response["Location"]).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.lead_agency) == (ChannelCase.Status.EXITED, school)
    assert case.case_manager == teacher
    # The new case manager is told: the reference and an absolute link, no personal data.
    note = Notification.objects.get(kind="case_ownership_returned")
    assert note.recipient == teacher
    assert case.reference in note.subject
    assert f"{settings.SITE_URL}/panel/cases/{case.pk}/" in note.body
    person = case.referral.person
    for text in (note.subject, note.body):
        assert person.given_name not in text and person.family_name not in text
    for review in case.reviews.order_by("due_on"):
        url = f"/panel/cases/{case.pk}/reviews/{review.pk}/"
        held = _d(timezone.localdate())
        assert client.post(url, {"held_on": held, "notes": "No concerns"}).status_code == 302
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.CLOSED


def test_ownership_returned_needs_an_agency_and_a_case_manager_there(client, world):
    """Issue 13, point 3: an exit "ownership returned" with no agency read "Ownership
    returned to: Not returned"."""
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    case = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(case, world.chair)
    sign_in(client, world.coordinator)
    url = f"/panel/cases/{case.pk}/exit/"
    no_agency = client.post(url, _exit_answers(case, "ownership-returned"))
    assert no_agency.status_code == 200
    assert "&quot;Ownership returned&quot; needs the agency that receives the case" in (
        no_agency.content.decode()
    )
    no_manager = client.post(
        url, _exit_answers(case, "ownership-returned", return_ownership_to=school.pk)
    )
    assert "Choose the case manager in the agency that receives it" in (no_manager.content.decode())
    elsewhere = client.post(
        url,
        _exit_answers(
            case,
            "ownership-returned",
            return_ownership_to=school.pk,
            returned_case_manager=f"{world.spoc_b.pk}-{world.agency_b.pk}",
        ),
    )
    assert "must be an active member of the receiving agency" in elsewhere.content.decode()
    with pytest.raises(ValueError, match="needs the agency that receives the case"):
        services.case_exit(
            case=case,
            reason=ExitReason.objects.get(code="ownership-returned"),
            exited_on=case.adopted_on,
            expected_version=case.version,
            acting_user=world.coordinator,
        )
    case.refresh_from_db()
    assert (case.status, case.ownership_returned_to) == (ChannelCase.Status.OPEN, None)
    assert not client.session.get(f"channel_panel:case_exit:{case.pk}")


def test_an_exit_needs_a_panel_decision_or_the_chairs_agreement(client, world):
    """Issue 13, point 3: a SPOC could record an exit with no panel decision."""
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.spoc_a)
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Before this case can exit Channel:" in page
    assert "needs the panel&#x27;s exit decision at a held meeting" in page
    assert "Record the chair's agreement to exit" not in page  # a SPOC is not the chair
    response = client.post(f"/panel/cases/{case.pk}/exit/", _exit_answers(case, "risk-reduced"))
    assert response.status_code == 200
    assert "needs the panel&#x27;s exit decision at a held meeting" in response.content.decode()
    with pytest.raises(ValueError, match="exit decision at a held meeting"):
        services.case_exit(
            case=case,
            reason=ExitReason.objects.get(code="risk-reduced"),
            exited_on=case.adopted_on,
            expected_version=case.version,
            acting_user=world.spoc_a,
        )
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.OPEN


def test_only_a_chair_records_the_agreement_and_then_the_exit_is_open(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    url = f"/panel/cases/{case.pk}/exit/agreement/"
    sign_in(client, world.spoc_a)
    assert client.get(url).status_code == 403
    assert client.post(url, {"agreed_on": _d(case.adopted_on), "reason": "x"}).status_code == 403
    with pytest.raises(ValueError, match="Only a Channel Panel chair"):
        services.case_exit_agree(
            case=case, agreed_on=case.adopted_on, reason="x", acting_user=world.spoc_a
        )
    # The chair sees the case as any reader does (here a share; or the panel pack).
    object_share(obj=case, to_user=world.chair, reason="Exit agreement", acting_user=None)
    client.logout()
    sign_in(client, world.chair)
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Record the chair's agreement to exit" in page
    response = client.post(
        url, {"agreed_on": _d(case.adopted_on), "reason": "Agreed by e-mail with partners"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.exit_agreed_by, case.exit_agreed_on) == (world.chair, case.adopted_on)
    client.logout()
    sign_in(client, world.spoc_a)
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Before this case can exit Channel:" not in page
    assert "Agreed by e-mail with partners" in page
    response = client.post(f"/panel/cases/{case.pk}/exit/", _exit_answers(case, "risk-reduced"))
    assert client.post(response["Location"]).status_code == 302
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Ownership returned to" not in page  # shown only when it was returned


def test_the_check_page_change_link_brings_the_answers_back(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(case, world.chair)
    sign_in(client, world.spoc_a)
    exit_url = f"/panel/cases/{case.pk}/exit/"
    client.post(exit_url, _exit_answers(case, "risk-reduced", notes="Engaged well"))
    again = client.get(exit_url).content.decode()
    assert "Engaged well" in again
    assert client.get(f"/panel/cases/{case.pk}/exit/check/").status_code == 200
    # Without answers, the check page says so, and confirming sends the user to the form.
    other = factories.channel_case(world.agency_a, world.spoc_a)
    empty = client.get(f"/panel/cases/{other.pk}/exit/check/").content.decode()
    assert "You have not answered the questions about this exit yet" in empty
    response = client.post(f"/panel/cases/{other.pk}/exit/check/")
    assert response["Location"] == f"/panel/cases/{other.pk}/exit/"
    other.refresh_from_db()
    assert other.status == ChannelCase.Status.OPEN


def test_a_refused_case_exits_with_its_reason_and_signposting_through_the_pages(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    sign_in(client, world.spoc_a)
    response = client.post(
        f"/panel/cases/{case.pk}/consent/",
        {"answer": "refused", "given_by": "person", "given_on": _d(case.adopted_on)},
    )
    assert response.status_code == 302
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "Refused" in page
    assert "Channel is voluntary, so no support can be added" in page
    assert "Add a support action" not in page
    factories.exit_agreed(case, world.chair)
    exit_url = f"/panel/cases/{case.pk}/exit/"
    wrong = client.post(exit_url, _exit_answers(case, "risk-reduced"))
    assert "the reason for exit must be &quot;consent refused&quot;" in wrong.content.decode()
    service = SignpostingService.objects.first()
    response = client.post(
        exit_url, _exit_answers(case, "consent-refused", signposted_to=service.pk)
    )
    check = client.get(response["Location"]).content.decode()
    assert escape(service.name) in check
    assert client.post(response["Location"]).status_code == 302
    case.refresh_from_db()
    assert (case.exit_reason.code, case.exit_signposted_to) == ("consent-refused", service)


def test_the_referrals_needs_flags_reach_the_case_at_adoption(client, world):
    """Issue 13, point 8: the referral's autism flag did not reach the Channel case."""
    autism = NeedsFlag.objects.get(code=NeedsFlag.AUTISM)
    referral = factories.panel_referral(
        world.agency_b, assessed=True, received_on=date(2026, 10, 1)
    )
    referral.needs_flags.add(autism)
    case = services.case_adopt(
        referral=referral,
        lead_agency=world.agency_a,
        case_manager=world.spoc_a,
        adopted_on=date(2026, 10, 20),
        acting_user=world.chair,
    )
    held = case.needs_flags.get()
    assert (held.flag, held.source_agency, held.recorded_on) == (
        autism,
        world.agency_b,
        date(2026, 10, 1),
    )
    assert held.removed_on is None and held.recorded_by == world.chair
    entry = case.referral.chronology.filter(kind=ChronologyEntry.Kind.NEEDS_FLAGS).get()
    assert "Flags carried from the referral: Autism" in entry.text
    # Editable after adoption, with history: removed, it stays listed as no longer applying.
    services.needs_flag_remove(held=held, removed_on=date(2026, 11, 1), acting_user=world.spoc_a)
    sign_in(client, world.spoc_a)
    page = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert "No current flags." in page
    assert "Flags that no longer apply (1)" in page
    assert "1 Oct 2026 to 1 Nov 2026" in page


def test_a_post_exit_review_is_refused_on_a_case_that_has_not_exited(client, world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    review = case.reviews.create(months_after_exit=6, due_on=case.adopted_on)
    sign_in(client, world.spoc_a)
    response = client.post(
        f"/panel/cases/{case.pk}/reviews/{review.pk}/",
        {"held_on": _d(timezone.localdate())},
    )
    assert response.status_code == 200
    assert "record a post-exit review needs it to be exited" in response.content.decode()
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


def test_the_case_lifecycle_table_in_the_architecture_document_is_the_codes():
    """docs/architecture.md prints the case table; it must say what the code enforces."""
    from pathlib import Path

    from channel_panel.lifecycle import CASE_LIFECYCLE

    doc = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    start = doc.index("<!-- lifecycle:channel_panel.case -->") + len(
        "<!-- lifecycle:channel_panel.case -->"
    )
    end = doc.index("<!-- /lifecycle:channel_panel.case -->")
    assert doc[start:end].strip() == CASE_LIFECYCLE.as_markdown()
