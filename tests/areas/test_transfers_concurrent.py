"""Two Coordinators at once (issue 18's transfers): the locks in
referrals/services/transfers.py, with two real database connections. PostgreSQL only (SQLite
serialises writers and has no row locks)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from referrals import services
from referrals.models import AreaTransfer
from tests import factories
from tests.areas.conftest import other_area_build

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_proposals_for_one_persons_referrals_at_once_the_second_is_refused(monkeypatch):
    """Two Coordinators propose, at the same moment, transfers of two referrals of one person
    to two different areas. The person's row is locked before the referral's, so the second
    waits for the first and then finds its proposal pending: refused, never two pending
    transfers (accepting both would split the person's records between two areas)."""
    from prevent_portal.areas.models import Area, AreaQuerySet
    from tests.conftest import build_world

    world = build_world()
    here = Area.objects.get()
    monkeypatch.setattr(AreaQuerySet, "sole", lambda self: here)
    north, south = other_area_build("Northbrook", "northbrook"), other_area_build()
    person = factories.PersonFactory(area=here)
    first_referral = factories.referral(world.council, person=person)
    second_referral = factories.referral(world.council, person=person)
    first_saved, outcome = threading.Event(), []

    def propose(referral, area):
        return services.transfer_propose(
            referral=referral,
            kind=AreaTransfer.Kind.REFERRAL,
            to_area=area,
            summary="Moved away.",
            acting_user=world.coordinator,
        )

    def first():
        try:
            with transaction.atomic():
                propose(first_referral, north.area)
                first_saved.set()
                time.sleep(0.5)  # the second proposal arrives while this one is uncommitted
        finally:
            connections.close_all()

    def second():
        try:
            first_saved.wait(5)
            propose(second_referral, south.area)
            outcome.append("proposed")
        except Exception as exc:  # noqa: BLE001 - what the second Coordinator meets is the point
            outcome.append(str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome == ["This person's records already have a transfer waiting for an answer."]
    assert list(AreaTransfer.objects.values_list("referral_id", "to_area_id")) == [
        (first_referral.pk, north.area.pk)
    ]
