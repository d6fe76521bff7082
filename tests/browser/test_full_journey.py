"""The whole journey of issue 3 in one Chromium session: a referrer submits a referral of
someone referred before under a slightly different spelling; the Coordinator finds it in
the triage queue, confirms the repeat-referral match, clears the police gateway and passes
it to the Channel Panel; the referrer sees the new status. axe runs on every page.

The key pages are photographed for docs/screenshots.md; to refresh those pictures run

    PREVENT_UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_full_journey.py"
"""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals import services
from referrals.models import ChronologyEntry, Outcome, Person, Referral, RepeatMatch
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu
from tests.browser.test_screenshots import VIEWPORT, _save

pytestmark = pytest.mark.browser

DATE_OF_BIRTH = date(2009, 3, 14)
POSTCODE = "ZZ4 7QT"


def _earlier_referral(world) -> Referral:
    """Katarzyna Nowak, referred by Agency B in 2024 and closed with no further action."""
    person = factories.PersonFactory(
        given_name="Katarzyna",
        family_name="Nowak",
        date_of_birth=DATE_OF_BIRTH,
        gender="female",
        postcode=POSTCODE,
        school_or_employer="Riverside Academy",
    )
    earlier = factories.referral(
        world.agency_b,
        person=person,
        received_on=date(2024, 2, 5),
        concern_summary="Fictional: sharing extremist videos with classmates.",
    )
    return services.referral_outcome_record(
        referral=earlier,
        outcome=Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION),
        reason="Support already in place through school pastoral team",
        decided_on=date(2024, 2, 20),
        expected_version=earlier.version,
        acting_user=world.coordinator,
    )


def _continue(page):
    page.get_by_role("button", name="Continue").click()


def _submit_referral(page, browsing, world, tmp_path) -> str:
    """Referrer A sends the referral through the question pages; returns its reference."""
    page.goto("/")
    follow_menu(page, "Make a referral")
    assert_page_is_usable(page, browsing, "Make a referral")
    page.get_by_role("button", name="Start now").click()

    assert_page_is_usable(page, browsing, "What is the person's name?")
    page.get_by_label("First name").fill("Katarzina")  # a one-letter difference
    page.get_by_label("Last name").fill("Nowak")
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's date of birth?")
    page.get_by_label("Day").fill(str(DATE_OF_BIRTH.day))
    page.get_by_label("Month").fill(str(DATE_OF_BIRTH.month))
    page.get_by_label("Year").fill(str(DATE_OF_BIRTH.year))
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's gender?")
    page.get_by_label("Female").check()
    _continue(page)

    assert_page_is_usable(page, browsing, "What is the person's address?")
    page.get_by_label("Address (optional)").fill("14 Alder Close, Testbury")
    page.get_by_label("Postcode (optional)").fill(POSTCODE.lower().replace(" ", ""))
    _continue(page)

    assert_page_is_usable(page, browsing, "Which school, college or employer")
    page.get_by_label("Which school, college or employer").fill("Riverside Academy")
    _continue(page)

    assert_page_is_usable(page, browsing, "Other names the person is known by")
    _continue(page)  # none known

    assert_page_is_usable(page, browsing, "What is your concern?")
    page.get_by_label("What is your concern?").fill(
        "Fictional: talks of travelling abroad to join a group seen in online videos."
    )
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
    answers = page.locator(".govuk-summary-list")
    for text in ["Katarzina Nowak", "14 March 2009", POSTCODE, "Riverside Academy"]:
        expect(answers).to_contain_text(text)
    _save(page, "journey-check-your-answers.png", tmp_path)
    page.get_by_role("button", name="Accept and send").click()

    assert_page_is_usable(page, browsing, "Referral sent")
    reference = Referral.objects.get(referrer=world.referrer_a).reference
    expect(page.locator(".govuk-panel")).to_contain_text(reference)
    _save(page, "journey-confirmation.png", tmp_path)
    return reference


