"""Channel cases in Chromium: consent from a parent for a 16-year-old, a support action
that goes overdue and a contact that clears it, a conflict between two editors, and an
exit with ownership returned. axe runs on every page.

The ``*_kwargs`` helpers give tests/browser/test_pages.py the records its page walk opens
(the same ones on every call)."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel import services
from channel_panel.models import ChannelCase, ExitReason, InterventionProvider, SupportType
from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import Role
from referrals.models import NeedsFlag, SignpostingService
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu

pytestmark = pytest.mark.browser

OPEN_CASE = "Fictional concern: page walk, open case"
EXITED_CASE = "Fictional concern: page walk, exited case"


def _provider() -> InterventionProvider:
    provider, _ = InterventionProvider.objects.get_or_create(
        code="fictional-mentors", defaults={"name": "Fictional Mentors"}
    )
    return provider


def _walk_case(world, concern: str) -> ChannelCase:
    """Agency A's case (managed by its SPOC) with consent, a flag and a support action."""
    case = ChannelCase.objects.filter(referral__concern_summary=concern).first()
    if case is not None:
        return case
    case = factories.channel_case(world.agency_a, world.spoc_a, concern_summary=concern)
    services.consent_record(
        case=case, given_by="person", given_on=case.adopted_on, acting_user=world.spoc_a
    )
    services.needs_flag_add(
        case=case,
        flag=NeedsFlag.objects.get(code=NeedsFlag.MENTAL_HEALTH_CONCERN),
        source_agency=world.agency_a,
        recorded_on=case.adopted_on,
        acting_user=world.spoc_a,
    )
    services.support_action_add(
        case=case,
        support_type=SupportType.objects.get(code="ideological-mentoring"),
        description="Weekly mentoring sessions",
        owner_provider=_provider(),
        next_contact_due=case.adopted_on + timedelta(days=7),
        acting_user=world.spoc_a,
    )
    return case


def _exited_case(world) -> ChannelCase:
    case = ChannelCase.objects.filter(referral__concern_summary=EXITED_CASE).first()
    if case is None:
        case = _walk_case(world, EXITED_CASE)
        factories.exit_agreed(case, world.chair)
        case = services.case_exit(
            case=case,
            reason=ExitReason.objects.get(code="risk-reduced"),
            exited_on=case.adopted_on + timedelta(days=10),
            expected_version=case.version,
            acting_user=world.spoc_a,
        )
    return case


def case_kwargs(scene) -> dict:
    return {"pk": _walk_case(scene.world, OPEN_CASE).pk}


def chair_case_kwargs(scene) -> dict:
    """The open case, shared with the chair (who sees cases through a share or the pack)."""
    case = _walk_case(scene.world, OPEN_CASE)
    if not case.user_grants.filter(user=scene.world.chair).exists():
        object_share(obj=case, to_user=scene.world.chair, reason="Exit agreement", acting_user=None)
    return {"pk": case.pk}


def consent_kwargs(scene) -> dict:
    case = _walk_case(scene.world, OPEN_CASE)
    return {"pk": case.pk, "consent_pk": case.consents.first().pk}


def flag_kwargs(scene) -> dict:
    case = _walk_case(scene.world, OPEN_CASE)
    return {"pk": case.pk, "flag_pk": case.needs_flags.first().pk}


def action_kwargs(scene) -> dict:
    case = _walk_case(scene.world, OPEN_CASE)
    return {"pk": case.pk, "action_pk": case.actions.first().pk}


def review_kwargs(scene) -> dict:
    case = _exited_case(scene.world)
    return {"pk": case.pk, "review_pk": case.reviews.order_by("due_on").first().pk}


# url name -> (persona, heading, kwargs) for the page walk of tests/browser/test_pages.py.
CASE_PAGES = {
    "channel_panel:case_list": ("coordinator", "Channel cases", lambda scene: {}),
    "channel_panel:case_detail": ("spoc_a", "CC-2026-", case_kwargs),
    "channel_panel:case_consent_record": ("spoc_a", "Record consent", case_kwargs),
    "channel_panel:case_consent_withdraw": (
        "spoc_a",
        "Record withdrawal of consent",
        consent_kwargs,
    ),
    "channel_panel:case_flag_add": ("spoc_a", "Add a needs flag", case_kwargs),
    "channel_panel:case_flag_remove": ("spoc_a", "Remove a needs flag", flag_kwargs),
    "channel_panel:case_action_add": ("spoc_a", "Add a support action", case_kwargs),
    "channel_panel:case_action_edit": ("spoc_a", "Change a support action", action_kwargs),
    "channel_panel:case_contact_record": ("spoc_a", "Record a contact", action_kwargs),
    "channel_panel:case_note_add": ("panel_a", "Add a note", case_kwargs),
    "channel_panel:case_exit": ("spoc_a", "Record exit from Channel", case_kwargs),
    "channel_panel:case_exit_check": (
        "spoc_a",
        "Check your answers before exiting this case",
        case_kwargs,
    ),
    "channel_panel:case_exit_agree": (
        "chair",
        "Record the chair's agreement to exit",
        chair_case_kwargs,
    ),
    "channel_panel:case_review_record": ("spoc_a", "Record a post-exit review", review_kwargs),
}


