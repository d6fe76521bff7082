"""Two Coordinators at once (issue 18's transfers): the locks in
referrals/services/transfers.py, with two real database connections. PostgreSQL only (SQLite
serialises writers and has no row locks)."""

from __future__ import annotations

import pytest
from django.db import connection

from referrals import services
from referrals.models import AreaTransfer
from tests import factories
from tests.areas.conftest import other_area_build
from tests.concurrency import while_uncommitted

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

    def propose(referral, area):
        return services.transfer_propose(
            referral=referral,
            kind=AreaTransfer.Kind.REFERRAL,
            to_area=area,
            summary="Moved away.",
            acting_user=world.coordinator,
        )

    met = while_uncommitted(
        lambda: propose(first_referral, north.area), lambda: propose(second_referral, south.area)
    )
    outcome = [str(met) if met else "proposed"]
    assert outcome == ["This person's records already have a transfer waiting for an answer."]
    assert list(AreaTransfer.objects.values_list("referral_id", "to_area_id")) == [
        (first_referral.pk, north.area.pk)
    ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_sent_while_the_referral_is_accepted_elsewhere_is_refused(monkeypatch):
    """The sending area's Coordinator asks another area about a referral (its page opened
    earlier) while the receiving area accepts that referral's transfer. The request waits on
    the referral's lock, then finds it gone from the asking area: refused, with nothing filed
    (it would ask on behalf of an area that no longer holds the record, and its reply would
    have no one to go to)."""
    from datetime import date

    from prevent_portal.areas.models import Area, AreaQuerySet
    from referrals.models import CrossAreaRequest
    from tests.conftest import build_world

    world = build_world()
    here = Area.objects.get()
    monkeypatch.setattr(AreaQuerySet, "sole", lambda self: here)
    north, south = other_area_build("Northbrook", "northbrook"), other_area_build()
    known = {"given_name": "Orlaith", "date_of_birth": date(2001, 3, 5), "postcode": "QA1 2BB"}
    factories.referral(
        south.partner,
        person=factories.PersonFactory(area=south.area, family_name="Quennell", **known),
    )
    referral = factories.referral(
        world.council, person=factories.PersonFactory(area=here, family_name="Quennel", **known)
    )
    transfer = services.transfer_propose(
        referral=referral,
        kind=AreaTransfer.Kind.REFERRAL,
        to_area=north.area,
        summary="Moved north.",
        acting_user=world.coordinator,
    )

    met = while_uncommitted(
        lambda: services.transfer_accept(
            transfer=transfer, expected_version=transfer.version, acting_user=north.coordinator
        ),
        lambda: services.cross_area_request_send(
            referral=referral,
            holding_area=south.area,
            reason="Safeguarding check",
            acting_user=world.coordinator,
        ),
    )
    outcome = [str(met) if met else "sent"]
    assert outcome == [
        "This referral is no longer held by your area: it has been transferred to another "
        "council area. Nothing has been sent."
    ]
    assert not CrossAreaRequest.objects.exists()
    assert AreaTransfer.objects.get().status == AreaTransfer.Status.ACCEPTED
