"""An agency member's referrals in the areas its agency serves are one index range.

The first branch of an agency member's scope (access rule 3, bounded by rule 8) is the
referrals their agency owns in the areas it serves: ``owning_agency_id IN (...) AND area_id IN
(...)``. With an index on each column alone, PostgreSQL combined them and read every referral
of the area (33,861 index entries for a SPOC's 546 in the search benchmark's million: 2.9 ms
of a 0.2 ms statement; docs/performance.md). ``referral_agency_area_idx`` holds both.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.areas import rls
from referrals.models import Referral
from tests import factories
from tests.plans import plan_nodes

pytestmark = pytest.mark.django_db


def test_an_agencys_referrals_in_its_areas_are_one_index_range(wall_role, world, two_areas):
    elsewhere = two_areas.elsewhere
    for area, agency in ((two_areas.here, world.agency_a), (elsewhere.area, elsewhere.partner)):
        for _ in range(3):
            factories.referral(agency, person=factories.PersonFactory(area=area))
    factories.referral(world.agency_b, person=factories.PersonFactory(area=two_areas.here))
    with connection.cursor() as cursor:
        # Tiny tables: price out the plans that read more than one index range, so the
        # question is only whether an index holds both conditions.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    with rls.acting_for(area_ids_for(world.spoc_a)):
        seen = Referral.objects.visible_to(world.spoc_a)
        plan = json.loads(seen.explain(format="json"))[0]["Plan"]
        count = seen.count()
    conditions = [
        n.get("Index Cond", "")
        for n in plan_nodes(plan)
        if n.get("Relation Name") == "referrals_referral"
    ]
    assert any("owning_agency_id" in c and "area_id" in c for c in conditions), conditions
    assert count == 3