def test_referral_of_someone_referred_before_is_passed_to_panel(
    open_page, browsing, world, tmp_path
):
    earlier = _earlier_referral(world)

    # 1. The referrer sends the referral.
    referrer = open_page(world.referrer_a)
    referrer.set_viewport_size(VIEWPORT)
    reference = _submit_referral(referrer, browsing, world, tmp_path)
    referral = Referral.objects.get(reference=reference)
    assert referral.person_id != earlier.person_id  # a new person record, for now

    # 2. The Coordinator finds it in the triage queue and opens it.
    page = open_page(world.coordinator)
    page.set_viewport_size(VIEWPORT)
    page.goto("/")
    page.get_by_role("link", name="Triage queue").first.click()
    assert_page_is_usable(page, browsing, "Triage queue")
    row = page.get_by_role("row", name=reference)
    expect(row).to_contain_text("Received")
    _save(page, "journey-triage-queue.png", tmp_path)
    row.get_by_role("link", name=reference).click()

    assert_page_is_usable(page, browsing, f"Referral {reference}")
    earlier_note = page.locator("#earlier-referrals")
    # Looked for at submit: the triage page already says a likely match is waiting.
    expect(earlier_note).to_contain_text("1 possible earlier referral to check.")

    # 3. The earlier referrals page suggests Katarzyna Nowak; the Coordinator confirms.
    earlier_note.get_by_role("link", name="Check the possible earlier referrals").click()
    assert_page_is_usable(page, browsing, "Earlier referrals")
    expect(page.locator("#referred-before")).to_contain_text(
        "1 possible earlier referral to check below"
    )
    card = page.locator(".govuk-summary-card", has_text="Katarzyna Nowak")
    match = RepeatMatch.objects.get(referral=referral)
    assert match.score >= 90
    expect(card).to_contain_text(f"match score {match.score} out of 100")
    for reason in match.reasons:
        expect(card).to_contain_text(reason)
    expect(card).to_contain_text("Same date of birth")
    expect(card.get_by_role("row", name=earlier.reference)).to_contain_text("No further action")
    # The referrer gave an address the earlier record lacked: it is offered, and chosen.
    address = card.get_by_role("group", name="Address")
    expect(address.get_by_label("14 Alder Close, Testbury (newer record)")).to_be_checked()
    _save(page, "journey-earlier-referrals.png", tmp_path)

    page.get_by_role("button", name="Yes, same person (Katarzyna Nowak)").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Match confirmed: the person records have been merged"
    )
    expect(page.locator("#referred-before")).to_contain_text("Referred 1 time before")
    expect(page.get_by_role("row", name="Katarzyna Nowak")).to_contain_text("Same person")
    assert_page_is_usable(page, browsing, "Earlier referrals")

    page.get_by_role("link", name="Back to the triage page").click()
    assert_page_is_usable(page, browsing, f"Referral {reference}")
    expect(page.locator("#earlier-referrals")).to_contain_text("Referred 1 time before.")

    # 4. Police gateway cleared, then passed to the Channel Panel.
    page.get_by_role("button", name="Record police gateway").click()
    assert_page_is_usable(page, browsing, "Record the police gateway outcome")
    page.get_by_label("No live investigation: can proceed").check()
    fill_date(page, "Date of the check", timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Save gateway outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("gateway outcome")
    assert_page_is_usable(page, browsing, f"Referral {reference}")

    page.get_by_role("button", name="Record triage outcome").click()
    assert_page_is_usable(page, browsing, "Record the triage outcome")
    page.get_by_label("Passed to the Channel Panel").check()
    reason = "Second referral in two years and the concern has escalated"
    page.get_by_label("Reason for the outcome").fill(reason)
    page.get_by_role("button", name="Save triage outcome").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Triage outcome recorded")
    expect(page.locator("main")).to_contain_text("Passed to Channel Panel")
    chronology = page.locator("#chronology ~ ol")
    expect(chronology).to_contain_text("Confirmed as the same person")
    expect(chronology).to_contain_text(reason)
    assert_page_is_usable(page, browsing, f"Referral {reference}")
    _save(page, "journey-triage.png", tmp_path)

    # 5. The referrer sees the new status, in their own words (never the decision).
    referrer.goto("/")
    follow_menu(referrer, "Your referrals")
    assert_page_is_usable(referrer, browsing, "Your referrals")
    row = referrer.get_by_role("row", name=reference)
    expect(row).to_contain_text("Being looked at")
    expect(row).not_to_contain_text("Channel")

    # What the database says.
    referral.refresh_from_db()
    earlier.refresh_from_db()
    assert referral.status == Referral.Status.PASSED_TO_PANEL
    assert referral.outcome.code == Outcome.PASSED_TO_PANEL
    assert referral.gateway_outcome == Referral.Gateway.CLEARED
    assert referral.reached_panel
    # The newer record was folded into the earlier one; its spelling is kept as an alias.
    kept = earlier.person
    assert referral.person == kept
    assert kept.merged_into is None
    assert kept.address == "14 Alder Close, Testbury"  # the newer detail, kept
    assert kept.gender == "female" and kept.school_or_employer == "Riverside Academy"
    folded = Person.objects.get(merged_into=kept)
    assert (folded.given_name, folded.family_name) == ("Katarzina", "Nowak")
    assert list(kept.aliases.values_list("given_name", "family_name")) == [("Katarzina", "Nowak")]
    assert list(kept.referrals.order_by("received_on")) == [earlier, referral]
    assert RepeatMatch.objects.get(referral=referral).decision == RepeatMatch.Decision.CONFIRMED
    kinds = list(referral.chronology.order_by("pk").values_list("kind", flat=True))
    assert kinds == [
        ChronologyEntry.Kind.RECEIVED,
        ChronologyEntry.Kind.MATCH,
        ChronologyEntry.Kind.GATEWAY,
        ChronologyEntry.Kind.OUTCOME,
    ]
    # The earlier referral did not move; its chronology says the person was referred again.
    assert list(earlier.chronology.order_by("pk").values_list("kind", flat=True)) == [
        ChronologyEntry.Kind.RECEIVED,
        ChronologyEntry.Kind.OUTCOME,
        ChronologyEntry.Kind.MATCH,
    ]
    assert reference in earlier.chronology.get(kind=ChronologyEntry.Kind.MATCH).text
