"""The referral's lifecycle (referrals/lifecycle.py): every step is driven through its
service, and every change it makes to a lifecycle field is audited and bumps the version.

``DRIVERS`` holds one driver per transition of REFERRAL_LIFECYCLE: a new transition without
a driver fails ``test_every_transition_is_driven``, so no step escapes the audit guard.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from prevent_portal.core.lifecycle import TransitionRefused
from referrals import services
from referrals.lifecycle import REFERRAL_LIFECYCLE
from referrals.models import (
    ConcernType,
    GatewayResult,
    InformationRequest,
    NeedsFlag,
    Outcome,
    Referral,
    SignpostingService,
)
from tests import factories
from tests.lifecycle_audit import lifecycle_changes_audited

AUDITED = REFERRAL_LIFECYCLE.audited_fields


def _fresh(referral):
    return Referral.objects.get(pk=referral.pk)


def _gateway(world, referral, code=GatewayResult.CLEARED):
    return services.referral_gateway_record(
        referral=referral,
        gateway_outcome=code,
        checked_on=referral.received_on,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )


def _outcome(world, referral, code, **kwargs):
    return services.referral_outcome_record(
        referral=referral,
        outcome=Outcome.objects.get(code=code),
        reason="A fictional reason",
        expected_version=referral.version,
        acting_user=world.coordinator,
        **kwargs,
    )


def _request(world, referral):
    return services.information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="Known to you?",
        due_on=timezone.localdate() + timedelta(days=7),
        acting_user=world.coordinator,
    )


# Each driver: (set-up before the guard, the step under the guard, what a user would see).
def receive(world):
    yield None
    referral = factories.referral(world.agency_b, referrer=world.referrer_b)
    assert referral.status == Referral.Status.RECEIVED


def start_triage(world):
    referral = factories.referral(world.agency_b)
    yield
    services.referral_assign(
        referral=referral,
        officer=world.coordinator,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    assert _fresh(referral).status == Referral.Status.IN_TRIAGE


def assign(world):
    referral = factories.referral(world.agency_b)
    referral = _gateway(world, referral)  # already in triage
    yield
    services.referral_assign(
        referral=referral,
        officer=world.coordinator,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    assert _fresh(referral).assigned_officer == world.coordinator


def record_gateway(world):
    referral = factories.referral(world.agency_b)
    yield
    _gateway(world, referral, GatewayResult.POLICE_LED)
    assert _fresh(referral).gateway_outcome == GatewayResult.POLICE_LED


def await_information(world):
    referral = factories.referral(world.agency_b)
    yield
    _request(world, referral)
    assert _fresh(referral).status == Referral.Status.AWAITING_INFORMATION


def information_received(world):
    referral = factories.referral(world.agency_b)
    request = _request(world, referral)
    yield
    services.information_request_answer(
        request=request, response="Not known to us", acting_user=world.spoc_a
    )
    assert _fresh(referral).status == Referral.Status.IN_TRIAGE


def pass_to_panel(world):
    referral = _gateway(world, factories.referral(world.agency_b))
    yield
    _outcome(world, referral, Outcome.PASSED_TO_PANEL)
    assert _fresh(referral).status == Referral.Status.PASSED_TO_PANEL


def close(world):
    referral = factories.referral(world.agency_b)
    yield
    _outcome(
        world,
        referral,
        Outcome.SIGNPOSTED,
        signposted_to=SignpostingService.objects.first(),
        decided_on=date(2026, 11, 4),
    )
    assert _fresh(referral).status == Referral.Status.CLOSED


def offer_for_agenda(world):
    from channel_panel.services import agenda_item_add

    referral = factories.panel_referral(world.agency_b)
    meeting = factories.meeting(world.chair)
    yield
    item = agenda_item_add(meeting=meeting, referral=referral, acting_user=world.chair)
    assert item.referral_id == referral.pk


def reclassify(world):
    referral = factories.referral(world.agency_b)
    yield
    services.referral_reclassify(
        referral=referral,
        concern_types=[ConcernType.objects.first()],
        needs_flags=[NeedsFlag.objects.get(code=NeedsFlag.AUTISM)],
        reason="Corrected at triage",
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    assert _fresh(referral).needs_flags.get().code == NeedsFlag.AUTISM


DRIVERS = {
    f.__name__: f
    for f in [
        receive,
        start_triage,
        assign,
        record_gateway,
        await_information,
        information_received,
        pass_to_panel,
        close,
        offer_for_agenda,
        reclassify,
    ]
}


def test_every_transition_is_driven():
    assert set(DRIVERS) == set(REFERRAL_LIFECYCLE.transitions)


@pytest.mark.parametrize("step", sorted(DRIVERS))
def test_every_step_audits_each_field_it_changes_and_bumps_the_version(world, step):
    driver = DRIVERS[step](world)
    next(driver)  # set-up, outside the guard
    # The guard checks on leaving; the driver's end is its StopIteration.
    with lifecycle_changes_audited(Referral, AUDITED), pytest.raises(StopIteration):
        next(driver)


def test_the_guard_catches_an_unaudited_status_change(world):
    """The guard can fail: a QuerySet.update() of the status leaves no audit entry."""
    referral = factories.referral(world.agency_b)
    with (
        pytest.raises(AssertionError, match="status"),
        lifecycle_changes_audited(Referral, AUDITED),
    ):
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.CLOSED)


def test_answering_the_last_request_is_an_audited_versioned_change(world):
    """Issue 13, point 10: triage's answer used QuerySet.update() for the status."""
    referral = factories.referral(world.agency_b)
    request = _request(world, referral)
    version = _fresh(referral).version
    with lifecycle_changes_audited(Referral, AUDITED):
        services.information_request_answer(
            request=request, response="Nothing known", acting_user=world.spoc_a
        )
    after = _fresh(referral)
    assert after.status == Referral.Status.IN_TRIAGE and after.version == version + 1
    assert InformationRequest.objects.get(pk=request.pk).status == "answered"