def _d(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _banner(page, text):
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def test_case_manager_records_a_parents_consent_for_a_16_year_old(open_page, browsing, world):
    today = timezone.localdate()
    person = factories.PersonFactory(date_of_birth=date(today.year - 16, 1, 15))
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    page = open_page(world.spoc_a)
    page.goto("/")
    follow_menu(page, "Channel cases")
    assert_page_is_usable(page, browsing, "Channel cases")
    page.get_by_role("link", name=case.reference).click()
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("Under 18 and no parental consent recorded")
    assert_page_is_usable(page, browsing, case.reference)

    page.get_by_role("button", name="Record consent or a refusal").click()
    page.get_by_label("Consent given").check()
    page.get_by_label("The person").check()
    page.get_by_role("button", name="Record answer").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("consent must come from a parent or guardian")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Record consent")

    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Name of the parent or guardian").fill("Robin Testparent")
    page.get_by_role("button", name="Record answer").click()
    _banner(page, "Answer about consent recorded")
    expect(page.locator(".govuk-warning-text")).to_have_count(0)
    expect(page.locator("#consent")).to_be_visible()
    expect(page.get_by_role("cell", name="A parent or guardian: Robin Testparent")).to_be_visible()
    assert_page_is_usable(page, browsing, case.reference)


def test_an_overdue_contact_is_flagged_until_a_contact_is_recorded(open_page, browsing, world):
    today = timezone.localdate()
    case = factories.channel_case(world.agency_a, world.spoc_a)
    _provider()
    page = open_page(world.spoc_a)
    page.goto(f"/panel/cases/{case.pk}/")
    page.get_by_role("button", name="Add a support action").click()
    page.get_by_label("Type of support").select_option(label="Ideological mentoring")
    page.get_by_label("What will be done").fill("Weekly mentoring sessions")
    page.get_by_label("Owning agency").select_option(label="Agency A")
    page.get_by_label("Intervention Provider").select_option(label="Fictional Mentors")
    page.get_by_label("Active").check()
    fill_date(page, "Next contact due (optional)", _d(today - timedelta(days=3)))
    page.get_by_role("button", name="Add action").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Choose an agency or an Intervention Provider, not both"
    )
    assert_page_is_usable(page, browsing, "Add a support action")
    page.get_by_label("Owning agency").select_option(label="No agency")
    page.get_by_role("button", name="Add action").click()
    _banner(page, "Support action added")
    row = page.locator("#support-plan + table tbody tr").first
    expect(row).to_contain_text("Overdue")
    assert_page_is_usable(page, browsing, case.reference)

    row.get_by_role("link", name="Record contact").click()
    page.get_by_label("What happened").fill("Met at the library")
    fill_date(page, "Next contact due (optional)", _d(today + timedelta(days=7)))
    assert_page_is_usable(page, browsing, "Record a contact")
    page.get_by_role("button", name="Record contact").click()
    _banner(page, "Contact recorded")
    expect(page.locator("#support-plan + table")).not_to_contain_text("Overdue")
    page.get_by_label("Show").select_option(label="Contact")
    page.get_by_role("button", name="Filter the chronology").click()
    expect(page.locator(".app-chronology")).to_contain_text("Met at the library")
    expect(page.locator(".app-chronology")).not_to_contain_text("Support action added")
    assert_page_is_usable(page, browsing, case.reference)


def test_the_second_editor_of_an_action_sees_the_conflict_with_their_input(
    open_page, browsing, world
):
    case = _walk_case(world, OPEN_CASE)
    action = case.actions.get()
    url = f"/panel/cases/{case.pk}/support-plan/{action.pk}/"
    first, second = open_page(world.spoc_a), open_page(world.coordinator)
    for page in (first, second):
        page.goto(url)
    first.get_by_label("What will be done").fill("Fortnightly sessions")
    first.get_by_role("button", name="Save changes").click()
    _banner(first, "Support action changed")

    second.get_by_label("What will be done").fill("Monthly sessions instead")
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator(".govuk-error-summary")).to_contain_text(
        "Someone else changed this record while you were editing it"
    )
    expect(second.get_by_label("What will be done")).to_have_value("Monthly sessions instead")
    assert_page_is_usable(second, browsing, "Change a support action")
    action.refresh_from_db()
    assert action.description == "Fortnightly sessions"


