"""Issue 13's journey in one Chromium session: the lifecycles' happy path, and each step they
refuse with the refusal's words on the page, as the real roles meet them.

1. a referrer sends a referral; the Coordinator records another on a GP practice's behalf,
   received ten days ago;
2. triage: passing the referral to the Channel Panel while the police gateway is "not yet
   checked" is refused; the gateway is cleared, and it passes;
3. the chair opens the meeting before it starts: marking it held is not offered, and the
   page says why; once it has started, holding it without quorum is refused, then refused
   again without a reason, then held with one; the minutes show the reason;
4. the chair adopts the referral with a lead agency and case manager, and opens the case;
5. the case manager records a refusal of consent: no support can be added, and the page
   says why; an exit with "ownership returned" and no agency is refused, as is any exit
   before the chair agrees it; the chair records the agreement; the exit is checked and
   confirmed;
6. the referrer follows "Your referrals" to the referral's status page.

The clock moves with time-machine (the live server runs on the same travelled time); each
jump opens new browser contexts. axe runs on every page opened.

Two refusals are photographed for docs/screenshots.md; to refresh those pictures run

    PREVENT_UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_lifecycle_journey.py"
"""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel.models import ChannelCase, PanelMeeting
from prevent_portal.accounts.models import Role, User
from prevent_portal.outbox.models import Notification
from referrals.models import Referral, Sector
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu
from tests.browser.test_screenshots import VIEWPORT, _save

pytestmark = pytest.mark.browser

