"""The shared world (tests/conftest.py, SharedWorld): built once per module, it must still
look to every test as if built for it alone. The tests run in file order: the first changes
the world in the database and in memory, the next ones find none of it."""

import pytest
from django.db import connection

from prevent_portal.accounts.models import User
from referrals.models import Referral
from tests.conftest import SharedWorld


def test_a_test_may_change_the_world(world):
    world.coordinator.first_name = "Changed in memory"
    User.objects.filter(pk=world.spoc_a.pk).update(first_name="Changed in the database")
    world.agency_a.name = "Renamed"
    world.agency_a.save()
    # Fills the access module's per-user cache on this copy of spoc_a.
    list(Referral.objects.visible_to(world.spoc_a))
    assert hasattr(world.spoc_a, "_prevent_access_cache")


def test_the_next_test_finds_the_world_as_built(world):
    assert world.coordinator.first_name == "Test"
    assert User.objects.get(pk=world.spoc_a.pk).first_name == "Test"
    assert world.agency_a.name == "Agency A"
    world.agency_a.refresh_from_db()
    assert world.agency_a.name == "Agency A"
    assert not hasattr(world.spoc_a, "_prevent_access_cache")


def test_each_test_has_objects_of_its_own(world):
    other = SharedWorld.current.world_copy()
    assert other.coordinator == world.coordinator
    assert other.coordinator is not world.coordinator


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_transactional_test_never_runs_inside_the_shared_world(world):
    """pytest-django runs it after the tests above, straight after them when this file runs
    alone: the shared world's transaction must be closed by then, and this test's world is
    its own, committed."""
    assert not connection.in_atomic_block
    assert User.objects.filter(pk=world.coordinator.pk).exists()
