"""The repeat-referral blocks (``matching.candidate_ids``) against a plain-Python statement
of the same rule, over generated persons with aliases: the UNION of index-friendly branches
must find exactly the persons the rule names, no more and no fewer."""

import random
from datetime import date

import pytest

from referrals import matching
from referrals.matching import PersonFacts, normalise_name, postcode_district, swapped_day_month
from referrals.models import Person, PersonAlias
from tests import factories

pytestmark = pytest.mark.django_db

# Few prefixes, dates and districts, so that every block and every near miss occurs.
SYLLABLES = ["Tom", "Wre", "Oko", "Ali", "Bex", "Tomasz", "Wrenfield", "Alina"]
DATES = [None, date(1999, 3, 4), date(1999, 4, 3), date(2001, 5, 5)]
POSTCODES = ["", "ZZ3 1AB", "ZZ3 9QQ", "ZZ8 2CD", "zz31ab"]


def name(rng) -> str:
    return rng.choice(SYLLABLES) + rng.choice(["", "son", "a", "ley"])


def starts(value: str, prefixes: set[str]) -> bool:
    return any(normalise_name(value).startswith(p) for p in prefixes)


def rule(subject: PersonFacts, other: PersonFacts) -> bool:
    """The blocks of matching.candidate_ids, written out for one pair of persons."""
    dates = set()
    if subject.date_of_birth:
        dates = {subject.date_of_birth, swapped_day_month(subject.date_of_birth)} - {None}
    if other.date_of_birth in dates:
        return True
    prefixes = matching._prefixes(subject)
    if not prefixes:
        return False
    own, aliases = other.names[0], other.names[1:]
    district = postcode_district(subject.postcode)
    # istartswith on the stored postcode, as the query does (case ignored, spaces kept).
    in_district = district and other.postcode.upper().startswith(district.upper())
    if in_district and any(starts(part, prefixes) for pair in other.names for part in pair):
        return True
    # A given and a family prefix from the own name, one alias, or the own name and an alias.
    pairs = [own, *aliases]
    pairs += [(own[0], alias[1]) for alias in aliases]
    pairs += [(alias[0], own[1]) for alias in aliases]
    return any(starts(given, prefixes) and starts(family, prefixes) for given, family in pairs)


@pytest.mark.parametrize("seed", range(4))
def test_the_blocks_find_exactly_the_persons_the_rule_names(seed):
    rng = random.Random(seed)
    for _ in range(60):
        stored = factories.PersonFactory(
            given_name=name(rng),
            family_name=name(rng),
            date_of_birth=rng.choice(DATES),
            postcode=rng.choice(POSTCODES),
        )
        for _ in range(rng.choice([0, 0, 1, 2])):
            PersonAlias.objects.create(person=stored, given_name=name(rng), family_name=name(rng))
    people = list(Person.objects.prefetch_related("aliases"))
    facts = {p.pk: PersonFacts.of(p) for p in people}
    checked = 0
    for subject in rng.sample(people, 12):
        expected = {pk for pk, other in facts.items() if rule(facts[subject.pk], other)}
        found = set(matching.candidate_ids(facts[subject.pk]).values_list("pk", flat=True))
        assert found == expected, subject
        checked += len(expected)
    # The data put persons in the blocks, not only outside them.
    assert checked > 12


def test_a_given_name_from_one_alias_and_a_family_name_from_another_is_no_block():
    subject = PersonFacts((("Tomasz", "Wrenfield"),), None, "")
    stored = factories.PersonFactory(
        given_name="Xavier", family_name="Yates", date_of_birth=None, postcode=""
    )
    PersonAlias.objects.create(person=stored, given_name="Tomek", family_name="Quill")
    PersonAlias.objects.create(person=stored, given_name="Pia", family_name="Wrenn")
    assert not matching.candidate_ids(subject).exists()
    PersonAlias.objects.create(person=stored, given_name="Tommy", family_name="Wrenn")
    assert list(matching.candidate_ids(subject).values_list("pk", flat=True)) == [stored.pk]
