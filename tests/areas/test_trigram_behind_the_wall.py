"""The Coordinator's fuzzy name search reads only their areas' persons behind the wall.

pg_trgm's ``%`` is not LEAKPROOF, so behind the row-level security wall PostgreSQL may not
take it to the GIN index before the policy: each person branch of the search read every
person of the region (docs/performance.md, "The area wall and the name indexes"). The
persons' branches now name the user's areas (access rule 8, ``in_areas_of``): a LEAKPROOF
``area_id = ANY(...)`` that PostgreSQL takes to the ``area_id`` index.

Run as a role the wall applies to (``wall_role``), acting for the Coordinator's area, with
sequential scans priced out (tiny tables: make the choice plain). Before the change the
trigram branches were sequential scans of ``referrals_person`` (a whole-table read); now each
starts from the ``area_id`` index, and one walk tests every name column and word (no index
serves them behind the wall, so a branch per column and word only walked the same persons
again). The search still finds the same people.
"""

from __future__ import annotations

import json

import pytest

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.areas import rls
from referrals.search import candidates, parse_query, search
from tests import factories

pytestmark = pytest.mark.django_db


def _person_scans(node):
    """Every plan node that reads ``referrals_person``."""
    if node.get("Relation Name") == "referrals_person":
        yield node
    for child in node.get("Plans", []):
        yield from _person_scans(child)


def test_the_coordinators_fuzzy_search_reads_only_their_areas_persons(wall_role, world, two_areas):
    from django.db import connection

    elsewhere = two_areas.elsewhere
    for area, agency in ((two_areas.here, world.council), (elsewhere.area, elsewhere.council)):
        for n in range(3):
            person = factories.PersonFactory(area=area, given_name="Amira", family_name=f"Kh{n}n")
            factories.referral(agency, person=person)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    with rls.acting_for(area_ids_for(world.coordinator)):
        terms = parse_query("Amira Khan")
        plan = json.loads(candidates(world.coordinator, terms).explain(format="json"))
        found = {r.person.area_id for r in search(world.coordinator, terms)}
    scans = list(_person_scans(plan[0]["Plan"]))
    assert not [s for s in scans if s["Node Type"] == "Seq Scan"], scans
    # The persons' names are tested with pg_trgm's % (a Filter: not LEAKPROOF, it comes after
    # the policy) in one walk from the area_id index, both columns and both words in it: a
    # branch per column and word walked the same persons four times.
    fuzzy = [s for s in scans if " % " in s.get("Filter", "")]
    assert len(fuzzy) == 1, scans
    assert fuzzy[0]["Filter"].count(" % ") == 4, fuzzy[0]["Filter"]
    for scan in fuzzy:
        condition = scan.get("Index Cond") or scan.get("Recheck Cond") or ""
        assert "area_id" in condition, f"{scan['Node Type']} of referrals_person: {condition!r}"
    assert found == {two_areas.here.pk}
