"""The earlier-referrals page: what the Coordinator sees and what the buttons do."""

import re
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import Outcome, Person, Referral, RepeatMatch
from tests import factories
from tests.conftest import sign_in

DOB = date(1999, 3, 14)


def person(given, family, dob=DOB, postcode="ZZ3 1AB"):
    return factories.PersonFactory(
        given_name=given, family_name=family, date_of_birth=dob, postcode=postcode
    )


@pytest.fixture
def case(world):
    """An earlier referral closed with no further action, and a new one under a new surname."""
    earlier = person("Tomasz", "Wrenfield")
    old = factories.referral(world.agency_b, person=earlier, received_on=date(2022, 6, 3))
    Referral.objects.filter(pk=old.pk).update(
        outcome=Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION), status="closed"
    )
    new = factories.referral(world.agency_a, person=person("Tomasz", "Okonjo-Hale"))
    return earlier, old, new


def seen(new, earlier, **choices):
    """What the confirm form posts: the versions of both records as the page showed them."""
    return {"version": new.person.version, "candidate_version": earlier.version, **choices}


def page_url(referral):
    return reverse("referrals:earlier_referrals", args=[referral.pk])


def test_coordinator_sees_the_candidate_score_reasons_and_earlier_outcome(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    response = client.get(page_url(new))
    html = response.content.decode()
    assert response.status_code == 200
    # Not "Not referred before" while a likely earlier referral waits to be checked.
    assert "1 possible earlier referral to check below" in html
    assert "Not referred before" not in html
    assert "Tomasz Wrenfield: match score 80 out of 100" in html
    assert "Same given name, different family name" in html
    assert "Same date of birth" in html
    assert old.reference in html and "3 Jun 2022" in html and "No further action" in html


def test_the_page_writes_access_entries_for_every_person_and_referral_shown(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    logged = {
        (e.content_type.model, e.object_pk)
        for e in LogEntry.objects.filter(
            action=LogEntry.Action.ACCESS,
            actor=world.coordinator,
            additional_data__view="referrals:earlier_referrals",
        )
    }
    assert {
        ("referral", str(new.pk)),
        ("person", str(new.person_id)),
        ("person", str(earlier.pk)),
        ("referral", str(old.pk)),
    } <= logged


def test_confirming_merges_and_the_count_of_earlier_referrals_goes_up(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    match = RepeatMatch.objects.get(referral=new)
    response = client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]),
        seen(new, earlier),
        follow=True,
    )
    html = response.content.decode()
    assert "Match confirmed: the person records have been merged" in html
    assert "Referred 1 time before" in html
    assert "Tomasz Okonjo-Hale" in html  # kept as an alias of the earlier person
    assert "No likely earlier referrals of this person were found." in html
    new.refresh_from_db()
    assert new.person == earlier


def test_confirming_from_an_out_of_date_page_shows_an_error_and_merges_nothing(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    match = RepeatMatch.objects.get(referral=new)
    posted = seen(new, earlier)
    Person.objects.filter(pk=new.person_id).update(version=posted["version"] + 1)
    response = client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]), posted
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Someone else changed this record" in html
    assert "<title>Error: " in html
    new.refresh_from_db()
    assert new.person != earlier


def test_rejecting_is_shown_as_decided_and_not_offered_again(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    match = RepeatMatch.objects.get(referral=new)
    response = client.post(
        reverse("referrals:repeat_match_reject", args=[new.pk, match.pk]), follow=True
    )
    html = response.content.decode()
    assert "Match rejected: it will not be suggested again" in html
    assert "No likely earlier referrals of this person were found." in html
    assert "Not the same person" in html  # in the decisions table
    client.post(reverse("referrals:earlier_referrals_refresh", args=[new.pk]))
    html = client.get(page_url(new)).content.decode()
    assert "match score" not in html


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("spoc_a", 403),  # sees agency A's referral but may not triage it
        ("panel_a", 403),
        ("referrer_a", 404),  # did not refer it
        ("spoc_b", 404),
        ("chair", 404),
        ("manager", 404),
    ],
)
def test_only_the_coordinator_may_check_or_decide(client, world, case, persona, status):
    earlier, old, new = case
    factories.referral(world.agency_a, person=new.person, referrer=None)
    match = RepeatMatch.objects.create(referral=new, candidate=earlier, score=80, reasons=[])
    sign_in(client, world.persona(persona))
    assert client.get(page_url(new)).status_code == status
    for name in ("repeat_match_confirm", "repeat_match_reject"):
        url = reverse(f"referrals:{name}", args=[new.pk, match.pk])
        assert client.post(url, {"version": 1}).status_code == status
    match.refresh_from_db()
    assert match.decision == RepeatMatch.Decision.PENDING


