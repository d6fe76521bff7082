"""The whole Channel Panel journey of issue 4 in one Chromium session, over six months:

1. the Coordinator schedules a meeting and builds its agenda (a housing association's
   referral passed to panel, and the open case of a 16-year-old referred by a school);
2. a panel member of the mental health trust (a core agency, so invited) opens the pack and
   the agenda's case, but a case of another agency that is not on the agenda is "Page not
   found";
3. on the day, the chair records attendance and the decisions (adopt the new referral,
   continue the 16-year-old's case), marks the meeting held and approves the minutes;
4. the case manager records a parent's consent, and the under-18 warning goes;
5. a support contact goes overdue and two reminder sweeps queue one reminder each to the
   case manager and the chair;
6. the case exits with ownership returned to the school, and the panel member's access ends;
7. at the meeting about six months on, building the agenda puts the 6-month post-exit
   review on it;
8. the school refers the person again, and triage shows the re-referral linking back to the
   case; the report counts it all.

The clock moves with time-machine. It patches the clock of the whole process, so the live
server's thread runs on the same travelled time as the test: step 5 relies on it (the
server itself flags the contact overdue). Each jump opens new browser contexts, as a
session left idle for days is signed out. axe runs on every page opened.

The key pages are photographed for docs/screenshots.md; to refresh those pictures run

    PREVENT_UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_channel_journey.py"
"""

import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from channel_panel import services
from channel_panel.models import (
    AgendaItem,
    ChannelCase,
    ChannelCaseUserGrant,
    Decision,
    ExitReason,
    InterventionProvider,
    PanelMeeting,
)
from channel_panel.services.lifecycle import add_months
from prevent_portal.accounts.models import Agency, Role, User
from prevent_portal.outbox.models import Notification
from referrals.models import ChronologyEntry, Referral
from tests import factories
from tests.browser.pages import assert_page_is_usable, expect_date, fill_date, follow_menu
from tests.browser.test_screenshots import VIEWPORT, _save

pytestmark = pytest.mark.browser

