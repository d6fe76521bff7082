"""What the referrer is told (issue 13, point 12), and only while they are a referrer at the
agency they referred from (security.md F11)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts import services as accounts
from prevent_portal.accounts.models import Membership, Role
from prevent_portal.outbox.models import Notification
from referrals.models import Outcome, Referral
from referrals.services import (
    referral_closed_notify,
    referral_gateway_record,
    referral_outcome_record,
)
from tests import factories
from tests.conftest import sign_in

CONCERN = "Canary concern about a fictional person"
REASON = "Canary reason for the decision"


@pytest.fixture
def referral(world):
    person = factories.PersonFactory(given_name="Peregrine", family_name="Ollerenshaw")
    return factories.referral(
        world.agency_a, referrer=world.referrer_a, person=person, concern_summary=CONCERN
    )


def _status(client, referral):
    return client.get(reverse("referrals:status", args=[referral.pk]))


def _leave(world):
    membership = Membership.objects.get(user=world.referrer_a, role=Role.REFERRER)
    accounts.membership_end(membership=membership, acting_user=None)


def _close(world, referral):
    referral.refresh_from_db()
    return referral_outcome_record(
        referral=referral,
        outcome=Outcome.objects.get(code=Outcome.POLICE_LED),
        reason=REASON,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )


def test_your_referrals_link_to_a_status_page_in_plain_words(client, world, referral):
    sign_in(client, world.referrer_a)
    mine = client.get(reverse("referrals:mine")).content.decode()
    assert reverse("referrals:status", args=[referral.pk]) in mine
    html = _status(client, referral).content.decode()
    assert referral.reference in html and "Received" in html

    referral_gateway_record(
        referral=referral,
        gateway_outcome=Referral.Gateway.POLICE_LED,
        checked_on=timezone.localdate(),
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    html = _status(client, referral).content.decode()
    assert "Being looked at" in html
    assert "Live investigation" not in html and "gateway" not in html.lower()

    _close(world, referral)
    html = _status(client, referral).content.decode()
    assert "Closed" in html
    for hidden in [REASON, "Police-led", "police-led", CONCERN, "Peregrine"]:
        assert hidden not in html
    assert "Referral received from" not in html  # no chronology


@pytest.mark.parametrize("who", ["coordinator", "spoc_a", "panel_a", "referrer_b", "manager"])
def test_the_status_page_is_only_the_referrers(client, world, referral, who):
    sign_in(client, getattr(world, who))
    assert _status(client, referral).status_code == 404


def test_a_referrer_who_left_the_agency_sees_nothing_of_their_referrals(client, world, referral):
    sign_in(client, world.referrer_a)
    assert _status(client, referral).status_code == 200
    _leave(world)
    assert _status(client, referral).status_code == 404
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert not Referral.objects.visible_to(world.referrer_a).exists()


def test_a_referrer_who_moved_to_another_agency_no_longer_sees_the_old_ones(
    client, world, referral
):
    _leave(world)
    accounts.membership_grant(
        user=world.referrer_a, agency=world.agency_b, role=Role.REFERRER, acting_user=None
    )
    sign_in(client, world.referrer_a)
    assert _status(client, referral).status_code == 404
    assert not Referral.objects.visible_to(world.referrer_a).exists()


def test_the_referrer_is_told_once_when_the_referral_closes(world, referral, settings):
    settings.SITE_URL = "https://portal.example.org"
    _close(world, referral)
    mail = Notification.objects.get(kind="referral_closed")
    assert mail.recipient == world.referrer_a
    link = "https://portal.example.org" + reverse("referrals:status", args=[referral.pk])
    assert link in mail.body
    for hidden in [REASON, "Police", "police", CONCERN, "Peregrine", "Ollerenshaw"]:
        assert hidden not in mail.subject + mail.body
    referral.refresh_from_db()
    assert referral_closed_notify(referral=referral) is False
    assert Notification.objects.filter(kind="referral_closed").count() == 1


def test_no_message_when_the_referral_is_passed_to_panel_or_the_referrer_has_left(world, referral):
    from referrals.services import referral_gateway_record

    referral = referral_gateway_record(  # the panel needs a gateway result allowing it
        referral=referral,
        gateway_outcome="cleared",
        checked_on=referral.received_on,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    referral_outcome_record(
        referral=referral,
        outcome=Outcome.objects.get(code=Outcome.PASSED_TO_PANEL),
        reason="For the panel",
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    other = factories.referral(world.agency_a, referrer=world.referrer_a)
    _leave(world)
    _close(world, other)
    assert not Notification.objects.filter(kind="referral_closed").exists()


def test_the_referrer_is_told_when_the_panel_does_not_adopt(world):
    from channel_panel import services as panel_services
    from referrals.models import SignpostingService

    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting = factories.meeting(world.chair, timezone.localdate())
    made = factories.panel_referral(world.agency_b, referrer=world.referrer_b)
    item = panel_services.agenda_item_add(
        meeting=meeting, referral=made, acting_user=world.coordinator
    )
    panel_services.decision_record(
        item=item,
        outcome="not_adopt",
        rationale=REASON,
        signposted_to=SignpostingService.objects.current().first(),
        acting_user=world.chair,
    )
    mail = Notification.objects.get(kind="referral_closed")
    assert mail.recipient == world.referrer_b
    assert REASON not in mail.body


def test_the_referrer_reads_closed_and_is_told_once_the_channel_case_has_exited(
    client, world, settings
):
    # An adopted referral keeps "passed to the Channel Panel": its work finishes when the
    # case exits (referrals/referrer.py), and the referrer's page and message follow that.
    from channel_panel import services as panel_services
    from channel_panel.models import ExitReason

    settings.SITE_URL = "https://portal.example.org"
    case = factories.channel_case(
        world.agency_a, factories.case_manager_at(world.agency_a), referrer=world.referrer_a
    )
    sign_in(client, world.referrer_a)
    tag = '<strong class="govuk-tag govuk-tag--grey">{}</strong>'
    assert tag.format("Being looked at") in _status(client, case.referral).content.decode()
    assert not Notification.objects.filter(kind="referral_closed").exists()

    case = factories.exit_agreed(case, world.chair)
    panel_services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=timezone.localdate(),
        expected_version=case.version,
        acting_user=world.chair,
    )
    html = _status(client, case.referral).content.decode()
    assert tag.format("Closed") in html and tag.format("Being looked at") not in html
    mine = client.get(reverse("referrals:mine")).content.decode()
    assert tag.format("Closed") in mine
    mail = Notification.objects.get(kind="referral_closed")
    assert mail.recipient == world.referrer_a
    assert case.reference not in mail.body and "Channel" not in mail.subject + mail.body
