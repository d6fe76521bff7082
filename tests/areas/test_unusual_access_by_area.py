"""The unusual-access report names its council areas (issue 18, branch `wall18`).

The access log has no area and no wall: the Coordinator's report ("every agency") listed
who in every council of the region opened which record, and their busy days, on PostgreSQL
with the wall up too (only the owner of another area's record was hidden by it). Now a
Coordinator's report covers the staff of the agencies serving their area and the records of
their area. Failed before on PostgreSQL with the wall up: the other area's Coordinator saw this
area's user's busy day (and, with the wall off, the rows with the reference too).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts.grants import object_share
from tests import factories
from tests.audit.test_unusual_access import london, opened
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_a_coordinator_reports_on_their_own_areas_staff_and_records(
    client, world, two_areas, settings
):
    settings.UNUSUAL_ACCESS_DAILY_THRESHOLD = 1
    referral = factories.referral(world.agency_b)
    object_share(
        obj=referral, to_agency=world.agency_a, reason="joint work", acting_user=world.coordinator
    )
    busy = timezone.localdate() - timedelta(days=1)
    opened(world.panel_a, [referral, factories.referral(world.agency_b)], at=london(busy, 10))
    url = reverse("audit:unusual_access")

    sign_in(client, world.coordinator)
    ours = client.get(url).context["report"]
    assert {r.user_id for r in ours.rows} == {world.panel_a.pk}
    assert [d.user_id for d in ours.busy_days] == [world.panel_a.pk]
    client.logout()

    sign_in(client, two_areas.elsewhere.coordinator)
    response = client.get(url)
    theirs = response.context["report"]
    assert theirs.rows == [] and theirs.busy_days == []
    assert referral.reference not in response.content.decode()
    assert world.agency_a.name not in response.content.decode()  # not among the choices
