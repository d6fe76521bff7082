import pytest
from django.db import transaction

from prevent_portal.core.concurrency import StaleEdit, save_if_unchanged
from referrals.models import Referral
from tests import factories


def test_second_of_two_concurrent_edits_is_refused_not_saved(world):
    ref = factories.referral(world.agency_a)
    alice = Referral.objects.get(pk=ref.pk)
    bob = Referral.objects.get(pk=ref.pk)
    with transaction.atomic():
        alice.concern_summary = "Alice's account"
        save_if_unchanged(alice, expected_version=1, fields=["concern_summary"])
    bob.concern_summary = "Bob's account"
    with pytest.raises(StaleEdit), transaction.atomic():
        save_if_unchanged(bob, expected_version=1, fields=["concern_summary"])
    ref.refresh_from_db()
    assert ref.concern_summary == "Alice's account"
    assert ref.version == 2