PROVIDER = "Fictional Mentoring Partnership"


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _weekday(day: date, step: int = 1) -> date:
    """``day``, or the nearest weekday after it (before it with ``step=-1``)."""
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def _d(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


def _banner(page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _menu(page, browsing, label: str) -> None:
    """Follow the menu link ``label`` from the home page to the page of that name."""
    page.goto("/")
    follow_menu(page, label)
    assert_page_is_usable(page, browsing, label)


def _signed_in(open_page, user: User):
    """A new browser context for ``user``, sized like the screenshots."""
    page = open_page(user)
    page.set_viewport_size(VIEWPORT)
    return page


@dataclass
class Scene:
    start: date
    meets_on: date
    mh_trust: Agency
    police: Agency
    school: Agency
    housing: Agency
    mh_member: User
    police_member: User
    case_manager: User  # of the 16-year-old's case, at children's services
    housing_spoc: User
    sixteen: ChannelCase  # the 16-year-old's open case, referred by the school
    new_referral: Referral  # the housing association's referral passed to panel
    elsewhere: ChannelCase  # the housing association's exited case: never on an agenda


def _scene(world, time_machine, start: date) -> Scene:
    """Agencies, people and records as they stand on the morning the journey begins."""
    world.council.name = settings.COUNCIL_NAME
    world.council.save(update_fields=["name"])
    _named(world.coordinator, "Alex", "Morgan")
    _named(world.chair, "Sam", "Okafor")
    mh_trust = factories.AgencyFactory(
        name="Fictional Mental Health Trust",
        short_code="fictional-mht",
        sector=factories.sector("health"),
        is_core_panel_member=True,
    )
    police = factories.AgencyFactory(
        name="Fictional Police Prevent Team",
        short_code="fictional-police",
        sector=factories.sector("police"),
        is_core_panel_member=True,
    )
    school = factories.AgencyFactory(
        name="Fictional Academy",
        short_code="fictional-academy",
        sector=factories.sector("education"),
    )
    childrens = factories.AgencyFactory(
        name="Fictional Children's Services",
        short_code="fictional-childrens",
        sector=factories.sector("local-authority"),
    )
    housing = factories.AgencyFactory(
        name="Fictional Housing Association",
        short_code="fictional-housing",
        sector=factories.sector("other"),
    )
    mh_member = _named(factories.member(Role.PANEL_MEMBER, mh_trust), "Priya", "Marlow")
    police_member = _named(factories.member(Role.PANEL_MEMBER, police), "Casey", "Harlow")
    case_manager = _named(factories.member(Role.SPOC, childrens), "Tamsin", "Fenwick")
    housing_spoc = _named(factories.member(Role.SPOC, housing), "Jordan", "Quinlan")
    InterventionProvider.objects.get_or_create(
        code="fictional-mentoring", defaults={"name": PROVIDER}
    )

    # The records are made on the days they happened, so each chronology reads true.
    # Imogen: referred by the housing association and adopted in the spring.
    time_machine.move_to(_at(start - timedelta(days=200)))
    elsewhere = factories.channel_case(
        housing,
        housing_spoc,
        person=factories.PersonFactory(given_name="Imogen", family_name="Sefton"),
        received_on=timezone.localdate(),
    )
    # Rowan, 16, referred by the school two months ago: a Channel case led by children's
    # services since then, with no consent recorded yet.
    time_machine.move_to(_at(start - timedelta(days=60)))
    rowan = factories.PersonFactory(
        given_name="Rowan",
        family_name="Ellery",
        date_of_birth=add_months(start, -(16 * 12 + 3)),
        school_or_employer=school.name,
    )
    sixteen = factories.channel_case(
        childrens,
        case_manager,
        referral_agency=school,
        person=rowan,
        received_on=timezone.localdate(),
        concern_summary="Fictional: sharing extremist material with classmates.",
    )
    # Imogen's case exits last month: it is on no agenda now.
    time_machine.move_to(_at(start - timedelta(days=30)))
    factories.exit_agreed(elsewhere)
    elsewhere = services.case_exit(
        case=elsewhere,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=timezone.localdate(),
        expected_version=elsewhere.version,
        acting_user=housing_spoc,
    )
    # Noor, an adult the housing association referred; triage passed it to the panel.
    time_machine.move_to(_at(start - timedelta(days=10)))
    new_referral = factories.panel_referral(
        housing,
        assessed=True,
        person=factories.PersonFactory(given_name="Noor", family_name="Bramley"),
        received_on=timezone.localdate(),
        concern_summary="Fictional: fixated on violent online forums.",
    )
    time_machine.move_to(_at(start))
    return Scene(
        start=start,
        meets_on=_weekday(start + timedelta(days=4)),
        mh_trust=mh_trust,
        police=police,
        school=school,
        housing=housing,
        mh_member=mh_member,
        police_member=police_member,
        case_manager=case_manager,
        housing_spoc=housing_spoc,
        sixteen=sixteen,
        new_referral=new_referral,
        elsewhere=elsewhere,
    )


def _schedule_meeting(page, browsing, meets_on: date) -> PanelMeeting:
    """The Coordinator schedules a meeting through the form; returns it."""
    _menu(page, browsing, "Panel meetings")
    page.get_by_role("button", name="Schedule a meeting").click()
    assert_page_is_usable(page, browsing, "Schedule a meeting")
    fill_date(page, "Date of the meeting", _d(meets_on))
    page.get_by_label("Start time (optional)").fill("10:00")
    page.get_by_label("In person").check()
    page.get_by_label("Place or meeting link (optional)").fill("Committee Room 2, Civic Centre")
    page.get_by_label("Chair", exact=True).select_option(label="Sam Okafor")
    page.get_by_role("button", name="Schedule meeting").click()
    _banner(page, f"Meeting scheduled for {_long(meets_on)}")
    assert_page_is_usable(page, browsing, f"Meeting on {_long(meets_on)}")
    return PanelMeeting.objects.get(meets_on=meets_on)


def _agenda_row(page, reference: str):
    return page.locator("#agenda-table tbody tr", has_text=reference)


def _step_1_schedule_and_build(open_page, browsing, world, scene, tmp_path) -> PanelMeeting:
    page = _signed_in(open_page, world.coordinator)
    meeting = _schedule_meeting(page, browsing, scene.meets_on)
    invitees = page.locator("#invitees ~ table")
    for name in ["Sam Okafor", "Priya Marlow", "Casey Harlow"]:
        expect(invitees).to_contain_text(name)
    expect(invitees).to_contain_text("Fictional Mental Health Trust (core member)")

    page.get_by_role("button", name="Build the agenda").click()
    _banner(page, "2 items added to the agenda")
    new = _agenda_row(page, scene.new_referral.reference)
    expect(new).to_contain_text("New case")
    expect(new).to_contain_text("Noor Bramley")
    review = _agenda_row(page, scene.sixteen.reference)
    expect(review).to_contain_text("Case review")
    expect(review).to_contain_text("Rowan Ellery")
    expect(page.locator("#agenda-table")).not_to_contain_text(scene.elsewhere.reference)
    assert_page_is_usable(page, browsing, f"Meeting on {_long(scene.meets_on)}")
    _save(page, "channel-meeting-agenda.png", tmp_path)
    assert list(meeting.items.order_by("position").values_list("kind", flat=True)) == [
        AgendaItem.Kind.NEW,
        AgendaItem.Kind.REVIEW,
    ]
    return meeting


def _step_2_panel_member_prepares(open_page, browsing, scene, meeting, tmp_path) -> None:
    page = _signed_in(open_page, scene.mh_member)
    _menu(page, browsing, "Panel meetings")
    page.get_by_role("link", name=_long(scene.meets_on)).first.click()
    assert_page_is_usable(page, browsing, f"Meeting on {_long(scene.meets_on)}")
    page.get_by_role("link", name="Open the panel pack").click()
    assert_page_is_usable(page, browsing, "Panel pack")
    expect(page.locator(".govuk-inset-text").first).to_contain_text("the pack is open now")
    items = page.locator(".app-pack-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("Noor Bramley")
    expect(items.nth(0)).to_contain_text("fixated on violent online forums")
    expect(items.nth(1)).to_contain_text("Rowan Ellery")
    expect(items.nth(1)).to_contain_text("Under 18: no parental consent recorded")
    expect(items.nth(1)).to_contain_text("Fictional Children's Services")
    _save(page, "channel-pack.png", tmp_path)

    # The agenda's case opens, through the meeting's time-limited access ...
    page.get_by_role("link", name="Back to the meeting").click()
    assert_page_is_usable(page, browsing, f"Meeting on {_long(scene.meets_on)}")
    page.get_by_role("link", name=scene.sixteen.reference).click()
    assert_page_is_usable(page, browsing, scene.sixteen.reference)
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Under 18 and no parental consent recorded"
    )
    expect(page.get_by_role("button", name="Record consent")).to_have_count(0)  # reads only

    # ... another agency's case that is not on the agenda does not exist for them.
    response = page.goto(f"/panel/cases/{scene.elsewhere.pk}/")
    assert response.status == 404
    assert_page_is_usable(page, browsing, "Page not found")
    expect(page.locator("main")).not_to_contain_text("Imogen")


def _step_3_chair_runs_the_meeting(open_page, browsing, world, scene, meeting, tmp_path):
    page = _signed_in(open_page, world.chair)
    page.goto(f"/panel/meetings/{meeting.pk}/")
    heading = f"Meeting on {_long(scene.meets_on)}"
    assert_page_is_usable(page, browsing, heading)

    page.get_by_role("button", name="Record attendance").click()
    assert_page_is_usable(page, browsing, "Record attendance")
    for name, status in [
        ("Sam Okafor", "Present"),
        ("Priya Marlow", "Present"),
        ("Casey Harlow", "Apologies"),
    ]:
        page.get_by_role("group", name=name).get_by_label(status).check()
    # The police sent a colleague without an account in Casey's place.
    page.get_by_label("Name", exact=True).fill("Kit Delaney")
    page.get_by_label("Agency", exact=True).select_option(label=scene.police.name)
    page.get_by_role("group", name="Attendance").get_by_label("Present").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#quorum")).to_contain_text("Quorate")
    assert_page_is_usable(page, browsing, heading)

    page.get_by_role("button", name="Mark as held").click()
    _banner(page, "Meeting marked as held")
    assert_page_is_usable(page, browsing, heading)

    # Item 1: the housing association's referral is adopted.
    page.get_by_role("link", name="Record decision on item 1").click()
    assert_page_is_usable(page, browsing, "Record the decision")
    # Each decision's details are revealed under its radio (GOV.UK conditional reveal).
    adopt = page.get_by_label("Adopt as a Channel case")
    lead_agency = page.get_by_label("Lead agency (if adopted)")
    expect(lead_agency).to_be_hidden()
    expect(adopt).to_have_attribute("aria-expanded", "false")
    adopt.check()
    expect(lead_agency).to_be_visible()
    expect(page.get_by_label("Case manager (if adopted)")).to_be_visible()
    expect(adopt).to_have_attribute("aria-expanded", "true")
    controls = adopt.get_attribute("aria-controls")
    expect(page.locator(f"#{controls}")).to_contain_text("Lead agency (if adopted)")
    expect(page.get_by_label("Signposted to (if not adopted)")).to_be_hidden()
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the rationale for the decision")
    expect(summary).to_contain_text("Choose the lead agency of the case")
    expect(summary).to_contain_text("Choose the case manager")
    expect(page.get_by_label("Adopt as a Channel case")).to_be_checked()  # input kept
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_label("Rationale", exact=True).fill(
        "Vulnerable to radicalisation; agrees to meet a mentor"
    )
    page.get_by_label("Lead agency (if adopted)").select_option(label=scene.housing.name)
    page.get_by_label("Case manager (if adopted)").select_option(
        label=f"Jordan Quinlan ({scene.housing.name})"
    )
    _save(page, "channel-decision.png", tmp_path)
    page.get_by_role("button", name="Record the decision").click()
    _banner(page, "Decision recorded: Item 1: New case")
    assert_page_is_usable(page, browsing, heading)

    # Item 2: Rowan's case continues.
    page.get_by_role("link", name="Record decision on item 2").click()
    assert_page_is_usable(page, browsing, "Record the decision")
    page.get_by_label("Continue support").check()
    page.get_by_label("Rationale", exact=True).fill("Engaging with school pastoral support")
    page.get_by_role("button", name="Record the decision").click()
    _banner(page, "Decision recorded: Item 2: Case review")
    adopted = ChannelCase.objects.get(referral=scene.new_referral)
    expect(_agenda_row(page, scene.new_referral.reference)).to_contain_text("Adopt")
    expect(_agenda_row(page, scene.sixteen.reference)).to_contain_text("Continue support")
    assert_page_is_usable(page, browsing, heading)

    page.get_by_role("button", name="Approve the minutes").click()
    _banner(page, "Minutes approved")
    assert_page_is_usable(page, browsing, heading)
    page.get_by_role("link", name="Minutes", exact=True).click()
    assert_page_is_usable(page, browsing, "Minutes")
    minutes = page.locator("main")
    for text in ["Kit Delaney", "Apologies", "Engaging with school pastoral support"]:
        expect(minutes).to_contain_text(text)

    meeting.refresh_from_db()
    assert meeting.status == PanelMeeting.Status.MINUTES_APPROVED
    assert meeting.quorum() == (True, [])
    assert (adopted.lead_agency, adopted.case_manager) == (scene.housing, scene.housing_spoc)
    assert adopted.adopted_on == scene.meets_on and adopted.adopted_at_meeting == meeting
    assert list(
        Decision.objects.current()
        .filter(item__meeting=meeting)
        .order_by("item__position")
        .values_list("outcome", flat=True)
    ) == [Decision.Outcome.ADOPT, Decision.Outcome.CONTINUE]
    return adopted


def _step_4_parent_consents(open_page, browsing, scene, tmp_path) -> None:
    page = _signed_in(open_page, scene.case_manager)
    _menu(page, browsing, "Channel cases")
    page.get_by_role("link", name=scene.sixteen.reference).click()
    assert_page_is_usable(page, browsing, scene.sixteen.reference)
    warning = page.locator(".govuk-warning-text")
    expect(warning).to_contain_text("Under 18 and no parental consent recorded")
    _save(page, "channel-case-consent-warning.png", tmp_path)

    page.get_by_role("button", name="Record consent or a refusal").click()
    assert_page_is_usable(page, browsing, "Record consent")
    # The server's "today" is the travelled day: the form offers it.
    # The GOV.UK date input: day, month and year in their own boxes.
    expect_date(page, "Date of the answer", scene.meets_on)
    page.get_by_label("Consent given").check()
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Name of the parent or guardian").fill("Dana Ellery")
    page.get_by_label("Capacity notes (optional)").fill("Rowan was present and agreed")
    page.get_by_role("button", name="Record answer").click()
    _banner(page, "Answer about consent recorded")
    expect(page.locator(".govuk-warning-text")).to_have_count(0)
    expect(page.get_by_role("cell", name="A parent or guardian: Dana Ellery")).to_be_visible()
    assert_page_is_usable(page, browsing, scene.sixteen.reference)


def _step_5a_support_planned(open_page, browsing, scene, due: date) -> None:
    page = open_page(scene.case_manager)
    page.goto(f"/panel/cases/{scene.sixteen.pk}/")
    assert_page_is_usable(page, browsing, scene.sixteen.reference)
    page.get_by_role("button", name="Add a support action").click()
    assert_page_is_usable(page, browsing, "Add a support action")
    page.get_by_label("Type of support").select_option(label="Ideological mentoring")
    page.get_by_label("What will be done").fill("Weekly sessions with a mentor after school")
    page.get_by_label("Intervention Provider").select_option(label=PROVIDER)
    page.get_by_label("Active").check()
    fill_date(page, "Next contact due (optional)", _d(due))
    page.get_by_role("button", name="Add action").click()
    _banner(page, "Support action added")
    row = page.locator("#support-plan + table tbody tr").first
    expect(row).to_contain_text(PROVIDER)
    expect(row).not_to_contain_text("Overdue")
    assert_page_is_usable(page, browsing, scene.sixteen.reference)


def _sweep(day: date) -> list[dict]:
    out = io.StringIO()
    call_command("send_reminders", today=day.isoformat(), stdout=out)
    return json.loads(out.getvalue())


def _step_5b_overdue_and_reminded(open_page, browsing, world, scene, tmp_path) -> None:
    today = timezone.localdate()
    page = _signed_in(open_page, scene.case_manager)
    page.goto(f"/panel/cases/{scene.sixteen.pk}/")
    row = page.locator("#support-plan + table tbody tr").first
    expect(row).to_contain_text("Overdue")  # the server's clock moved too
    assert_page_is_usable(page, browsing, scene.sixteen.reference)
    _save(page, "channel-support-plan-overdue.png", tmp_path)

    first = [r for r in _sweep(today) if r["kind"] == "channel_contact_overdue"]
    second = [r for r in _sweep(today) if r["kind"] == "channel_contact_overdue"]
    # The case manager and the Coordinators, who can see the case (F7: no longer every chair).
    assert sorted(r["recipient"] for r in first) == sorted(
        [scene.case_manager.username, world.coordinator.username]
    )
    assert second == []
    queued = Notification.objects.filter(kind="channel_contact_overdue")
    assert sorted(queued.values_list("recipient__username", flat=True)) == sorted(
        [scene.case_manager.username, world.coordinator.username]
    )
    assert all(scene.sixteen.reference in n.subject for n in queued)
    assert not any("Rowan" in n.subject + n.body for n in queued)


def _step_6_exit_to_the_school(open_page, browsing, world, scene) -> None:
    url = f"/panel/cases/{scene.sixteen.pk}/"
    member = open_page(scene.mh_member)
    assert member.goto(url).status == 200  # the meeting's pack access is still open
    assert_page_is_usable(member, browsing, scene.sixteen.reference)

    # The chair agreed the exit outside a meeting; the school names who takes the case.
    factories.exit_agreed(ChannelCase.objects.get(pk=scene.sixteen.pk), world.chair)
    teacher = factories.case_manager_at(scene.school)
    page = open_page(scene.case_manager)
    page.goto(url)
    assert_page_is_usable(page, browsing, scene.sixteen.reference)
    page.get_by_role("button", name="Record exit from Channel").click()
    assert_page_is_usable(page, browsing, "Record exit from Channel")
    page.get_by_label("Reason for exit").select_option(
        label="Low or no radicalisation risk, other safeguarding concerns: ownership returned"
    )
    page.get_by_label("Notes (optional)").fill("Safeguarding support continues at school")
    page.get_by_label("Return ownership to").select_option(label=scene.school.name)
    teacher_name = teacher.get_full_name() or teacher.username
    page.get_by_label("Case manager in that agency").select_option(
        label=f"{teacher_name} ({scene.school.name})"
    )
    page.get_by_role("button", name="Continue").click()
    assert_page_is_usable(page, browsing, "Check your answers before exiting this case")
    page.get_by_role("button", name="Exit this case").click()
    # The case manager's agency no longer holds the case: they land on their case list.
    _banner(page, f"Case {scene.sixteen.reference} exited Channel")
    expect(page.locator("main")).to_contain_text("now held by another agency")
    assert_page_is_usable(page, browsing, "Channel cases")
    coordinator = _signed_in(open_page, world.coordinator)
    coordinator.goto(url)
    assert_page_is_usable(coordinator, browsing, scene.sixteen.reference)
    expect(coordinator.locator("main")).to_contain_text("Exited: post-exit reviews due")
    expect(coordinator.locator("#post-exit-reviews + table")).to_contain_text("6 months after exit")

    response = member.goto(url)
    assert response.status == 404
    assert_page_is_usable(member, browsing, "Page not found")
    case = ChannelCase.objects.get(pk=scene.sixteen.pk)
    assert case.lead_agency == case.ownership_returned_to == scene.school
    assert not ChannelCaseUserGrant.objects.filter(
        content_object=case, user=scene.mh_member
    ).exists()


def _step_7_review_on_a_later_agenda(open_page, browsing, world, scene, meets_on, tmp_path):
    page = _signed_in(open_page, world.coordinator)
    meeting = _schedule_meeting(page, browsing, meets_on)
    page.get_by_role("button", name="Build the agenda").click()
    _banner(page, "added to the agenda")
    row = _agenda_row(page, scene.sixteen.reference)
    expect(row).to_contain_text("Post-exit review")
    expect(row).to_contain_text("Rowan Ellery")
    assert_page_is_usable(page, browsing, f"Meeting on {_long(meets_on)}")
    _save(page, "channel-post-exit-review-agenda.png", tmp_path)
    item = meeting.items.get(case=scene.sixteen)
    assert item.kind == AgendaItem.Kind.POST_EXIT
    assert item.post_exit_review.months_after_exit == 6


def _step_8_re_referral(open_page, browsing, world, scene, tmp_path) -> Referral:
    today = timezone.localdate()
    again = factories.referral(
        scene.school,
        person=scene.sixteen.referral.person,
        received_on=today,
        concern_summary="Fictional: new concern from the school about online contacts.",
    )
    page = _signed_in(open_page, world.coordinator)
    _menu(page, browsing, "Triage queue")
    page.get_by_role("row", name=again.reference).get_by_role("link", name=again.reference).click()
    assert_page_is_usable(page, browsing, f"Referral {again.reference}")
    history = page.locator("#person-history")
    expect(history).to_contain_text("Re-referral")
    case = ChannelCase.objects.get(pk=scene.sixteen.pk)
    link = history.get_by_role("link", name=f"Earlier Channel case {case.reference}")
    expect(link).to_contain_text(f"exited Channel on {_long(case.exited_on)}")
    _save(page, "channel-re-referral-triage.png", tmp_path)

    link.click()
    assert_page_is_usable(page, browsing, case.reference)
    expect(page.locator("#re-referrals")).to_contain_text(
        f"Re-referred on {_long(today)}: referral {again.reference}"
    )
    return again


def _report(open_page, browsing, world, scene, tmp_path) -> None:
    page = _signed_in(open_page, world.coordinator)
    _menu(page, browsing, "Channel Panel report")
    fill_date(page, "From", _d(scene.start))
    fill_date(page, "To", _d(timezone.localdate()))
    page.get_by_role("button", name="Show report").click()
    assert_page_is_usable(page, browsing, "Channel Panel report")

    def figure(label):
        return page.locator(".govuk-summary-list__row", has_text=label).locator("dd")

    expect(figure("Meetings held")).to_have_text("1")
    expect(figure("Cases adopted")).to_have_text("1")
    expect(figure("Re-referrals")).to_have_text("1")
    expect(page.get_by_role("row", name=scene.school.name)).to_contain_text("1")
    _save(page, "channel-report.png", tmp_path)


def test_channel_panel_journey_from_agenda_to_re_referral(
    open_page, browsing, world, time_machine, tmp_path
):
    start = timezone.localdate() + timedelta(days=1)
    scene = _scene(world, time_machine, start)

    # 1-2. Four days before the meeting: the agenda, and the mental health trust prepares.
    meeting = _step_1_schedule_and_build(open_page, browsing, world, scene, tmp_path)
    _step_2_panel_member_prepares(open_page, browsing, scene, meeting, tmp_path)

    # 3-4. The day of the meeting; afterwards the case manager sees the family.
    time_machine.move_to(_at(scene.meets_on, 10))
    adopted = _step_3_chair_runs_the_meeting(open_page, browsing, world, scene, meeting, tmp_path)
    time_machine.move_to(_at(scene.meets_on, 15))
    _step_4_parent_consents(open_page, browsing, scene, tmp_path)
    first_contact = scene.meets_on + timedelta(days=2)
    _step_5a_support_planned(open_page, browsing, scene, first_contact)

    # 5-6. Three days after the meeting (the pack still open): the contact is a day overdue.
    exit_day = scene.meets_on + timedelta(days=3)
    time_machine.move_to(_at(exit_day))
    _step_5b_overdue_and_reminded(open_page, browsing, world, scene, tmp_path)
    _step_6_exit_to_the_school(open_page, browsing, world, scene)

    # 7-8. Some six months on: the review falls due, and the school refers Rowan again.
    review_due = add_months(exit_day, 6)
    time_machine.move_to(_at(review_due - timedelta(days=14)))
    later = _weekday(review_due - timedelta(days=7), step=-1)
    _step_7_review_on_a_later_agenda(open_page, browsing, world, scene, later, tmp_path)
    reviews = [r for r in _sweep(timezone.localdate()) if r["kind"] == "channel_post_exit_review"]
    # Ownership went to the school: the Coordinators, not the former case manager, are told.
    recipients = {r["recipient"] for r in reviews}
    assert world.coordinator.username in recipients
    assert scene.case_manager.username not in recipients
    again = _step_8_re_referral(open_page, browsing, world, scene, tmp_path)
    _report(open_page, browsing, world, scene, tmp_path)

    # What the database says.
    case = ChannelCase.objects.get(pk=scene.sixteen.pk)
    assert case.status == ChannelCase.Status.EXITED and case.exited_on == exit_day
    assert case.live_consent().giver_name == "Dana Ellery"
    assert adopted.is_open()
    assert again.person_id == case.referral.person_id
    Kind = ChronologyEntry.Kind
    assert {
        Kind.PANEL_AGENDA,
        Kind.PANEL_DECISION,
        Kind.CONSENT,
        Kind.SUPPORT_PLAN,
        Kind.EXIT,
        Kind.OWNERSHIP,
    } <= set(case.referral.chronology.values_list("kind", flat=True))
