"""Scoring of possible repeat referrals: realistic variations of the same person match,
different people who share a common name do not."""

from datetime import date

import pytest

from referrals.matching import (
    THRESHOLD,
    PersonFacts,
    date_of_birth_relation,
    detail_differences,
    postcode_district,
    score_pair,
)
from referrals.models import Person

DOB = date(1999, 3, 14)
SUBJECT = PersonFacts((("Tomasz", "Wrenfield"),), DOB, "ZZ3 1AB")


def facts(given, family, dob=DOB, postcode="ZZ3 1AB", aliases=()):
    return PersonFacts(((given, family), *aliases), dob, postcode)


def test_transposed_given_and_family_names_match_and_say_so():
    result = score_pair(SUBJECT, facts("Wrenfield", "Tomasz"))
    assert result.score >= 95
    assert result.reasons[0].startswith(
        "Names match with given and family names the other way round"
    )
    assert "Same date of birth" in result.reasons


def test_one_letter_typo_still_matches_with_its_similarity():
    result = score_pair(SUBJECT, facts("Tomasz", "Wrenfeld", postcode="ZZ3 4QQ"))
    assert result.score >= 80
    assert result.reasons == [
        "Names are very similar (97%)",
        "Same date of birth",
        "Same postcode district ZZ3",
    ]


def test_changed_surname_with_same_date_of_birth_and_postcode_matches():
    result = score_pair(SUBJECT, facts("Tomasz", "Okonjo-Hale"))
    assert result.score >= THRESHOLD
    assert result.reasons[0] == (
        "Same given name, different family name (the surname may have changed)"
    )
    assert result.reasons[1:] == ["Same date of birth", "Same postcode"]


def test_missing_date_of_birth_falls_back_to_names_and_postcode_with_a_lower_score():
    with_dob = score_pair(SUBJECT, facts("Tomasz", "Wrenfield"))
    without = score_pair(SUBJECT, facts("Tomasz", "Wrenfield", dob=None))
    assert THRESHOLD <= without.score < with_dob.score
    assert "Date of birth not known for one of them" in without.reasons
    assert "Same postcode" in without.reasons


def test_same_common_name_with_different_dob_and_postcode_is_not_a_match():
    subject = facts("Adam", "Khan", dob=date(1990, 5, 2), postcode="ZZ1 2AB")
    other = facts("Adam", "Khan", dob=date(2004, 11, 23), postcode="ZZ8 7CD")
    result = score_pair(subject, other)
    assert result.score < THRESHOLD
    assert "Different date of birth" in result.reasons


def test_sibling_with_same_family_name_dob_and_address_is_not_a_match():
    assert score_pair(SUBJECT, facts("Anja", "Wrenfield")).score < THRESHOLD


def test_a_name_matching_only_an_alias_counts_and_says_so():
    candidate = facts("Tom", "Okonjo", aliases=[("Tomasz", "Wrenfield")])
    result = score_pair(SUBJECT, candidate)
    assert result.score == 100
    assert result.reasons[0] == "Same name (using an alias)"


@pytest.mark.parametrize(
    ("other", "relation", "reason"),
    [
        (date(1999, 3, 14), "same", "Same date of birth"),
        (date(1999, 4, 3), "different", "Different date of birth"),
        (date(1998, 3, 14), "digit", "Date of birth nearly the same (one digit different)"),
        (date(1999, 3, 15), "digit", "Date of birth nearly the same (one digit different)"),
        (None, "unknown", "Date of birth not known for one of them"),
    ],
)
def test_date_of_birth_relations(other, relation, reason):
    assert date_of_birth_relation(DOB, other) == relation
    assert reason in score_pair(SUBJECT, facts("Tomasz", "Wrenfield", dob=other)).reasons


def test_day_and_month_swapped_is_near():
    subject = facts("Lena", "Moravec", dob=date(2001, 4, 7))
    result = score_pair(subject, facts("Lena", "Moravec", dob=date(2001, 7, 4)))
    assert date_of_birth_relation(date(2001, 4, 7), date(2001, 7, 4)) == "swapped"
    assert "Date of birth nearly the same (day and month swapped)" in result.reasons
    assert THRESHOLD <= result.score < score_pair(subject, subject).score


def test_scores_order_the_variations_from_most_to_least_alike():
    variations = {
        "exact": facts("Tomasz", "Wrenfield"),
        "typo": facts("Tomasz", "Wrenfeld"),
        "changed surname": facts("Tomasz", "Okonjo-Hale"),
        "no date of birth": facts("Tomasz", "Wrenfield", dob=None),
        "other person": facts("Tomasz", "Wrenfield", dob=date(1970, 1, 1), postcode="ZZ8 1AA"),
    }
    scores = {name: score_pair(SUBJECT, f).score for name, f in variations.items()}
    assert list(sorted(scores, key=scores.get, reverse=True)) == list(variations)
    assert all(0 <= s <= 100 for s in scores.values())


@pytest.mark.parametrize(
    ("postcode", "district"),
    [("ZZ3 1AB", "ZZ3"), ("zz31ab", "ZZ3"), ("ZZ10 1AB", "ZZ10"), ("", ""), ("ZZ3", "")],
)
def test_postcode_district(postcode, district):
    assert postcode_district(postcode) == district


def test_postcode_written_differently_is_the_same_postcode():
    result = score_pair(SUBJECT, facts("Tomasz", "Wrenfield", postcode="zz31ab"))
    assert "Same postcode" in result.reasons


# --- Which details to keep when two records are merged ------------------------------------
def _record(**details):
    # An unsaved person: making it reads nothing (its area is filled only when it is saved).
    return Person(given_name="Tomasz", family_name="Wrenfield", **details)


def test_details_differing_default_to_the_newer_address_postcode_and_school():
    earlier = _record(
        address="1 Old Road", postcode="ZZ3 1AB", school_or_employer="Old School", gender="male"
    )
    newer = _record(
        address="9 New Street", postcode="ZZ4 2CD", school_or_employer="New College", gender="male"
    )
    shown = {(d.field, d.earlier, d.newer, d.default) for d in detail_differences(earlier, newer)}
    assert shown == {
        ("address", "1 Old Road", "9 New Street", "newer"),
        ("postcode", "ZZ3 1AB", "ZZ4 2CD", "newer"),
        ("school_or_employer", "Old School", "New College", "newer"),
    }


def test_a_known_earlier_detail_is_kept_by_default_and_an_unknown_one_filled():
    earlier = _record(date_of_birth=date(1999, 3, 14), gender="not_known", ethnicity="")
    newer = _record(date_of_birth=date(1999, 3, 15), gender="male", ethnicity="Any other White")
    defaults = {d.field: d.default for d in detail_differences(earlier, newer)}
    assert defaults == {"date_of_birth": "earlier", "gender": "newer", "ethnicity": "newer"}


def test_an_unknown_newer_detail_or_the_same_one_written_differently_is_no_choice():
    earlier = _record(
        date_of_birth=DOB, gender="female", address="14 Alder Close", postcode="ZZ4 7QT"
    )
    newer = _record(
        date_of_birth=None, gender="not_known", address="14  alder close", postcode="zz47qt"
    )
    assert detail_differences(earlier, newer) == []
