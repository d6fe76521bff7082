"""The access cache's two reads, compiled once and run with each user's id
(prevent_portal/core/compiled.py): the same rows as the ORM's own reads, and no compiling
after the first."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ImproperlyConfigured
from django.db.models.sql.compiler import SQLCompiler

from prevent_portal.accounts import access
from prevent_portal.accounts.models import Membership, Role
from prevent_portal.areas.models import Area
from prevent_portal.core.compiled import CompiledPerId
from tests import factories


def _orm_rows(user) -> list[tuple]:
    return list(access._membership_rows(Membership.objects.filter(user=user)))


def _orm_permissions(user) -> set[tuple[str, str]]:
    held = Permission.objects.filter(group__user=user) | Permission.objects.filter(user=user)
    return set(held.values_list("content_type__app_label", "codename"))


@pytest.fixture
def users(world):
    """Users whose reads differ: roles at two agencies, one serving two areas and one none,
    a membership waiting for approval, a permission held directly and through a group."""
    west = Area.objects.create(name="Westbrook", short_code="westbrook")
    world.agency_b.areas.add(west)
    nowhere = factories.AgencyFactory(name="Unplaced agency", short_code="unplaced")
    nowhere.areas.clear()
    spoc = factories.member(Role.SPOC, world.agency_b, username="two-areas")
    factories.member(Role.SPOC, nowhere, username="spare")
    Membership.objects.create(
        user=spoc, agency=nowhere, role=Role.PANEL_MEMBER, status=Membership.Status.APPROVED
    )
    Membership.objects.create(
        user=spoc, agency=world.agency_a, role=Role.SPOC, status=Membership.Status.PENDING
    )
    spoc.user_permissions.add(Permission.objects.get(codename="view_area"))
    spoc.groups.add(Group.objects.create(name="test: extra"))
    Group.objects.get(name="test: extra").permissions.add(
        Permission.objects.get(codename="view_sector")
    )
    return [spoc, world.coordinator, world.chair, world.no_role, world.sysadmin]


def test_the_compiled_reads_give_the_orms_rows(users):
    for user in users:
        assert access._MEMBERSHIP_ROWS.rows(user.pk) == _orm_rows(user), user.username
        assert set(access._PERMISSIONS.rows(user.pk)) == _orm_permissions(user), user.username
    spoc = users[0]
    assert {area for *_, area in access._MEMBERSHIP_ROWS.rows(spoc.pk)} >= {None}
    assert ("areas", "view_area") in access._PERMISSIONS.rows(spoc.pk)
    assert ("accounts", "view_sector") in access._PERMISSIONS.rows(spoc.pk)


def test_a_users_access_cache_compiles_nothing_after_the_first(users, monkeypatch):
    access._AccessCache(users[0])  # compiled here, at the latest
    expected = {user.pk: {role for _, _, role, _ in _orm_rows(user)} for user in users}
    compiled = []
    real = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    for user in users:
        assert access._AccessCache(user).roles == expected[user.pk]
    assert compiled == []


def test_a_read_without_the_id_among_its_parameters_is_refused(db):
    with pytest.raises(ImproperlyConfigured):
        CompiledPerId(lambda pk: Area.objects.values_list("pk")).rows(1)
