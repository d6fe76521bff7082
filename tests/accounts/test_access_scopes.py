"""What the access module keeps within one request, and what it never keeps
(prevent_portal/accounts/access.py: ``scopes_per_request``, the model-wide shortcut)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from prevent_portal.accounts import access
from prevent_portal.accounts.models import User
from referrals.models import Referral, get_referral_for_user
from referrals.services import referral_share
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def built(monkeypatch) -> list[int]:
    """The users whose scope is built, one entry per build."""
    users: list[int] = []
    real = access.ProtectedQuerySet._scope_ids

    def counting(self, user, action, *among):
        users.append(user.pk)
        return real(self, user, action, *among)

    monkeypatch.setattr(access.ProtectedQuerySet, "_scope_ids", counting)
    return users


def _sql(queryset) -> str:
    return str(queryset.query)


def test_a_coordinator_of_one_area_is_scoped_by_the_area_alone(world):
    """Rule 2 reaches every record rule 8 lets through: no union of branches is built."""
    coordinator = User.objects.get(pk=world.coordinator.pk)
    assert "UNION" not in _sql(Referral.objects.visible_to(coordinator))
    assert "UNION" in _sql(Referral.objects.visible_to(world.spoc_a))


def test_a_share_made_during_the_request_is_seen_later_in_it(world):
    """The scope kept for the request is the query, not its answer."""
    referral = factories.referral(world.agency_a)
    spoc_b = User.objects.get(pk=world.spoc_b.pk)
    with access.scopes_per_request():
        assert not Referral.objects.visible_to(spoc_b).filter(pk=referral.pk).exists()
        referral_share(
            referral=referral, to_user=spoc_b, reason="joint work", acting_user=world.coordinator
        )
        assert Referral.objects.visible_to(spoc_b).filter(pk=referral.pk).exists()


def test_a_scope_is_built_once_per_request_and_user_and_never_kept_after(world, built):
    spoc_a = User.objects.get(pk=world.spoc_a.pk)
    spoc_b = User.objects.get(pk=world.spoc_b.pk)
    with access.scopes_per_request():
        for _ in range(3):
            list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
        list(Referral.objects.visible_to(spoc_b).values_list("pk", flat=True))
        assert built == [spoc_a.pk, spoc_b.pk]
        access.forget(spoc_a)  # roles changed: the next scope is built again
        list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
        assert built == [spoc_a.pk, spoc_b.pk, spoc_a.pk]
    list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
    list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
    assert built == [spoc_a.pk, spoc_b.pk, spoc_a.pk, spoc_a.pk, spoc_a.pk]


def test_a_scope_is_compiled_once_per_request_however_many_queries_use_it(world, monkeypatch):
    """Kept as SQL, not as a queryset that each query using it resolved and compiled again
    (a case manager's case page compiled its unions six times)."""
    unions = []
    real = SQLCompiler.get_combinator_sql

    def counting(self, *args, **kwargs):
        unions.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "get_combinator_sql", counting)
    referral = factories.referral(world.agency_a)
    spoc_a = User.objects.get(pk=world.spoc_a.pk)
    with access.scopes_per_request():
        seen = Referral.objects.visible_to(spoc_a)
        assert list(seen.filter(pk=referral.pk).values_list("pk", flat=True)) == [referral.pk]
        assert seen.filter(person=referral.person).exists()
        assert Referral.objects.visible_to(spoc_a).count() == 1
    assert unions == [Referral]


def test_among_reads_a_reach_through_a_relation_for_the_records_asked_about(world):
    """A chair reaches referrals through agenda items: with ``among``, only the items of the
    referrals asked about are read, not every item of every meeting they chaired."""
    referral = factories.referral(world.agency_a)
    chair = User.objects.get(pk=world.chair.pk)
    sql = _sql(Referral.objects.among([referral.pk]).visible_to(chair))
    assert re.search(rf'\."referral_id" IN \({referral.pk}\)', sql)
    assert not re.search(r'\."referral_id" IN \(', _sql(Referral.objects.visible_to(chair)))


def test_each_request_builds_its_own_scopes(client, world, built):
    """The middleware opens a fresh set of scopes per request and drops it after."""
    sign_in(client, world.spoc_a)
    assert client.get("/referrals/").status_code == 200
    first = len(built)
    assert first >= 1
    assert client.get("/referrals/").status_code == 200
    assert len(built) == 2 * first
    assert access._REQUEST_SCOPES.get() is None


def test_a_single_record_is_fetched_without_order_or_limit(world):
    """``the_one``: ``ORDER BY ... LIMIT`` made PostgreSQL plan a detail page's fetch four
    times as long; and what may not be seen is still not there (404)."""
    referral = factories.referral(world.agency_a)
    coordinator = User.objects.get(pk=world.coordinator.pk)
    with CaptureQueriesContext(connection) as queries:
        assert get_referral_for_user(coordinator, referral.pk) == referral
    assert queries.captured_queries
    assert not [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    with pytest.raises(Http404):
        get_referral_for_user(User.objects.get(pk=world.spoc_b.pk), referral.pk)


def test_a_scope_named_records_is_read_for_them_alone_and_not_kept(world, built):
    """``among``: every branch of the union is bounded by the records asked about (a page's
    rows), so the scope is not read for everything the user may see; such a scope is built
    for its records and not kept for the rest of the request."""
    mine = [factories.referral(world.agency_a) for _ in range(3)]
    other = factories.referral(world.agency_b)
    spoc_a = User.objects.get(pk=world.spoc_a.pk)
    wanted = [mine[0].pk, mine[1].pk, other.pk]
    with access.scopes_per_request():
        narrowed = Referral.objects.among(wanted).visible_to(spoc_a)
        assert set(narrowed.values_list("pk", flat=True)) == {mine[0].pk, mine[1].pk}
        sql = _sql(narrowed)
        branches = sql.count("UNION ALL") + 1
        # The outer filter, and one in each branch of the scope.
        listed = ", ".join(str(pk) for pk in sorted(wanted))
        assert sql.count(f"IN ({listed})") == branches + 1
        list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
        list(Referral.objects.visible_to(spoc_a).values_list("pk", flat=True))
        assert built == [spoc_a.pk, spoc_a.pk]


def test_a_users_model_permissions_are_read_without_joining_every_users_groups(world):
    """The access cache reads a user's permissions through their own groups: an OR of the
    group and user joins read every user's group memberships first (1.4-5.6 ms a request)."""
    spoc_a = User.objects.get(pk=world.spoc_a.pk)
    with CaptureQueriesContext(connection) as queries:
        assert access.roles_of(spoc_a)
    [perms] = [q["sql"] for q in queries.captured_queries if "auth_permission" in q["sql"]]
    assert "LEFT OUTER JOIN" not in perms
    coordinator = User.objects.get(pk=world.coordinator.pk)
    assert access.has_global_perm(coordinator, "referrals.view_referral")
    assert not access.has_global_perm(spoc_a, "referrals.view_referral")