GP_PRACTICE = "Fictional Riverside GP Practice"


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _d(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _signed_in(open_page, user: User):
    page = open_page(user)
    page.set_viewport_size(VIEWPORT)
    return page


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _refused(page, browsing, heading: str, *messages: str) -> None:
    """The step was refused: the GOV.UK error summary names every message, and the page is
    still usable."""
    summary = page.locator(".govuk-error-summary")
    for message in messages:
        expect(summary).to_contain_text(message)
    assert_page_is_usable(page, browsing, heading)


def _continue(page):
    page.get_by_role("button", name="Continue").click()


def _answer_the_questions(page, browsing, given: str, family: str, concern: str) -> None:
    """The intake's question pages, from "Make a referral" to "Check your answers"."""
    page.goto("/")
    follow_menu(page, "Make a referral")
    assert_page_is_usable(page, browsing, "Make a referral")
    page.get_by_role("button", name="Start now").click()
    assert_page_is_usable(page, browsing, "What is the person's name?")
    page.get_by_label("First name").fill(given)
    page.get_by_label("Last name").fill(family)
    _continue(page)
    assert_page_is_usable(page, browsing, "What is the person's date of birth?")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("1999")
    _continue(page)
    assert_page_is_usable(page, browsing, "What is the person's gender?")
    page.get_by_label("Not known").check()
    _continue(page)
    assert_page_is_usable(page, browsing, "What is the person's address?")
    _continue(page)
    assert_page_is_usable(page, browsing, "Which school, college or employer")
    _continue(page)
    assert_page_is_usable(page, browsing, "Other names the person is known by")
    _continue(page)
    assert_page_is_usable(page, browsing, "What is your concern?")
    page.get_by_label("What is your concern?").fill(concern)
    _continue(page)
    assert_page_is_usable(page, browsing, "What type of concern is it?")
    page.locator("input[name=concern_types]").first.check()
    _continue(page)
    assert_page_is_usable(page, browsing, "needs or vulnerabilities")
    page.get_by_label("None or not known").check()
    _continue(page)
    assert_page_is_usable(page, browsing, "Does the person know about this referral?")
    page.get_by_label("Aware, consent not given").check()
    _continue(page)
    assert_page_is_usable(page, browsing, "Check your answers")


def _send(page, browsing) -> None:
    page.get_by_role("button", name="Accept and send").click()
    assert_page_is_usable(page, browsing, "Referral sent")


def _step_1_referrals(open_page, browsing, world) -> tuple:
    referrer = _signed_in(open_page, world.referrer_a)
    _answer_the_questions(
        referrer, browsing, "Ellis", "Varden", "Fictional: praises attacks in online chats."
    )
    _send(referrer, browsing)
    referral = Referral.objects.get(referrer=world.referrer_a)
    expect(referrer.locator(".govuk-panel")).to_contain_text(referral.reference)

    # The Coordinator takes a GP practice's phone call from ten days ago.
    received = timezone.localdate() - timedelta(days=10)
    health = Sector.objects.get(code="health")
    page = _signed_in(open_page, world.coordinator)
    _answer_the_questions(
        page, browsing, "Morgan", "Tallis", "Fictional: a patient spoke of joining a group."
    )
    page.get_by_role("link", name="Change referred by").click()
    assert_page_is_usable(page, browsing, "Who made this referral, and when?")
    page.get_by_label("Referring agency").select_option(label="Not a registered agency")
    page.get_by_label("Or, who referred (if not a registered agency)").fill(GP_PRACTICE)
    page.get_by_label("Referring sector").select_option(label=health.name)
    fill_date(page, "Date received", _d(received))
    _continue(page)
    assert_page_is_usable(page, browsing, "Check your answers")
    answers = page.locator(".govuk-summary-list")
    expect(answers).to_contain_text(f"{GP_PRACTICE} ({health.name})")
    expect(answers).to_contain_text(_long(received))
    _send(page, browsing)
    on_behalf = Referral.objects.exclude(pk=referral.pk).get()
    assert on_behalf.received_on == received
    assert on_behalf.referring_organisation == GP_PRACTICE
    return page, referral


def _step_2_triage(page, browsing, referral: Referral, tmp_path) -> None:
    heading = f"Referral {referral.reference}"
    page.goto("/")
    page.get_by_role("link", name="Triage queue").first.click()
    assert_page_is_usable(page, browsing, "Triage queue")
    page.get_by_role("row", name=referral.reference).get_by_role(
        "link", name=referral.reference
    ).click()
    assert_page_is_usable(page, browsing, heading)

    # Not yet checked by the police: the page says so before the Coordinator tries ...
    page.get_by_role("button", name="Record triage outcome").click()
    assert_page_is_usable(page, browsing, "Record the triage outcome")
    gateway = "cannot go to the Channel Panel"
    expect(page.locator("[data-still-needed]")).to_contain_text(gateway)
    # ... and refuses it when they do, keeping what they typed.
    page.get_by_label("Passed to the Channel Panel").check()
    reason = "Escalating online activity; the family asked for help"
    page.get_by_label("Reason for the outcome").fill(reason)
    page.get_by_role("button", name="Save triage outcome").click()
    _refused(
        page,
        browsing,
        "Record the triage outcome",
        "Before passing this referral to the Channel Panel",
        gateway,
    )
    expect(page.get_by_label("Reason for the outcome")).to_have_value(reason)
    _save(page, "lifecycle-refused-pass-to-panel.png", tmp_path)
    referral.refresh_from_db()
    assert referral.status != Referral.Status.PASSED_TO_PANEL

    page.get_by_role("link", name="Back to the referral").click()
    assert_page_is_usable(page, browsing, heading)
    page.get_by_role("button", name="Record police gateway").click()
    assert_page_is_usable(page, browsing, "Record the police gateway outcome")
    page.get_by_label("No live investigation: can proceed").check()
    fill_date(page, "Date of the check", _d(timezone.localdate()))
    page.get_by_role("button", name="Save gateway outcome").click()
    _banner(page, "gateway outcome")
    assert_page_is_usable(page, browsing, heading)

    page.get_by_role("button", name="Record triage outcome").click()
    assert_page_is_usable(page, browsing, "Record the triage outcome")
    expect(page.locator("[data-still-needed]")).to_have_count(0)
    page.get_by_label("Passed to the Channel Panel").check()
    page.get_by_label("Reason for the outcome").fill(reason)
    page.get_by_role("button", name="Save triage outcome").click()
    _banner(page, "Triage outcome recorded")
    expect(page.locator("main")).to_contain_text("Passed to Channel Panel")
    assert_page_is_usable(page, browsing, heading)


def _step_3a_schedule(page, browsing, world, meets_on: date) -> PanelMeeting:
    page.goto("/")
    follow_menu(page, "Panel meetings")
    assert_page_is_usable(page, browsing, "Panel meetings")
    page.get_by_role("button", name="Schedule a meeting").click()
    assert_page_is_usable(page, browsing, "Schedule a meeting")
    fill_date(page, "Date of the meeting", _d(meets_on))
    page.get_by_label("Start time (optional)").fill("10:00")
    page.get_by_label("Online").check()
    page.get_by_label("Chair", exact=True).select_option(str(world.chair.pk))
    page.get_by_role("button", name="Schedule meeting").click()
    _banner(page, f"Meeting scheduled for {_long(meets_on)}")
    page.get_by_role("button", name="Build the agenda").click()
    _banner(page, "1 item added to the agenda")
    assert_page_is_usable(page, browsing, f"Meeting on {_long(meets_on)}")
    return PanelMeeting.objects.get(meets_on=meets_on)


def _step_3b_not_before_it_starts(open_page, browsing, world, meeting) -> None:
    page = _signed_in(open_page, world.chair)
    page.goto(f"/panel/meetings/{meeting.pk}/")
    assert_page_is_usable(page, browsing, f"Meeting on {_long(meeting.meets_on)}")
    expect(page.locator("#hold-needed")).to_contain_text(
        f"The meeting starts at 10:00 on {_long(meeting.meets_on)}: "
        "it cannot be marked held before then."
    )
    expect(page.get_by_role("button", name="Mark as held")).to_have_count(0)


def _step_3c_held_without_quorum(open_page, browsing, world, meeting, police, tmp_path):
    heading = f"Meeting on {_long(meeting.meets_on)}"
    page = _signed_in(open_page, world.chair)
    page.goto(f"/panel/meetings/{meeting.pk}/")
    assert_page_is_usable(page, browsing, heading)
    not_quorate = "No attendance is recorded, so the meeting is not quorate"
    expect(page.locator("#hold-needed")).to_contain_text(not_quorate)

    page.get_by_role("button", name="Mark as held").click()
    _refused(page, browsing, heading, not_quorate)

    page.get_by_label("Hold the meeting although it was not quorate").check()
    page.get_by_role("button", name="Mark as held").click()
    _refused(page, browsing, heading, "Give the reason for holding the meeting without quorum.")

    reason = f"{police.name} sent apologies; the adult's risk could not wait a month"
    page.get_by_label("Hold the meeting although it was not quorate").check()
    page.get_by_label("Why the meeting went ahead without quorum").fill(reason)
    page.get_by_role("button", name="Mark as held").click()
    _banner(page, "Meeting marked as held")
    assert_page_is_usable(page, browsing, heading)
    page.get_by_role("link", name="Draft minutes", exact=True).click()
    assert_page_is_usable(page, browsing, "minutes")
    expect(page.locator("#inquorate-reason")).to_have_text(reason)
    return page, reason


def _step_4_adopt(page, browsing, world, meeting, referral) -> ChannelCase:
    heading = f"Meeting on {_long(meeting.meets_on)}"
    page.goto(f"/panel/meetings/{meeting.pk}/")
    assert_page_is_usable(page, browsing, heading)
    page.get_by_role("link", name="Record decision on item 1").click()
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_label("Adopt as a Channel case").check()
    page.get_by_label("Rationale", exact=True).fill("Vulnerable, and open to a mentor")
    page.get_by_label("Lead agency (if adopted)").select_option(label=world.agency_a.name)
    page.get_by_label("Case manager (if adopted)").select_option(
        label=f"Tamsin Fenwick ({world.agency_a.name})"
    )
    page.get_by_role("button", name="Record the decision").click()
    _banner(page, "Decision recorded: Item 1: New case")
    assert_page_is_usable(page, browsing, heading)
    case = ChannelCase.objects.get(referral=referral)
    assert (case.lead_agency, case.case_manager) == (world.agency_a, world.spoc_a)

    # The chair who adopted it can open it.
    response = page.goto(f"/panel/cases/{case.pk}/")
    assert response.status == 200
    assert_page_is_usable(page, browsing, case.reference)
    return case


def _step_5a_consent_refused(open_page, browsing, world, case, tmp_path):
    page = _signed_in(open_page, world.spoc_a)
    page.goto(f"/panel/cases/{case.pk}/")
    assert_page_is_usable(page, browsing, case.reference)
    expect(page.get_by_role("button", name="Add a support action")).to_be_visible()
    page.get_by_role("button", name="Record consent or a refusal").click()
    assert_page_is_usable(page, browsing, "Record consent")
    page.get_by_label("Consent refused").check()
    page.get_by_role("group", name="Who answered?").get_by_role("radio").first.check()
    page.get_by_role("button", name="Record answer").click()
    _banner(page, "Answer about consent recorded")
    assert_page_is_usable(page, browsing, case.reference)
    expect(page.locator("#consent ~ table").first).to_contain_text("Refused")
    # Channel is voluntary: no support can be added, and the page says why.
    expect(page.get_by_role("button", name="Add a support action")).to_have_count(0)
    expect(page.locator("#support-needed")).to_contain_text(
        "Consent was refused or withdrawn: Channel is voluntary, so no support can be added."
    )
    return page


def _step_5b_exit(page, open_page, browsing, world, case, tmp_path) -> None:
    exit_heading = "Record exit from Channel"
    no_authority = "An exit needs the panel's exit decision at a held meeting"
    page.get_by_role("button", name="Record exit from Channel").click()
    assert_page_is_usable(page, browsing, exit_heading)
    # No panel exit decision and no chair's agreement: said before trying ...
    expect(page.locator("#exit-needed ~ ul").first).to_contain_text(no_authority)
    # ... and "ownership returned" with nobody to return it to is refused, with the rest.
    page.get_by_label("Reason for exit").select_option(
        label="Low or no radicalisation risk, other safeguarding concerns: ownership returned"
    )
    page.get_by_role("button", name="Continue").click()
    _refused(
        page,
        browsing,
        exit_heading,
        '"Ownership returned" needs the agency that receives the case.',
        no_authority,
        'the reason for exit must be "consent refused" or "consent withdrawn"',
    )
    _save(page, "lifecycle-refused-exit.png", tmp_path)

    # The reason the refusal calls for, signposted: still no authority for the exit.
    page.get_by_label("Reason for exit").select_option(label="Consent refused")
    page.get_by_label("Signposted to").select_option(index=1)
    page.get_by_role("button", name="Continue").click()
    _refused(page, browsing, exit_heading, no_authority)
    expect(page.locator(".govuk-error-summary")).not_to_contain_text("Ownership returned")

    # The chair agrees the exit outside a meeting.
    chair = _signed_in(open_page, world.chair)
    chair.goto(f"/panel/cases/{case.pk}/")
    assert_page_is_usable(chair, browsing, case.reference)
    chair.get_by_role("button", name="Record the chair's agreement to exit").click()
    assert_page_is_usable(chair, browsing, "Record the chair's agreement to exit")
    fill_date(chair, "Date the chair agreed", _d(timezone.localdate()))
    chair.get_by_label("Why the exit was agreed outside a meeting").fill(
        "Consent refused; nothing for the panel to decide"
    )
    chair.get_by_role("button", name="Record agreement").click()
    assert_page_is_usable(chair, browsing, case.reference)
    expect(chair.locator("main")).to_contain_text("Exit agreed by the chair")

    page.goto(f"/panel/cases/{case.pk}/exit/")
    assert_page_is_usable(page, browsing, exit_heading)
    expect(page.locator("#exit-needed")).to_have_count(0)
    page.get_by_label("Reason for exit").select_option(label="Consent refused")
    page.get_by_label("Signposted to").select_option(index=1)
    page.get_by_role("button", name="Continue").click()
    assert_page_is_usable(page, browsing, "Check your answers before exiting this case")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("Consent refused")
    page.get_by_role("button", name="Exit this case").click()
    _banner(page, f"Case {case.reference} exited Channel")
    assert_page_is_usable(page, browsing, case.reference)
    case.refresh_from_db()
    assert case.status == ChannelCase.Status.EXITED
    assert case.exit_reason.code == "consent-refused"


def _step_6_referrer_sees_the_status(referrer, browsing, referral) -> None:
    referrer.goto("/")
    follow_menu(referrer, "Your referrals")
    assert_page_is_usable(referrer, browsing, "Your referrals")
    # The referral keeps "passed to the Channel Panel" when its case exits, but its work has
    # finished (referrals/referrer.py), so the referrer reads "Closed" and was told once.
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PASSED_TO_PANEL
    status = "Closed"
    assert (
        Notification.objects.filter(kind="referral_closed", recipient=referral.referrer).count()
        == 1
    )
    assert referral.status_for_referrer() == status
    row = referrer.get_by_role("row", name=referral.reference)
    expect(row).to_contain_text(status)
    row.get_by_role("link", name=referral.reference).click()
    assert_page_is_usable(referrer, browsing, f"Referral {referral.reference}")
    expect(referrer.locator(".govuk-summary-list")).to_contain_text(status)
    # Never the decision or where it went.
    expect(referrer.locator("main")).not_to_contain_text("Consent refused")
    expect(referrer.locator("main")).not_to_contain_text("Channel case")


def test_lifecycles_happy_path_and_each_refusal(open_page, browsing, world, time_machine, tmp_path):
    today = timezone.localdate()
    time_machine.move_to(_at(today, 9))
    _named(world.coordinator, "Alex", "Morgan")
    _named(world.chair, "Sam", "Okafor")
    _named(world.spoc_a, "Tamsin", "Fenwick")
    police = factories.AgencyFactory(
        name="Fictional Police Prevent Team",
        short_code="fictional-police",
        sector=factories.sector("police"),
        is_core_panel_member=True,
    )
    factories.member(Role.PANEL_MEMBER, police)

    coordinator, referral = _step_1_referrals(open_page, browsing, world)
    _step_2_triage(coordinator, browsing, referral, tmp_path)
    meets_on = today + timedelta(days=2)
    meeting = _step_3a_schedule(coordinator, browsing, world, meets_on)
    _step_3b_not_before_it_starts(open_page, browsing, world, meeting)

    # The morning of the meeting, half an hour after it started.
    time_machine.move_to(_at(meets_on, 10, 30))
    chair, reason = _step_3c_held_without_quorum(
        open_page, browsing, world, meeting, police, tmp_path
    )
    # The police Channel practitioner's vulnerability assessment, which adoption needs
    # (recorded in the browser in tests/browser/test_assessment_journey.py).
    factories.assessment(referral, author=world.coordinator)
    case = _step_4_adopt(chair, browsing, world, meeting, referral)
    page = _step_5a_consent_refused(open_page, browsing, world, case, tmp_path)
    _step_5b_exit(page, open_page, browsing, world, case, tmp_path)
    _step_6_referrer_sees_the_status(_signed_in(open_page, world.referrer_a), browsing, referral)

    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.HELD
    assert meeting.inquorate_reason == reason
