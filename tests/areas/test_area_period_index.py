"""An area's referrals received in a period are read by one index range (issue 18).

The statistics page and the dashboard's period figures count an area's referrals received in
a period, de-personalised ones included, so the area list's partial index cannot serve them.
With only an index on the area and one on the day received, PostgreSQL combined the two: the
area's rows and the whole region's period (26,882 index entries for the 345 counted at scale
1), 3.6-7.4 ms more of each statistics page (docs/performance.md). ``referral_area_received_idx``
(area, received_on) reads the area's period alone.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from prevent_portal.accounts.access import area_ids_for
from prevent_portal.areas import rls
from referrals.models import Referral
from tests import factories
from tests.plans import plan_nodes

pytestmark = pytest.mark.django_db


def test_an_areas_period_is_one_index_range(wall_role, world, two_areas):
    elsewhere = two_areas.elsewhere
    for area, agency in ((two_areas.here, world.agency_a), (elsewhere.area, elsewhere.partner)):
        for _ in range(3):
            factories.referral(agency, person=factories.PersonFactory(area=area))
    today = timezone.localdate()
    with connection.cursor() as cursor:
        # Tiny tables: price out the plans that read more than one index range, so the
        # question is only whether an index holds both conditions.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    with rls.acting_for(area_ids_for(world.coordinator)):
        period = Referral.objects.filter(
            area__in=[two_areas.here.pk], received_on__range=(today - timedelta(days=365), today)
        )
        plan = json.loads(period.explain(format="json"))[0]["Plan"]
        counted = period.count()
    scans = [n for n in plan_nodes(plan) if n.get("Relation Name") == "referrals_referral"]
    assert len(scans) == 1, scans
    condition = scans[0].get("Index Cond", "")
    assert "area_id" in condition and "received_on" in condition, scans[0]
    assert counted == 3
