"""Issue 13, point 1: a referral reaches a Channel Panel agenda only with a police gateway
result that allows a panel discussion. Referrals recorded as passed to panel before the rule
(gateway "not yet checked") are never offered, built into, or added to an agenda."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from channel_panel.models import AgendaItem
from channel_panel.services import agenda_build, agenda_item_add
from prevent_portal.core.lifecycle import TransitionRefused
from referrals.models import Referral
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def unchecked(world):
    """Passed to panel while the gateway was not yet checked, as the product allowed."""
    referral = factories.referral(world.agency_b)
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.PASSED_TO_PANEL)
    return Referral.objects.get(pk=referral.pk)


def test_building_the_agenda_leaves_out_a_referral_the_gateway_does_not_allow(world, unchecked):
    cleared = factories.panel_referral(world.agency_b)
    meeting = factories.meeting(world.chair)
    added = agenda_build(meeting=meeting, acting_user=world.chair)
    referrals = {item.referral_id for item in added if item.kind == AgendaItem.Kind.NEW}
    assert referrals == {cleared.pk}


def test_the_chair_is_not_offered_nor_can_add_such_a_referral(client, world, unchecked):
    meeting = factories.meeting(world.chair)
    sign_in(client, world.chair)
    page = client.get(reverse("channel_panel:meeting_item_add", args=[meeting.pk]))
    assert unchecked.reference not in page.content.decode()
    with pytest.raises(TransitionRefused, match="police gateway result"), transaction.atomic():
        agenda_item_add(meeting=meeting, referral=unchecked, acting_user=world.chair)
    assert not meeting.items.exists()
