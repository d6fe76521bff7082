"""The transfer lifecycle at random (referrals/transfer_lifecycle.py): any order of
proposals, withdrawals, declines and acceptances, by any Coordinator or chair of either area,
keeps a person's records together in one area, with at most one transfer waiting, a trace
left behind for every referral that moved, and sight only in the area that holds them."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused
from referrals import services
from referrals.models import AreaTransfer, Person, Referral, TransferTrace
from referrals.transfer_lifecycle import TRANSFER_LIFECYCLE
from tests import factories
from tests.areas.conftest import two_areas  # noqa: F401 - the fixture, shared with tests/areas
from tests.lifecycle_audit import lifecycle_changes_audited

pytestmark = pytest.mark.django_db

ACTORS = ["here_coordinator", "there_coordinator", "here_chair", "there_chair"]
steps = st.lists(
    st.tuples(
        st.sampled_from(["propose", "withdraw", "decline", "accept"]),
        st.sampled_from(ACTORS),
        st.booleans(),  # a stale version
    ),
    min_size=1,
    max_size=8,
)


# Every record the steps change must leave an audit entry naming the change, and a new version.
AUDITED = [
    (Person, ["area"]),
    (Referral, ["area", "assigned_officer", "owning_agency"]),
    (AreaTransfer, TRANSFER_LIFECYCLE.audited_fields),
]


def _run(step, actor, stale, first, pending, area_before, here, there):
    if step == "propose":
        services.transfer_propose(
            referral=Referral.objects.get(pk=first.pk),
            kind="referral",
            to_area=there if area_before == here.pk else here,
            summary="Moved house.",
            acting_user=actor,
        )
    elif pending is not None:
        version = pending.version + (1 if stale else 0)
        kwargs = {"reason": "Not yet"} if step == "decline" else {}
        getattr(services, f"transfer_{step}")(
            transfer=pending, expected_version=version, acting_user=actor, **kwargs
        )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
# There and back again, always tried: the moves themselves, in both directions.
@example(
    sequence=[
        ("propose", "here_coordinator", False),
        ("accept", "there_coordinator", True),
        ("accept", "there_coordinator", False),
        ("propose", "there_coordinator", False),
        ("accept", "here_coordinator", False),
    ]
)
def test_any_order_of_steps_keeps_a_person_whole_and_in_one_area(world, two_areas, sequence):  # noqa: F811, E501
    here, there = two_areas.here, two_areas.elsewhere.area
    actors = {
        "here_coordinator": world.coordinator,
        "there_coordinator": two_areas.elsewhere.coordinator,
        "here_chair": world.chair,
        "there_chair": two_areas.elsewhere.chair,
    }
    coordinator_of = {here.pk: world.coordinator, there.pk: two_areas.elsewhere.coordinator}
    with transaction.atomic():
        person = factories.PersonFactory()
        first = factories.referral(world.council, person=person)
        factories.referral(world.agency_a, person=person)
        moves = 0
        for step, actor_key, stale in sequence:
            actor = actors[actor_key]
            pending = AreaTransfer.objects.pending().filter(referral=first).first()
            area_before = Person.objects.get(pk=person.pk).area_id
            try:
                with contextlib.ExitStack() as audited:
                    for model, fields in AUDITED:
                        audited.enter_context(lifecycle_changes_audited(model, fields))
                    _run(step, actor, stale, first, pending, area_before, here, there)
            except (TransitionRefused, StaleEdit):
                pass
            area_now = Person.objects.get(pk=person.pk).area_id
            if area_now != area_before:
                moves += 1
                # Only the receiving area's Coordinator, on a fresh version, moves anything.
                assert step == "accept" and not stale
                assert actor == coordinator_of[area_now]
            # The person's records are never split between two areas.
            assert set(Referral.objects.filter(person=person).values_list("area", flat=True)) == {
                area_now
            }
            assert AreaTransfer.objects.pending().filter(referral__person=person).count() <= 1
            # Two referrals leave a trace each time they move.
            assert TransferTrace.objects.count() == 2 * moves
            # Only the Coordinator of the area holding them sees them.
            holder, other = (
                coordinator_of[area_now],
                coordinator_of[here.pk if area_now == there.pk else there.pk],
            )
            assert Referral.objects.visible_to(holder).filter(person=person).count() == 2
            assert not Referral.objects.visible_to(other).filter(person=person).exists()
        transaction.set_rollback(True)
