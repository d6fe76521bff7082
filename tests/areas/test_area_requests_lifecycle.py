"""The request-and-share flow driven at random through its services: every step either follows
CROSS_AREA_REQUEST_LIFECYCLE's table (from a state it lists, to its target) or is refused and
changes nothing; the matched persons stay the area asked's; the asking referral's
chronology never holds the other area's record, whatever the order of the steps."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referrals import services
from referrals.lifecycle import CROSS_AREA_REQUEST_LIFECYCLE as LIFECYCLE
from referrals.models import CrossAreaRequest, CrossAreaRequestMatch
from tests.areas.test_area_requests import Pair

pytestmark = pytest.mark.django_db

STEPS = ("send", "share", "decline")
ACTORS = ("asking", "asked")
# Texts a Coordinator may type: empty, blank, or words that name nobody.
TEXTS = st.sampled_from(["", "   ", "Moved here", "Known, closed 2024", "Not proportionate"])


def _apply(pair, request, step, actor, text):
    user = pair.coordinator_b if actor == "asking" else pair.coordinator_a
    if step == "send":
        return services.cross_area_request_send(
            referral=pair.referral_b, holding_area=pair.a, reason=text, acting_user=user
        )
    if request is None:
        raise LookupError("nothing sent yet")
    if step == "share":
        return services.cross_area_request_share(request=request, summary=text, acting_user=user)
    return services.cross_area_request_decline(request=request, reason=text, acting_user=user)


def _snapshot(pair):
    rows = list(CrossAreaRequest.objects.values_list("pk", "status", "reply", "version"))
    return rows, pair.referral_b.chronology.count()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.sampled_from(STEPS), st.sampled_from(ACTORS), TEXTS), max_size=5))
def test_every_step_follows_the_table_or_changes_nothing(world, two_areas, steps):
    with transaction.atomic():
        pair = Pair(world, two_areas)
        request = None
        for step, actor, text in steps:
            before = _snapshot(pair)
            state = LIFECYCLE.state_of(request) if request is not None else "unsent"
            try:
                with transaction.atomic():
                    result = _apply(pair, request, step, actor, text)
            except (ValueError, PermissionDenied, LookupError):
                assert _snapshot(pair) == before, f"{step} by {actor} was refused half-done"
                continue
            transition = LIFECYCLE.transition(step)
            if step == "send":
                request, state = result, "unsent"
                assert actor == "asking" and text.strip()
            else:
                assert actor == "asked" and text.strip()
            assert transition.starts_from(state)
            request.refresh_from_db()
            assert request.status == transition.target
        assert set(CrossAreaRequestMatch.objects.values_list("area", flat=True)) <= {pair.a.pk}
        texts = " ".join(pair.referral_b.chronology.values_list("text", flat=True))
        assert "Quennell" not in texts and "QA1 2BB" not in texts
        # A new request to the same area only once the last one is answered.
        assert CrossAreaRequest.objects.filter(status="open").count() <= 1
        transaction.set_rollback(True)
