"""The Coordinator's repeat-referral check in Chromium: every step stays accessible."""

from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from referrals import history, services
from referrals.models import Outcome, Person, Referral, RepeatMatch
from tests import factories
from tests.browser.pages import assert_page_is_usable

pytestmark = pytest.mark.browser


def _case(world):
    """Someone referred in 2022 (no further action), referred again under a new surname,
    with a gender the earlier record did not know and an address written differently."""
    earlier = factories.PersonFactory(
        given_name="Lena",
        family_name="Moravec",
        date_of_birth=date(2001, 4, 7),
        postcode="ZZ3 1AB",
        address="3 Birch Row, Testbury",
    )
    old = factories.referral(world.agency_b, person=earlier, received_on=date(2022, 6, 3))
    Referral.objects.filter(pk=old.pk).update(
        outcome=Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION), status="closed"
    )
    newer = factories.PersonFactory(
        given_name="Lena",
        family_name="Quillon",
        date_of_birth=date(2001, 4, 7),
        postcode="ZZ3 1AB",
        address="Flat 3, Birch Row, Testbury",
        gender="female",
    )
    new = factories.referral(world.agency_a, person=newer)
    return earlier, old, new


def test_coordinator_confirms_a_repeat_match(open_page, browsing, world):
    earlier, old, new = _case(world)
    page = open_page(world.coordinator)
    page.goto(reverse("referrals:earlier_referrals", args=[new.pk]))
    main = page.locator("main")
    expect(main.locator("#referred-before")).to_contain_text(
        "1 possible earlier referral to check below"
    )
    card = page.locator(".govuk-summary-card", has_text="Lena Moravec")
    expect(card).to_contain_text("match score 80 out of 100")
    expect(card).to_contain_text("Same given name, different family name")
    expect(card.get_by_role("row", name=old.reference)).to_contain_text("No further action")
    assert_page_is_usable(page, browsing, "Earlier referrals")

    page.get_by_role("button", name="Check again").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Checked again for earlier referrals"
    )

    differ = card.get_by_role("table", name="Details that differ")
    expect(differ.get_by_role("row", name="Gender")).to_contain_text("Not known")
    expect(differ.get_by_role("row", name="Gender")).to_contain_text("Female")
    gender = card.get_by_role("group", name="Gender")
    expect(gender.get_by_label("Female (newer record)")).to_be_checked()
    address = card.get_by_role("group", name="Address")
    expect(address.get_by_label("Flat 3, Birch Row, Testbury (newer record)")).to_be_checked()
    address.get_by_label("3 Birch Row, Testbury (earlier record)").check()
    page.get_by_role("button", name="Yes, same person (Lena Moravec)").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Match confirmed: the person records have been merged"
    )
    expect(page.locator("#referred-before")).to_contain_text("Referred 1 time before")
    expect(main).to_contain_text("Lena Quillon")  # the other name, kept as an alias
    expect(page.get_by_role("row", name="Lena Moravec")).to_contain_text("Same person")
    assert_page_is_usable(page, browsing, "Earlier referrals")
    new.refresh_from_db()
    assert new.person == earlier
    earlier.refresh_from_db()
    assert (earlier.gender, earlier.address) == ("female", "3 Birch Row, Testbury")


def test_coordinator_rejects_a_repeat_match(open_page, browsing, world):
    earlier, old, new = _case(world)
    page = open_page(world.coordinator)
    page.goto(reverse("referrals:earlier_referrals", args=[new.pk]))

    page.get_by_role("button", name="No, not the same person (Lena Moravec)").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Match rejected: it will not be suggested again"
    )
    expect(page.locator("main")).to_contain_text("No likely earlier referrals of this person")
    assert_page_is_usable(page, browsing, "Earlier referrals")
    assert RepeatMatch.objects.get(referral=new).decision == RepeatMatch.Decision.REJECTED


def test_confirming_on_an_out_of_date_page_shows_an_accessible_error(open_page, browsing, world):
    earlier, old, new = _case(world)
    page = open_page(world.coordinator)
    page.goto(reverse("referrals:earlier_referrals", args=[new.pk]))
    Person.objects.filter(pk=new.person_id).update(version=new.person.version + 1)
    page.get_by_label("3 Birch Row, Testbury (earlier record)").check()
    page.get_by_role("button", name="Yes, same person (Lena Moravec)").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Someone else changed this record")
    expect(summary).to_be_focused()
    # The Coordinator's choice is given back, not the default.
    expect(page.get_by_label("3 Birch Row, Testbury (earlier record)")).to_be_checked()
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Earlier referrals")
    new.refresh_from_db()
    assert new.person != earlier


def test_triage_page_shows_matches_to_check_and_the_persons_history(open_page, browsing, world):
    earlier, old, new = _case(world)
    services.repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    note = history.HistoryNote(
        label="Re-referral",
        text=f"Channel case for {old.reference} closed on 3 March 2026",
        url=reverse("referrals:detail", args=[old.pk]),
        tag="Re-referral",
    )
    history.register("tests.browser_note", lambda user, person: [note])
    try:
        page = open_page(world.coordinator)
        page.goto(reverse("referrals:triage", args=[new.pk]))
        notes = page.locator("#person-history")
        expect(notes.locator(".govuk-tag")).to_have_text("Re-referral")
        expect(notes.get_by_role("link", name=note.text)).to_be_visible()
        earlier_note = page.locator("#earlier-referrals")
        expect(earlier_note).to_contain_text("1 possible earlier referral to check.")
        assert_page_is_usable(page, browsing, f"Referral {new.reference}")
        earlier_note.get_by_role("link", name="Check the possible earlier referrals").click()
        assert_page_is_usable(page, browsing, "Earlier referrals")
    finally:
        history.unregister("tests.browser_note")