# --- Refusals, in the service (what the views turn into GOV.UK errors) ------------------------
def test_passing_to_panel_is_refused_while_the_gateway_is_not_checked(world):
    referral = factories.referral(world.agency_b)
    with pytest.raises(TransitionRefused, match="police gateway result that allows"):
        _outcome(world, referral, Outcome.PASSED_TO_PANEL)
    assert _fresh(referral).status == Referral.Status.RECEIVED


def test_a_police_led_case_cannot_go_to_panel(world):
    referral = _gateway(world, factories.referral(world.agency_b), GatewayResult.POLICE_LED)
    with pytest.raises(TransitionRefused):
        _outcome(world, referral, Outcome.PASSED_TO_PANEL)
    assert not _fresh(referral).reached_panel


def test_a_referral_cannot_be_received_in_the_future_or_before_birth(world):
    person = factories.PersonFactory(date_of_birth=date(2010, 5, 1))
    tomorrow = timezone.localdate() + timedelta(days=1)
    for received_on, message in [
        (tomorrow, "today or in the past"),
        (date(2009, 1, 1), "date of birth"),
        (date(1999, 12, 31), "on or after 1 January 2000"),
    ]:
        with pytest.raises(TransitionRefused, match=message), transaction.atomic():
            factories.referral(world.agency_b, person=person, received_on=received_on)
    assert not Referral.objects.exists()


def test_ready_for_panel_matches_the_lifecycle(world):
    cleared = factories.panel_referral(world.agency_b)
    # A referral recorded as passed to panel with a gateway that does not allow it (as
    # before issue 13) is never offered to the panel.
    old = _gateway(world, factories.referral(world.agency_b), GatewayResult.NOT_SUITABLE)
    Referral.objects.filter(pk=old.pk).update(status=Referral.Status.PASSED_TO_PANEL)
    old = _fresh(old)
    assert list(Referral.objects.ready_for_panel()) == [cleared]
    assert REFERRAL_LIFECYCLE.allows("offer_for_agenda", cleared)
    assert not REFERRAL_LIFECYCLE.allows("offer_for_agenda", old)


def test_the_architecture_document_prints_the_referral_lifecycle():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "architecture.md").read_text()
    assert REFERRAL_LIFECYCLE.as_markdown() in text