def test_the_case_exits_with_ownership_returned_to_the_school(open_page, browsing, world):
    """Form, then "Check your answers" (with a change link back to the form), then the exit;
    the school's named case manager receives it."""
    school = factories.AgencyFactory(name="Fictional Primary School", short_code="school")
    teacher = factories.member(
        Role.SPOC, school, username="school-dsl", first_name="Dana", last_name="Teacherly"
    )
    case = factories.channel_case(world.agency_a, world.spoc_a)
    page = open_page(world.coordinator)
    page.goto(f"/panel/cases/{case.pk}/")
    expect(page.locator("#exit-needed")).to_contain_text("exit decision at a held meeting")
    factories.exit_agreed(case, world.chair)
    page.reload()
    expect(page.locator("#exit-needed")).to_have_count(0)
    page.get_by_role("button", name="Record exit from Channel").click()
    page.get_by_label("Reason for exit").select_option(
        label="Low or no radicalisation risk, other safeguarding concerns: ownership returned"
    )
    page.get_by_label("Notes (optional)").fill("Mental health needs remain")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text('"Ownership returned" needs the agency that receives the case')
    assert_page_is_usable(page, browsing, "Record exit from Channel")
    page.get_by_label("Return ownership to").select_option(label=school.name)
    page.get_by_label("Case manager in that agency").select_option(
        label=f"Dana Teacherly ({school.name})"
    )
    page.get_by_role("button", name="Continue").click()
    assert_page_is_usable(page, browsing, "Check your answers before exiting this case")
    main = page.locator("main")
    expect(main).to_contain_text(f"Returned to {school.name}, case manager Dana Teacherly")
    page.get_by_role("link", name="Change the notes").click()
    expect(page.get_by_label("Notes (optional)")).to_have_value("Mental health needs remain")
    page.get_by_label("Notes (optional)").fill("Mental health and housing needs remain")
    page.get_by_role("button", name="Continue").click()
    expect(main).to_contain_text("Mental health and housing needs remain")
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.OPEN  # nothing recorded before confirming
    page.get_by_role("button", name="Exit this case").click()
    _banner(page, f"Case {case.reference} exited Channel")
    expect(page.locator("main")).to_contain_text("Ownership returned to")
    expect(page.locator("main")).to_contain_text(school.name)
    expect(page.locator("#post-exit-reviews + table")).to_contain_text("6 months after exit")
    assert_page_is_usable(page, browsing, case.reference)
    case.refresh_from_db()
    assert (case.lead_agency, case.case_manager) == (school, teacher)


def test_a_refusal_blocks_support_and_the_case_exits_with_its_reason(open_page, browsing, world):
    """Channel is voluntary: the refusal is recorded, no support can be added, and the exit
    needs the reason "consent refused" and signposting (refused with a message otherwise)."""
    case = factories.channel_case(world.agency_a, world.spoc_a)
    service = SignpostingService.objects.current().first()
    page = open_page(world.spoc_a)
    page.goto(f"/panel/cases/{case.pk}/")
    page.get_by_role("button", name="Record consent or a refusal").click()
    page.get_by_label("Consent refused").check()
    page.get_by_label("The person").check()
    fill_date(page, "Date of the answer", _d(case.adopted_on))
    page.get_by_role("button", name="Record answer").click()
    _banner(page, "Answer about consent recorded")
    expect(page.locator(".govuk-warning-text").first).to_contain_text("Consent refused on")
    expect(page.locator("#support-needed")).to_contain_text("no support can be added")
    expect(page.get_by_role("button", name="Add a support action")).to_have_count(0)
    assert_page_is_usable(page, browsing, case.reference)
    factories.exit_agreed(case, world.chair)
    page.reload()
    page.get_by_role("button", name="Record exit from Channel").click()
    page.get_by_label("Reason for exit").select_option(
        label="Radicalisation risk reduced: no further Channel support needed"
    )
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text('the reason for exit must be "consent refused"')
    expect(summary).to_contain_text("needs the service the person was signposted to")
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Record exit from Channel")
    page.get_by_label("Reason for exit").select_option(label="Consent refused")
    page.get_by_label("Signposted to").select_option(label=service.name)
    page.get_by_role("button", name="Continue").click()
    assert_page_is_usable(page, browsing, "Check your answers before exiting this case")
    page.get_by_role("button", name="Exit this case").click()
    _banner(page, f"Case {case.reference} exited Channel")
    expect(page.locator("main")).to_contain_text(service.name)
    case.refresh_from_db()
    assert (case.exit_reason.code, case.exit_signposted_to) == ("consent-refused", service)
