"""No page's query count grows with the number of council areas (issue 18, scale).

The main list pages are counted with two areas holding work, then with six, each area with
its own council, partner, referral, person, Channel case and panel meeting, and the world's
agency A serving every area (a cross-area SPOC's list spans them all). The counts must be
equal: a page that asked something per area would grow by four or more. Module-scoped data
would be cheaper, but the areas are made inside each test's transaction (the world's copy);
one test walks every page per step instead, so each step is built once.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channel_panel.services import case_adopt
from prevent_portal.areas.models import AreaQuerySet
from tests import factories
from tests.areas.conftest import other_area_build
from tests.conftest import sign_in

# (page, persona, path): the main list pages of issue 18's list.
PAGES = [
    ("referral list", "coordinator", "/referrals/"),
    ("referral list, cross-area SPOC", "spoc_a", "/referrals/"),
    ("triage queue", "coordinator", "/referrals/triage/"),
    ("case list", "coordinator", "/panel/cases/"),
    ("case list, cross-area SPOC", "spoc_a", "/panel/cases/"),
    ("meeting list", "coordinator", "/panel/meetings/"),
    ("meeting list", "chair", "/panel/meetings/"),
    ("dashboard", "manager", "/governance/dashboard/"),
]


def _area_with_work(world, n: int) -> None:
    """Area n: its council and partner, a referral of the partner's and one of agency A's
    (which serves it too), an open Channel case and a planned meeting there."""
    other = other_area_build(name=f"Area {n}", code=f"area-{n}")
    world.agency_a.areas.add(other.area)
    for agency in (other.partner, world.agency_a):
        factories.referral(agency, person=factories.PersonFactory(area=other.area))
    passed = factories.panel_referral(
        other.partner, person=factories.PersonFactory(area=other.area)
    )
    factories.assessment(passed, author=other.coordinator)
    case_adopt(
        referral=passed,
        lead_agency=other.partner,
        case_manager=factories.case_manager_at(other.partner),
        adopted_on=passed.received_on,
        acting_user=None,
    )
    factories.meeting(other.chair)


def _counts(client, world) -> dict[str, int]:
    counts = {}
    for page, persona, path in PAGES:
        sign_in(client, world.persona(persona))
        client.get("/")  # settle the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (page, persona, response.status_code)
        counts[f"{page} ({persona})"] = len(queries.captured_queries)
    return counts


@pytest.mark.django_db
def test_main_list_pages_cost_the_same_queries_with_two_areas_and_with_six(
    client, world, monkeypatch
):
    here = world.council.areas.get()
    # Records made without naming an area fall into the world's (as in tests/areas' two_areas).
    monkeypatch.setattr(AreaQuerySet, "sole", lambda self: here)
    manager = factories.case_manager_at(world.agency_a)
    factories.referral(world.agency_a)
    factories.channel_case(world.agency_a, manager)
    factories.meeting(world.chair)
    _area_with_work(world, 1)
    two = _counts(client, world)
    for n in range(2, 6):
        _area_with_work(world, n)
    six = _counts(client, world)
    assert six == two