def test_a_match_of_another_referral_cannot_be_decided_through_this_one(client, world, case):
    earlier, old, new = case
    other = factories.referral(world.agency_a, person=person("Tomasz", "Wrenfeld"))
    match = RepeatMatch.objects.create(referral=other, candidate=earlier, score=80, reasons=[])
    sign_in(client, world.coordinator)
    url = reverse("referrals:repeat_match_reject", args=[new.pk, match.pk])
    assert client.post(url).status_code == 404


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_page_query_count_does_not_grow_with_earlier_referrals(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get("/")
    client.get(page_url(new))  # the first visit stores the match
    small = queries_for(client, page_url(new))
    for year in range(2010, 2020):
        factories.referral(world.agency_b, person=earlier, received_on=date(year, 1, 1))
        factories.referral(world.agency_a, person=new.person, received_on=date(year, 2, 1))
    large = queries_for(client, page_url(new))
    assert small == large
    # 25 before issue 18's cross-area check: one query searches the other areas' persons
    # (their aliases only when there are any) and one lists the requests sent to them.
    assert large <= 27
    assert "Referred 10 times before" in client.get(page_url(new)).content.decode()


def test_a_confirmed_merge_is_audited_with_the_coordinator_as_actor(client, world, case):
    earlier, old, new = case
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    match = RepeatMatch.objects.get(referral=new)
    client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]), seen(new, earlier)
    )
    changes = LogEntry.objects.filter(actor=world.coordinator, action=LogEntry.Action.UPDATE)
    changed = {(e.content_type.model, e.object_pk) for e in changes}
    assert ("person", str(new.person_id)) in changed  # merged_into set
    assert ("referral", str(new.pk)) in changed  # moved to the earlier person
    assert ("repeatmatch", str(match.pk)) in changed  # the decision
    person_entry = changes.get(content_type__model="person", object_pk=str(new.person_id))
    assert "Okonjo" not in person_entry.object_repr


def _details_differ(earlier, new):
    """The earlier record has an old address and no gender; the referrer has just entered
    a new address and the gender."""
    Person.objects.filter(pk=earlier.pk).update(address="1 Old Road", gender="not_known")
    Person.objects.filter(pk=new.person_id).update(address="9 New Street", gender="female")
    earlier.refresh_from_db()
    new.person.refresh_from_db()


@pytest.fixture
def differing(client, world, case):
    """The Coordinator has opened the page of a match whose records differ in details."""
    earlier, old, new = case
    _details_differ(earlier, new)
    sign_in(client, world.coordinator)
    client.get(page_url(new))
    return earlier, new, RepeatMatch.objects.get(referral=new)


def checked(html, name) -> list[str]:
    return re.findall(rf'name="{name}" type="radio" value="(\w+)" checked', html)


def test_the_confirm_form_shows_the_details_that_differ_with_the_newer_ones_chosen(
    client, world, case
):
    earlier, old, new = case
    _details_differ(earlier, new)
    sign_in(client, world.coordinator)
    html = client.get(page_url(new)).content.decode()
    assert "Details that differ" in html
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">(\w[^<]*)</th>\s*'
        r'<td class="govuk-table__cell">([^<]*)</td>\s*'
        r'<td class="govuk-table__cell">([^<]*)</td>',
        html,
    )
    assert rows == [("Gender", "Not known", "Female"), ("Address", "1 Old Road", "9 New Street")]
    assert "1 Old Road (earlier record)" in html and "9 New Street (newer record)" in html
    assert checked(html, "address") == ["newer"]
    assert checked(html, "gender") == ["newer"]


def test_confirming_keeps_the_details_the_coordinator_chose(client, world, differing):
    earlier, new, match = differing
    response = client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]),
        seen(new, earlier, address="earlier", gender="newer"),
    )
    assert response.status_code == 302
    earlier.refresh_from_db()
    assert (earlier.address, earlier.gender) == ("1 Old Road", "female")
    entry = LogEntry.objects.get(
        content_type__model="person",
        object_pk=str(earlier.pk),
        action=LogEntry.Action.UPDATE,
        actor=world.coordinator,
    )
    assert set(entry.changes_dict) == {"gender", "version"}
    assert "female" not in str(entry.changes_dict)


def test_an_out_of_date_confirm_gives_the_coordinator_their_choices_back(client, world, differing):
    earlier, new, match = differing
    posted = seen(new, earlier, address="earlier", gender="newer")
    Person.objects.filter(pk=earlier.pk).update(version=earlier.version + 1)  # someone edited
    response = client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]), posted
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Someone else changed this record" in html
    assert checked(html, "address") == ["earlier"]  # their choice, not the default
    new.refresh_from_db()
    earlier.refresh_from_db()
    assert new.person != earlier and earlier.gender == "not_known"


def test_a_choice_that_is_not_offered_is_an_error_and_merges_nothing(client, world, differing):
    earlier, new, match = differing
    response = client.post(
        reverse("referrals:repeat_match_confirm", args=[new.pk, match.pk]),
        seen(new, earlier, address="both"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="#match-{match.pk}-address_0">Choose which address to keep' in html
    new.refresh_from_db()
    assert new.person != earlier
