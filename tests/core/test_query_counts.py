"""Pages cost the same number of queries whatever the amount of data behind them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_portal.accounts.models import Role
from referrals.models import PersonAlias
from tests import factories
from tests.conftest import sign_in


def queries_for(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["coordinator", "spoc_a", "referrer_a"])
def test_referral_list_query_count_is_constant(client, world, persona):
    user = world.persona(persona)
    for _ in range(2):
        factories.referral(world.agency_a, referrer=world.referrer_a)
    sign_in(client, user)
    client.get("/")  # settle the session
    small = queries_for(client, "/referrals/")
    for _ in range(20):
        factories.referral(world.agency_a, referrer=world.referrer_a)
        factories.referral(world.agency_b)
    large = queries_for(client, "/referrals/")
    assert small == large
    assert large <= 12


def test_referral_detail_query_count_does_not_grow_with_shares(client, world):
    from prevent_portal.accounts.grants import object_share

    ref = factories.referral(world.agency_a)
    sign_in(client, world.coordinator)
    client.get("/")
    before = queries_for(client, f"/referrals/{ref.pk}/")
    for i in range(5):
        # Only case roles receive shares (F12): each a panel member elsewhere.
        user = factories.member(Role.PANEL_MEMBER, factories.AgencyFactory())
        object_share(obj=ref, to_user=user, reason=f"r{i}", acting_user=world.coordinator)
    object_share(obj=ref, to_agency=world.agency_b, reason="agency", acting_user=world.coordinator)
    assert queries_for(client, f"/referrals/{ref.pk}/") == before


# The home page's query counts, for every role: tests/core/test_work_waiting.py.


# --- Key pages of the performance benchmark (issue 8) not covered in their apps' tests -------
def test_referral_detail_query_count_does_not_grow_with_the_chronology(client, world):
    from referrals.services import chronology_add

    ref = factories.referral(world.agency_a)
    sign_in(client, world.coordinator)
    client.get("/")
    short = queries_for(client, f"/referrals/{ref.pk}/")
    for n in range(15):
        author = world.coordinator if n % 2 else world.spoc_a
        chronology_add(referral=ref, kind="note", text=f"Note {n}", acting_user=author)
    assert queries_for(client, f"/referrals/{ref.pk}/") == short


def test_person_search_query_count_does_not_grow_with_the_people_found(client, world):
    def person(n):
        found = factories.PersonFactory(family_name="Zanderby", given_name=f"Kell{n}")
        factories.referral(world.agency_a, person=found)
        PersonAlias.objects.create(person=found, given_name="Kel", family_name="Zanderbey")

    path = "/governance/subject-access/find/?name=Zanderb"
    person(0)
    person(1)
    sign_in(client, world.coordinator)
    client.get("/")
    few = queries_for(client, path)
    for n in range(2, 22):
        person(n)
    assert queries_for(client, path) == few


def test_statistics_page_query_count_does_not_grow_with_the_referrals(client, world):
    from django.utils import timezone

    today = timezone.localdate()
    for _ in range(3):
        factories.referral(world.agency_a, received_on=today)
    sign_in(client, world.coordinator)
    client.get("/")
    few = queries_for(client, "/referrals/statistics/")
    for n in range(30):
        factories.referral(world.agency_a if n % 2 else world.agency_b, received_on=today)
    assert queries_for(client, "/referrals/statistics/") == few
