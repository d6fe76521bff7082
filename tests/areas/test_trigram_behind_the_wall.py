"""The Coordinator's fuzzy name search reads only their areas' persons behind the wall.

pg_trgm's ``%`` is not LEAKPROOF, so behind the row-level security wall PostgreSQL may not
take it to the GIN index before the policy: each person branch of the search read every
person of the region (docs/performance.md, "The area wall and the name indexes"). The
persons' branches now name the user's areas (access rule 8, ``in_areas_of``): a LEAKPROOF
``area_id = ANY(...)`` that PostgreSQL takes to the ``area_id`` index.

Run as a role the wall applies to (``wall_role``), acting for the Coordinator's area, with
sequential scans priced out (tiny tables: make the choice plain). Before the change the
trigram branches were sequential scans of ``referrals_person`` (a whole-table read); now each
starts from the ``area_id`` index, and one walk of the area's persons, each joined to their
other names, tests every name column and word (no index serves them behind the wall, so a
branch per column and word only walked the same persons again, and the region's aliases).
The search still finds the same people, those known by another name included.
"""

from __future__ import annotations

import json

import pytest

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.areas import rls
from referrals.models import Person, PersonAlias, Referral
from referrals.search import candidates, parse_query, search
from tests import factories
from tests.conftest import become_wall_role
from tests.plans import plan_nodes

pytestmark = pytest.mark.django_db


def test_the_coordinators_fuzzy_search_reads_only_their_areas_persons(wall_role, world, two_areas):
    from django.db import connection

    elsewhere = two_areas.elsewhere
    known_as = {}
    for area, agency in ((two_areas.here, world.council), (elsewhere.area, elsewhere.council)):
        for n in range(3):
            person = factories.PersonFactory(area=area, given_name="Amira", family_name=f"Kh{n}n")
            factories.referral(agency, person=person)
        # Known here under another name only: found through the alias.
        other = factories.PersonFactory(area=area, given_name="Zed", family_name="Quorn")
        factories.referral(agency, person=other)
        PersonAlias.objects.create(person=other, given_name="Amira", family_name="Khan")
        known_as[area.pk] = other.pk
    with connection.cursor() as cursor:
        # Fresh statistics, so the plan follows from these rows and not from when the
        # autovacuum last analysed the tables (a plan read under load once started from
        # another index). ANALYZE is the tables' owner's; the probe role owns nothing.
        if wall_role:
            cursor.execute("RESET ROLE")
        for model in (Person, PersonAlias, Referral):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    become_wall_role()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with rls.acting_for(area_ids_for(world.coordinator)):
        terms = parse_query("Amira Khan")
        plan = json.loads(candidates(world.coordinator, terms).explain(format="json"))
        found = {(r.person.area_id, r.person.pk) for r in search(world.coordinator, terms)}
    nodes = list(plan_nodes(plan[0]["Plan"]))
    scans = [n for n in nodes if n.get("Relation Name") == "referrals_person"]
    assert not [s for s in scans if s["Node Type"] == "Seq Scan"], scans
    # The names are tested with pg_trgm's % (not LEAKPROOF: a filter, after the policy) in
    # one walk of the area's persons, each joined to their other names: every column and
    # word, the person's own and their aliases', in one condition. A branch per column and
    # word walked the same persons four times, and the region's aliases four times more.
    fuzzy = [n for n in nodes if " % " in n.get("Filter", "") + n.get("Join Filter", "")]
    assert len(fuzzy) == 1, fuzzy
    condition = fuzzy[0].get("Filter", "") + fuzzy[0].get("Join Filter", "")
    assert condition.count(" % ") == 8, condition
    walked = [s for s in scans if s.get("Parent Relationship") != "SubPlan"]
    assert any("area_id" in (s.get("Index Cond") or s.get("Recheck Cond") or "") for s in walked)
    assert {area for area, _ in found} == {two_areas.here.pk}
    assert (two_areas.here.pk, known_as[two_areas.here.pk]) in found
