"""Scoring of possible repeat referrals: realistic variations of the same person match,
different people who share a common name do not."""

from datetime import date

import pytest

from referrals.matching import (
    THRESHOLD,
    PersonFacts,
    date_of_birth_relation,
    postcode_district,
    score_pair,
)

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
