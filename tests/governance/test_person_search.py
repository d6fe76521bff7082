"""Finding the person for a subject access request by name: every word must start one of the
person's names or other names (case ignored, each word on its own), a person is listed once
however many of their names match, ``%`` and ``_`` are letters, and the search reaches only
live persons the user may see. On PostgreSQL each name column is searched through its own
``text_pattern_ops`` index on the names in capitals, with the council-area wall up
(docs/performance.md, miss 3 and "The area wall and the name indexes")."""

from __future__ import annotations

import pytest
from django.db import connection

from governance.views.subject_access import named_starting, people_matching
from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from referrals.models import Person, PersonAlias
from tests import factories

NAME_INDEXES = {
    "person_given_upper_idx": "referrals_person",
    "person_family_upper_idx": "referrals_person",
    "alias_given_upper_idx": "referrals_personalias",
    "alias_family_upper_idx": "referrals_personalias",
}


@pytest.fixture
def people(world):
    """Amira Khan (also known as Mira Hollis) and Amira Stone, both referred by agency A."""
    khan = factories.PersonFactory(given_name="Amira", family_name="Khan")
    PersonAlias.objects.create(person=khan, given_name="Mira", family_name="Hollis")
    stone = factories.PersonFactory(given_name="Amira", family_name="Stone")
    for person in (khan, stone):
        factories.referral(world.agency_a, person=person)
    return khan, stone


def found(user, name):
    return [p.pk for p in people_matching(user, {"name": name})]


def test_each_word_may_start_any_own_or_other_name_and_every_word_must_match(world, people):
    khan, stone = people
    assert found(world.coordinator, "AMIRA") == [khan.pk, stone.pk]  # by family name
    assert found(world.coordinator, "hol amir") == [khan.pk]  # other family name, own given
    assert found(world.coordinator, "mira") == [khan.pk]  # other given name only
    assert found(world.coordinator, "khan stone") == []
    assert found(world.coordinator, "mir ston") == []  # "Mira" is Khan's, not Stone's


def test_a_person_matching_by_several_names_is_listed_once_with_their_referrals_counted(
    world, people
):
    khan, _ = people
    PersonAlias.objects.create(person=khan, given_name="Amirah", family_name="Khanum")
    factories.referral(world.agency_a, person=khan)
    [listed] = people_matching(world.coordinator, {"name": "kha"})
    assert (listed.pk, listed.referral_count) == (khan.pk, 2)
    assert found(world.coordinator, "amir") == [khan.pk, people[1].pk]


def test_percent_and_underscore_in_a_name_are_letters_not_wildcards(world, people):
    khan, _ = people
    assert found(world.coordinator, "K_an") == []
    assert found(world.coordinator, "%han") == []
    assert found(world.coordinator, "Kh") == [khan.pk]


def test_the_search_reaches_only_live_persons_the_user_may_see(world, people):
    khan, stone = people
    assert found(world.spoc_b, "amira") == []  # agency A's persons
    Person.objects.filter(pk=stone.pk).update(merged_into=khan)
    assert found(world.coordinator, "amira") == [khan.pk]


def test_each_name_column_has_its_upper_case_prefix_index(db):
    """Persons (walled) are indexed on their generated capitalised columns, aliases (not
    walled) on UPPER(column): on PostgreSQL both with the pattern operator class."""
    with connection.cursor() as cursor:
        for index, table in NAME_INDEXES.items():
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = %s AND tablename = %s",
                    [index, table],
                )
            else:
                cursor.execute(
                    "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s "
                    "AND tbl_name = %s",
                    [index, table],
                )
            [(definition,)] = cursor.fetchall()
            upper = "_NAME_UPPER" if table == "referrals_person" else "UPPER("
            assert upper in definition.upper(), definition
            if connection.vendor == "postgresql":
                assert "text_pattern_ops" in definition, definition
    person = Person(given_name="Zoe", family_name="o'Neil", area=Area.objects.first())
    person.save()
    person.refresh_from_db()
    assert (person.given_name_upper, person.family_name_upper) == ("ZOE", "O'NEIL")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_on_postgresql_each_name_column_is_searched_through_its_index_with_the_wall_up(
    wall_role, world, people
):
    """Behind a row-level security policy PostgreSQL takes a condition to an index before
    the policy only when it is LEAKPROOF (LIKE and UPPER() are not, ^@ is): the persons are
    searched by ^@ on their capitalised names. Run as a role the wall applies to (the tests'
    superuser would pass through it), acting for the world's area only."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: make the choice plain
        cursor.execute(
            "SELECT c.relforcerowsecurity FROM pg_class c WHERE c.relname = 'referrals_person'"
        )
        assert cursor.fetchone()[0] is rls.enabled()
    khan, stone = people
    with rls.acting_for({Area.objects.get().pk}):
        plan = named_starting("Kha").explain()
        assert list(named_starting("Kha")) == [{"pk": khan.pk}]
        assert sorted(p.pk for p in people_matching(world.coordinator, {"name": "amira"})) == [
            khan.pk,
            stone.pk,
        ]
    assert "Seq Scan" not in plan, plan
    for index in NAME_INDEXES:
        assert index in plan, plan
