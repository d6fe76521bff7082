"""What the triage page says about earlier referrals: confirmed ones, likely ones still to
check, or none."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import RepeatMatch
from referrals.services import repeat_match_decide, repeat_matches_refresh
from tests import factories
from tests.conftest import sign_in

DOB = date(1999, 3, 14)


def person(given, family, dob=DOB, postcode="ZZ3 1AB"):
    return factories.PersonFactory(
        given_name=given, family_name=family, date_of_birth=dob, postcode=postcode
    )


@pytest.fixture
def coordinator(client, world):
    sign_in(client, world.coordinator)
    return client


def triage_html(client, referral) -> str:
    response = client.get(reverse("referrals:triage", args=[referral.pk]))
    assert response.status_code == 200
    return response.content.decode()


def earlier_note(html) -> str:
    start = html.index('id="earlier-referrals"')
    return html[start : html.index("</p>", start)]


def likely_matches(world, count):
    """A new referral and ``count`` earlier records of what is likely the same person."""
    for n in range(count):
        earlier = person("Tomasz", "Wrenfield", postcode=f"ZZ3 {n}AB")
        factories.referral(world.agency_b, person=earlier, received_on=date(2020 + n, 1, 1))
    new = factories.referral(world.agency_a, person=person("Tomasz", "Wrenfeld"))
    repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    return new


def test_pending_likely_matches_are_counted_with_a_link_to_check_them(coordinator, world):
    new = likely_matches(world, 2)
    note = earlier_note(triage_html(coordinator, new))
    assert "2 possible earlier referrals to check" in note
    assert "Not referred before" not in note
    assert reverse("referrals:earlier_referrals", args=[new.pk]) in note


def test_one_pending_match_is_one_possible_earlier_referral(coordinator, world):
    new = likely_matches(world, 1)
    assert "1 possible earlier referral to check" in earlier_note(triage_html(coordinator, new))


def test_once_confirmed_the_page_says_referred_before_and_nothing_left_to_check(coordinator, world):
    new = likely_matches(world, 1)
    (match,) = RepeatMatch.objects.filter(referral=new)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )
    note = earlier_note(triage_html(coordinator, new))
    assert "Referred 1 time before." in note
    assert "possible earlier" not in note and "Not referred before" not in note


def test_confirmed_and_still_pending_are_both_said(coordinator, world):
    new = likely_matches(world, 2)
    first, _ = RepeatMatch.objects.filter(referral=new).order_by("pk")
    repeat_match_decide(
        match=first, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )
    note = earlier_note(triage_html(coordinator, new))
    assert "Referred 1 time before." in note
    assert "1 possible earlier referral to check" in note


def test_not_referred_before_only_when_nothing_is_confirmed_or_pending(coordinator, world):
    new = likely_matches(world, 1)
    (match,) = RepeatMatch.objects.filter(referral=new)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.REJECTED, acting_user=world.coordinator
    )
    note = earlier_note(triage_html(coordinator, new))
    assert "Not referred before." in note
    assert "possible earlier" not in note


def queries_for(client, referral) -> int:
    with CaptureQueriesContext(connection) as ctx:
        triage_html(client, referral)
    return len(ctx.captured_queries)


def test_triage_page_query_count_does_not_grow_with_matches_or_earlier_referrals(
    coordinator, world
):
    coordinator.get("/")  # settle the session
    small_case = likely_matches(world, 1)
    small = queries_for(coordinator, small_case)
    large_case = likely_matches(world, 6)
    for year in range(2010, 2016):
        factories.referral(world.agency_b, person=large_case.person, received_on=date(year, 1, 1))
    assert RepeatMatch.objects.filter(referral=large_case).count() > 6
    large = queries_for(coordinator, large_case)
    assert "possible earlier referrals to check" in earlier_note(
        triage_html(coordinator, large_case)
    )
    assert small == large


def test_a_referral_recorded_outside_intake_is_checked_before_saying_not_referred_before(
    coordinator, world
):
    # referral_record (the demo, an import) looks for no earlier referral, unlike intake.
    earlier = person("Tomasz", "Wrenfield")
    factories.referral(world.agency_b, person=earlier, received_on=date(2020, 1, 1))
    new = factories.referral(world.agency_a, person=person("Tomasz", "Wrenfeld"))
    assert not RepeatMatch.objects.filter(referral=new).exists()
    note = earlier_note(triage_html(coordinator, new))
    assert "1 possible earlier referral to check" in note
    assert "Not referred before" not in note


def test_the_earlier_referrals_page_does_not_say_not_referred_before_while_matches_wait(
    coordinator, world
):
    new = likely_matches(world, 1)
    html = coordinator.get(reverse("referrals:earlier_referrals", args=[new.pk])).content.decode()
    start = html.index('id="referred-before"')
    note = html[start : html.index("</div>", start)]
    assert "1 possible earlier referral to check below" in note
    assert "Not referred before" not in note
