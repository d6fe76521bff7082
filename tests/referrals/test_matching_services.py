"""Finding and deciding repeat referrals: what the Coordinator's decisions do to the records."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_portal.core.concurrency import StaleEdit
from referrals import matching
from referrals.models import ChronologyEntry, Person, PersonAlias, RepeatMatch
from referrals.services import repeat_match_decide, repeat_matches_refresh
from tests import factories

DOB = date(1999, 3, 14)


def person(given, family, dob=DOB, postcode="ZZ3 1AB"):
    return factories.PersonFactory(
        given_name=given, family_name=family, date_of_birth=dob, postcode=postcode
    )


def referred(world, someone, received_on=date(2026, 11, 1)):
    return factories.referral(world.agency_a, person=someone, received_on=received_on)


@pytest.fixture
def earlier(world):
    """Someone referred twice before, under their birth surname."""
    someone = person("Tomasz", "Wrenfield")
    referred(world, someone, date(2021, 2, 1))
    referred(world, someone, date(2023, 5, 9))
    return someone


def test_refresh_stores_realistic_variations_best_first_and_not_a_namesake(world):
    transposed = person("Wrenfield", "Tomasz")
    typo = person("Tomasz", "Wrenfeld", postcode="ZZ3 9QQ")
    changed_surname = person("Tomasz", "Okonjo-Hale")
    no_dob = person("Tomasz", "Wrenfield", dob=None)
    namesake = person("Tomasz", "Wrenfield", dob=date(1971, 8, 30), postcode="ZZ8 2CD")
    for other in (no_dob, changed_surname, typo, transposed, namesake):
        referred(world, other, date(2024, 1, 1))
    new = referred(world, person("Tomasz", "Wrenfield"))

    found = repeat_matches_refresh(referral=new, acting_user=world.coordinator)

    assert [m.candidate for m in found] == [transposed, typo, changed_surname, no_dob]
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)
    assert found[2].reasons == [
        "Same given name, different family name (the surname may have changed)",
        "Same date of birth",
        "Same postcode",
    ]
    assert not RepeatMatch.objects.filter(candidate=namesake).exists()


def test_missing_date_of_birth_is_found_by_name_and_postcode(world, earlier):
    new = referred(world, person("Tomasz", "Wrenfield", dob=None, postcode="ZZ3 7XY"))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    assert match.candidate == earlier
    assert "Date of birth not known for one of them" in match.reasons
    assert "Same postcode district ZZ3" in match.reasons


def test_refreshing_twice_writes_nothing_new(world, earlier):
    new = referred(world, person("Tomasz", "Wrenfeld"))
    first = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    again = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    assert [m.pk for m in first] == [m.pk for m in again]
    assert RepeatMatch.objects.filter(referral=new).count() == 1


def test_candidates_are_narrowed_in_sql_before_scoring(world, earlier):
    """People sharing nothing with the subject (names, date of birth, district) are never
    loaded into Python, however many there are."""
    for n in range(30):
        unrelated = person(f"Unrelated{n}", "Person", dob=date(1980, 1, 1), postcode="ZZ7 1AA")
        referred(world, unrelated)
    new = referred(world, person("Tomasz", "Wrenfeld"))
    with CaptureQueriesContext(connection) as ctx:
        candidates = matching.find_candidates(new.person)
    assert candidates == [earlier]
    # The subject's aliases, the candidates, then the candidates' aliases.
    assert len(ctx.captured_queries) == 3


def test_confirm_folds_the_newer_person_into_the_earlier_one(world, earlier):
    newer = person("Tomasz", "Okonjo-Hale")
    PersonAlias.objects.create(person=newer, given_name="Tom", family_name="Hale")
    new = referred(world, newer)
    assert matching.earlier_referral_count(new) == 0
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)

    repeat_match_decide(
        match=match,
        decision=RepeatMatch.Decision.CONFIRMED,
        acting_user=world.coordinator,
        expected_version=newer.version,
    )

    new.refresh_from_db()
    newer.refresh_from_db()
    match.refresh_from_db()
    assert new.person == earlier
    assert newer.merged_into == earlier
    assert matching.earlier_referral_count(new) == 2  # "referred 2 times before"
    assert match.decision == RepeatMatch.Decision.CONFIRMED
    assert match.decided_by == world.coordinator
    aliases = {(a.given_name, a.family_name) for a in earlier.aliases.all()}
    assert aliases == {("Tomasz", "Okonjo-Hale"), ("Tom", "Hale")}
    entry = new.chronology.get(kind=ChronologyEntry.Kind.MATCH)
    assert entry.author == world.coordinator
    assert "Confirmed as the same person" in entry.text
    assert "Okonjo" not in entry.text  # no names in the chronology's summary


def test_a_merged_person_is_no_longer_offered(world, earlier):
    newer = person("Tomasz", "Okonjo-Hale")
    new = referred(world, newer)
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )
    third = referred(world, person("Tomasz", "Wrenfield"))
    found = repeat_matches_refresh(referral=third, acting_user=world.coordinator)
    assert [m.candidate for m in found] == [earlier]
    assert not Person.objects.filter(pk=newer.pk, merged_into__isnull=True).exists()


def test_reject_is_remembered_and_the_pair_not_offered_again(world, earlier):
    new = referred(world, person("Tomasz", "Wrenfeld"))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.REJECTED, acting_user=world.coordinator
    )
    assert repeat_matches_refresh(referral=new, acting_user=world.coordinator) == []
    match.refresh_from_db()
    assert match.decision == RepeatMatch.Decision.REJECTED
    new.refresh_from_db()
    assert new.person.merged_into is None and new.person != earlier
    entry = new.chronology.get(kind=ChronologyEntry.Kind.MATCH)
    assert entry.text.startswith("Not the same person")
    # A later referral of the same (new) person is not offered the rejected pair either.
    later = referred(world, new.person)
    assert repeat_matches_refresh(referral=later, acting_user=world.coordinator) == []


def test_a_decided_match_cannot_be_decided_again(world, earlier):
    new = referred(world, person("Tomasz", "Wrenfeld"))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.REJECTED, acting_user=world.coordinator
    )
    with pytest.raises(StaleEdit):
        repeat_match_decide(
            match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
        )
    new.refresh_from_db()
    assert new.person != earlier


def test_confirm_on_an_out_of_date_page_changes_nothing(world, earlier):
    newer = person("Tomasz", "Wrenfeld")
    new = referred(world, newer)
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    Person.objects.filter(pk=newer.pk).update(version=newer.version + 1)  # someone edited
    with pytest.raises(StaleEdit):
        repeat_match_decide(
            match=match,
            decision=RepeatMatch.Decision.CONFIRMED,
            acting_user=world.coordinator,
            expected_version=newer.version,
        )
    match.refresh_from_db()
    new.refresh_from_db()
    assert match.decision == RepeatMatch.Decision.PENDING
    assert new.person == newer
    assert not earlier.aliases.exists()


def test_when_the_candidate_is_the_newer_record_it_is_folded_into_the_referral_person(world):
    older = person("Lena", "Moravec", dob=date(2001, 4, 7))
    reviewed = referred(world, older, date(2020, 1, 6))
    newer = person("Lena", "Moravek", dob=date(2001, 4, 7))
    later = referred(world, newer, date(2025, 3, 3))
    (match,) = repeat_matches_refresh(referral=reviewed, acting_user=world.coordinator)
    assert match.candidate == newer

    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )

    later.refresh_from_db()
    newer.refresh_from_db()
    assert later.person == older and newer.merged_into == older
    assert matching.earlier_referral_count(reviewed) == 1
    assert later.chronology.filter(kind=ChronologyEntry.Kind.MATCH).exists()


def _moved_house(world):
    """Someone referred in 2021 with an old address and gender not recorded, referred
    again with what the new referrer has just entered."""
    older = factories.PersonFactory(
        given_name="Tomasz",
        family_name="Wrenfield",
        date_of_birth=DOB,
        gender="not_known",
        address="1 Old Road, Testbury",
        postcode="ZZ3 1AB",
        school_or_employer="Old Lane School",
        ethnicity="",
    )
    referred(world, older, date(2021, 2, 1))
    newer = factories.PersonFactory(
        given_name="Tomasz",
        family_name="Wrenfeld",
        date_of_birth=date(1999, 3, 15),
        gender="male",
        address="9 New Street, Testbury",
        postcode="ZZ3 4QQ",
        school_or_employer="Testbury College",
        ethnicity="Any other White background",
    )
    new = referred(world, newer)
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    return older, newer, new, match


def confirm(world, match, **seen_and_kept):
    return repeat_match_decide(
        match=match,
        decision=RepeatMatch.Decision.CONFIRMED,
        acting_user=world.coordinator,
        **seen_and_kept,
    )


def test_confirm_keeps_the_newer_details_by_default(world):
    older, newer, new, match = _moved_house(world)

    confirm(
        world,
        match,
        expected_version=newer.version,
        expected_candidate_version=older.version,
    )

    older.refresh_from_db()
    assert older.address == "9 New Street, Testbury"
    assert older.postcode == "ZZ3 4QQ"
    assert older.school_or_employer == "Testbury College"
    assert older.gender == "male"  # the earlier record did not know it
    assert older.ethnicity == "Any other White background"
    assert older.date_of_birth == DOB  # both known and different: the earlier one stays
    assert older.version == 2


def test_confirm_keeps_what_the_coordinator_chose_for_each_detail(world):
    older, newer, new, match = _moved_house(world)

    confirm(
        world, match, keep={"address": "earlier", "gender": "earlier", "date_of_birth": "newer"}
    )

    older.refresh_from_db()
    assert older.address == "1 Old Road, Testbury"
    assert older.gender == "not_known"
    assert older.date_of_birth == date(1999, 3, 15)
    assert older.postcode == "ZZ3 4QQ"  # not chosen: the default
    new.refresh_from_db()
    assert new.age_at_referral == 27  # the kept date of birth, on 1 November 2026


def test_the_date_of_birth_kept_sets_the_age_on_every_referral_of_the_person(world):
    older = person("Lena", "Moravec", dob=None)
    imported = referred(world, older, date(2020, 1, 6))
    assert imported.age_at_referral is None
    new = referred(world, person("Lena", "Moravec", dob=date(2001, 4, 7)))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)

    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )

    imported.refresh_from_db()
    older.refresh_from_db()
    assert older.date_of_birth == date(2001, 4, 7)
    assert imported.age_at_referral == 18


def test_a_choice_that_is_not_earlier_or_newer_saves_nothing(world):
    older, newer, new, match = _moved_house(world)
    with pytest.raises(ValueError):
        confirm(world, match, keep={"address": "mine"})
    match.refresh_from_db()
    assert match.decision == RepeatMatch.Decision.PENDING


def test_confirm_is_refused_when_the_earlier_record_changed_since_the_page_was_read(world):
    older, newer, new, match = _moved_house(world)
    Person.objects.filter(pk=older.pk).update(version=older.version + 1)  # someone edited

    with pytest.raises(StaleEdit):
        confirm(
            world,
            match,
            expected_version=newer.version,
            expected_candidate_version=older.version,
        )

    older.refresh_from_db()
    new.refresh_from_db()
    assert older.address == "1 Old Road, Testbury"
    assert new.person == newer
    assert RepeatMatch.objects.get(pk=match.pk).decision == RepeatMatch.Decision.PENDING


def test_the_details_kept_are_audited_with_every_value_masked(world):
    older, newer, new, match = _moved_house(world)

    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )

    entry = LogEntry.objects.filter(
        content_type__model="person",
        object_pk=str(older.pk),
        action=LogEntry.Action.UPDATE,
    ).get()
    assert {"address", "postcode", "school_or_employer", "gender", "ethnicity"} <= set(
        entry.changes_dict
    )
    logged = str(entry.changes_dict)
    assert "New Street" not in logged and "Old Road" not in logged and "ZZ3" not in logged
    assert "Wrenfield" not in entry.object_repr


def test_confirming_tells_each_earlier_referral_the_person_was_referred_again(world, earlier):
    first, second = earlier.referrals.order_by("received_on")
    new = referred(world, person("Tomasz", "Okonjo-Hale"))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)

    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.CONFIRMED, acting_user=world.coordinator
    )

    for old in (first, second):
        (entry,) = old.chronology.filter(kind=ChronologyEntry.Kind.MATCH)
        assert entry.text.startswith("Referred again")
        assert new.reference in entry.text
        assert entry.author == world.coordinator
        assert "Okonjo" not in entry.text and "Tomasz" not in entry.text
    (entry,) = new.chronology.filter(kind=ChronologyEntry.Kind.MATCH)
    assert first.reference in entry.text and second.reference in entry.text


def test_a_rejected_match_leaves_the_earlier_referrals_chronology_alone(world, earlier):
    new = referred(world, person("Tomasz", "Wrenfeld"))
    (match,) = repeat_matches_refresh(referral=new, acting_user=world.coordinator)
    repeat_match_decide(
        match=match, decision=RepeatMatch.Decision.REJECTED, acting_user=world.coordinator
    )
    assert not ChronologyEntry.objects.filter(
        referral__person=earlier, kind=ChronologyEntry.Kind.MATCH
    ).exists()
