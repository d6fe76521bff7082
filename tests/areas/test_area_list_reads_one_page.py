"""A Coordinator's list reads one page of their area, whatever other areas hold (issue 18,
branch `list18`).

A Coordinator holds the model-wide sight of case content (access rule 2) in the one area they
work in (rule 8 bounds everything else to it). ``visible_to`` gave them
``area_id IN (A) AND pk IN (area branch UNION ALL agency UNION ALL grants...)``: PostgreSQL
read every referral of the area through the ``area_id`` index, probed each by primary key and
sorted them all for one page of 25, and in the shared table those rows lie scattered among
the other areas' (1.54 times the cost of the area alone, docs/performance.md). When the
model-wide sight covers every area the user works in, the other branches add nothing: the
area filter alone is the answer, and the list walks ``referral_area_list_idx`` in its order.

These tests hold the class, not the case: for every protected model and every persona of a
two-area world the short form gives exactly the rows of the long one; it is taken only when
the model-wide sight covers every area of the user; and the Coordinator's first page behind
the wall is an index walk in the list's order, with no sort and no semi-join.
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from prevent_portal.accounts import services
from prevent_portal.accounts.access import ProtectedQuerySet, area_ids_for
from prevent_portal.accounts.models import Role
from prevent_portal.areas import rls
from referrals.models import Referral
from tests import factories
from tests.conftest import PERSONAS
from tests.plans import plan_nodes

pytestmark = pytest.mark.django_db


def _branch_scoped_models():
    """Protected models whose sight is the access module's branches (``_with_action``); a
    few (the person) define ``visible_to`` from another model's instead."""
    found = []
    for model in apps.get_models():
        records = model._default_manager.get_queryset()
        if not isinstance(records, ProtectedQuerySet):
            continue
        try:
            model._meta.get_field(records.agency_field.split("__")[0])
        except FieldDoesNotExist:
            continue
        found.append(model)
    return found


def _long_form(model, user, action="view"):
    """What ``visible_to`` gave before: the area filter and every branch of the scope."""
    records = model._default_manager.get_queryset()
    return records.in_areas_of(user).filter(pk__in=records._scope_ids(user, action))


def test_the_short_form_gives_exactly_the_rows_of_every_branch(world, two_areas):
    elsewhere = two_areas.elsewhere
    # Records in both areas, owned by the council and by a partner, and one shared by a grant.
    for area, agency in ((two_areas.here, world.agency_a), (elsewhere.area, elsewhere.partner)):
        for _ in range(2):
            factories.referral(agency, person=factories.PersonFactory(area=area))
    # A Coordinator of one area who is also a SPOC in the other: model-wide sight in one of
    # their two areas only, so the long form must still be used for them.
    mixed = factories.member(Role.COORDINATOR, world.council, username="mixed-coordinator")
    services.membership_grant(
        user=mixed, agency=elsewhere.partner, role=Role.SPOC, acting_user=None
    )
    users = [world.persona(name) for name in PERSONAS if name != "anonymous"]
    users += [*elsewhere.staff, mixed]
    walked = _branch_scoped_models()
    assert {"referrals.referral", "channel_panel.channelcase"} <= {
        m._meta.label_lower for m in walked
    }
    for model in walked:
        plain = model._default_manager.get_queryset()
        for user in users:
            got = set(plain._with_action(user, "view").values_list("pk", flat=True))
            expected = set(_long_form(model, user).values_list("pk", flat=True))
            assert got == expected, (model._meta.label, user.username)
    from prevent_portal.accounts.access import _model_wide_everywhere

    perm = "referrals.view_referral"
    assert _model_wide_everywhere(world.coordinator, perm)
    assert not _model_wide_everywhere(mixed, perm)
    assert not _model_wide_everywhere(world.spoc_a, perm)
    # The mixed Coordinator sees their own area's referrals and the partner's elsewhere.
    seen = set(Referral.objects.visible_to(mixed).values_list("area", flat=True))
    assert seen == {two_areas.here.pk, elsewhere.area.pk}


def test_the_coordinators_first_page_behind_the_wall_walks_the_area_index(
    wall_role, world, two_areas
):
    from django.db import connection

    elsewhere = two_areas.elsewhere
    for area, agency in ((two_areas.here, world.agency_a), (elsewhere.area, elsewhere.partner)):
        for _ in range(3):
            factories.referral(agency, person=factories.PersonFactory(area=area))
    with connection.cursor() as cursor:
        # Tiny tables: make the planner's choice the one it makes at scale, whatever
        # statistics the tests before this one left (with a sort allowed, a full run's
        # statistics have led it to the area index and a sort of three rows). The question
        # is whether the query's shape lets a plan read one page in the list's order.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    with rls.acting_for(area_ids_for(world.coordinator)):
        page = Referral.objects.visible_to(world.coordinator)[:25]
        plan = json.loads(page.explain(format="json"))[0]["Plan"]
        shown = {r.area_id for r in page}
    nodes = list(plan_nodes(plan))
    scans = [n for n in nodes if n.get("Relation Name") == "referrals_referral"]
    # One read of the referrals table, in the list's order, through an index (at scale the
    # area's list index, referral_area_list_idx; on tables this small the planner may walk
    # received_on instead): no sort of the area's rows, no second read for a semi-join.
    assert [s["Node Type"] for s in scans] == ["Index Scan"], scans
    assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")], nodes
    assert shown == {two_areas.here.pk}
