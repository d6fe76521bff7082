"""Transfer between council areas when a person moves (issue 18): the services and their
lifecycle (referrals/services/transfers.py, referrals/transfer_lifecycle.py)."""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from channel_panel.models import ChannelCase
from prevent_portal.core.concurrency import StaleEdit
from prevent_portal.core.lifecycle import TransitionRefused
from prevent_portal.outbox.models import Notification
from referrals import services
from referrals.models import (
    AreaMatchCheck,
    AreaTransfer,
    ChronologyEntry,
    Person,
    Referral,
    TransferTrace,
)
from tests import factories

pytestmark = pytest.mark.django_db


def _propose(world, referral, to_area, kind="referral", summary="Moved to a new tenancy."):
    return services.transfer_propose(
        referral=referral,
        kind=kind,
        to_area=to_area,
        summary=summary,
        acting_user=world.coordinator,
    )


def _accept(transfer, user):
    transfer.refresh_from_db()
    return services.transfer_accept(
        transfer=transfer, expected_version=transfer.version, acting_user=user
    )


def test_the_receiving_coordinators_are_told_and_see_the_summary_only(world, two_areas):
    referral = factories.referral(world.council)
    transfer = _propose(world, referral, two_areas.elsewhere.area)
    told = set(
        Notification.objects.filter(kind="area_transfer_proposed").values_list(
            "recipient", flat=True
        )
    )
    assert told == {two_areas.elsewhere.coordinator.pk}
    body = Notification.objects.get(kind="area_transfer_proposed").body
    assert referral.person.family_name not in body
    receiver = two_areas.elsewhere.coordinator
    assert list(AreaTransfer.objects.visible_to(receiver)) == [transfer]
    assert not Referral.objects.visible_to(receiver).filter(pk=referral.pk).exists()
    # Nobody else in either area reads the proposal.
    for user in (two_areas.elsewhere.chair, two_areas.elsewhere.spoc, world.chair, world.spoc_a):
        assert not AreaTransfer.objects.visible_to(user).exists()


def test_acceptance_moves_the_person_their_referrals_and_leaves_a_trace(world, two_areas):
    here, there = two_areas.here, two_areas.elsewhere
    person = factories.PersonFactory()
    referral = factories.referral(world.council, person=person)
    earlier = factories.referral(world.agency_a, person=person, received_on=date(2025, 3, 1))
    services.referral_assign(
        referral=referral,
        officer=world.coordinator,
        expected_version=1,
        acting_user=world.coordinator,
    )
    transfer = _propose(world, referral, there.area)
    # As in a request, where the audit middleware names the actor.
    with set_actor(there.coordinator):
        _accept(transfer, there.coordinator)

    for moved in (referral, earlier):
        moved.refresh_from_db()
        assert moved.area_id == there.area.pk
        assert moved.assigned_officer_id is None
    # The council's own agency does not serve the receiving area: its council owns it now.
    assert referral.owning_agency_id == there.council.pk
    assert Person.objects.get(pk=person.pk).area_id == there.area.pk
    assert Referral.objects.visible_to(there.coordinator).filter(pk=referral.pk).exists()
    assert not Referral.objects.visible_to(world.coordinator).filter(pk=referral.pk).exists()
    traces = TransferTrace.objects.filter(area=here)
    assert sorted(t.received_on for t in traces) == [date(2025, 3, 1), date(2026, 11, 1)]
    entry = referral.chronology.get(kind=ChronologyEntry.Kind.TRANSFERRED)
    assert entry.text.startswith(f"Transferred from {here.name} on ")
    assert "Moved to a new tenancy." in entry.text
    # Every change is in the audit log, with its actor, and the acceptance names the areas.
    referral_type = ContentType.objects.get_for_model(Referral)
    area_changes = LogEntry.objects.filter(
        content_type=referral_type, object_pk=str(referral.pk), changes__has_key="area"
    )
    assert area_changes.filter(actor=there.coordinator).exists()
    accepted = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AreaTransfer), object_pk=str(transfer.pk)
    ).latest("pk")
    assert accepted.additional_data == {"acted_for_areas": sorted([here.pk, there.area.pk])}


def test_a_case_moves_with_its_manager_replaced_and_shares_revoked(world, two_areas):
    there = two_areas.elsewhere
    case = factories.channel_case(world.council, world.coordinator)
    services.referral_share(
        referral=case.referral,
        to_user=world.spoc_b,
        reason="For the panel",
        acting_user=world.coordinator,
    )
    transfer = _propose(world, case.referral, there.area, kind="case")
    _accept(transfer, there.coordinator)
    case = ChannelCase.objects.get(pk=case.pk)
    assert case.area_id == there.area.pk
    assert case.case_manager_id == there.coordinator.pk
    assert case.lead_agency_id == there.council.pk
    assert not case.referral.user_grants.exists()
    assert not Referral.objects.visible_to(world.spoc_b).filter(pk=case.referral_id).exists()


def _refused(callable_, **kwargs) -> str:
    with pytest.raises(TransitionRefused) as refused:
        callable_(**kwargs)
    return str(refused.value)


def test_refused_to_the_same_or_an_inactive_area(world, two_areas):
    referral = factories.referral(world.council)
    assert "already in this one" in _refused(
        _propose, world=world, referral=referral, to_area=two_areas.here
    )
    two_areas.elsewhere.area.is_active = False
    two_areas.elsewhere.area.save()
    assert "no longer active" in _refused(
        _propose, world=world, referral=referral, to_area=two_areas.elsewhere.area
    )
    assert not AreaTransfer.objects.exists()


def test_refused_a_closed_case_and_a_second_pending_transfer(world, two_areas):
    there = two_areas.elsewhere.area
    case = factories.channel_case(world.council, world.coordinator)
    case.status = ChannelCase.Status.CLOSED
    case.save()
    assert "Only an open Channel case" in _refused(
        _propose, world=world, referral=case.referral, to_area=there, kind="case"
    )
    referral = factories.referral(world.council)
    _propose(world, referral, there)
    assert "already have a transfer waiting" in _refused(
        _propose, world=world, referral=referral, to_area=there
    )


def test_only_a_coordinator_of_the_receiving_area_answers(world, two_areas):
    there = two_areas.elsewhere
    transfer = _propose(world, factories.referral(world.council), there.area)
    for user in (there.chair, world.coordinator):
        with pytest.raises(TransitionRefused, match="receiving area"):
            _accept(transfer, user)
        with pytest.raises(TransitionRefused, match="receiving area"):
            services.transfer_decline(
                transfer=transfer, reason="No", expected_version=1, acting_user=user
            )
    # Nor may the receiving side withdraw it.
    with pytest.raises(TransitionRefused, match="sending area"):
        services.transfer_withdraw(
            transfer=transfer, expected_version=1, acting_user=there.coordinator
        )
    transfer.refresh_from_db()
    assert transfer.status == AreaTransfer.Status.PENDING


def test_a_stale_answer_is_refused(world, two_areas):
    there = two_areas.elsewhere
    referral = factories.referral(world.council)
    transfer = _propose(world, referral, there.area)
    services.transfer_withdraw(transfer=transfer, expected_version=1, acting_user=world.coordinator)
    # A second proposal; the receiving Coordinator's page still shows the first version.
    again = _propose(world, referral, there.area)
    services.transfer_decline(
        transfer=again, reason="Not ours yet", expected_version=1, acting_user=there.coordinator
    )
    with pytest.raises((StaleEdit, TransitionRefused)):
        services.transfer_accept(transfer=again, expected_version=1, acting_user=there.coordinator)
    fresh = _propose(world, referral, there.area)
    with pytest.raises(StaleEdit):
        services.transfer_accept(transfer=fresh, expected_version=0, acting_user=there.coordinator)
    assert Referral.objects.get(pk=referral.pk).area_id == two_areas.here.pk


def test_refused_while_on_the_agenda_of_a_meeting_not_held(world, two_areas):
    from channel_panel.services import agenda_item_add

    referral = factories.panel_referral(world.council, assessed=True)
    meeting = factories.meeting(world.chair)
    agenda_item_add(meeting=meeting, referral=referral, acting_user=world.chair)
    message = _refused(_propose, world=world, referral=referral, to_area=two_areas.elsewhere.area)
    assert "Take this person off the agenda of the panel meeting on" in message


def test_the_accepting_request_acts_for_its_own_area_and_the_service_for_both(
    wall_role, world, two_areas
):
    """With the row-level security wall up, the acceptance runs as a request of the
    receiving area: only the service's own block reaches the sending area's rows."""
    from prevent_portal.areas import rls

    here, there = two_areas.here, two_areas.elsewhere
    referral = factories.referral(world.council)
    transfer = _propose(world, referral, there.area)
    with rls.acting_for([there.area.pk]):
        assert not Referral.objects.filter(pk=referral.pk).exists()
        _accept(transfer, there.coordinator)
        assert Referral.objects.filter(pk=referral.pk, area=there.area).exists()
        assert not TransferTrace.objects.exists()  # the sending area's, behind its wall
    with rls.acting_for([here.pk]):
        assert not Referral.objects.filter(pk=referral.pk).exists()
        assert TransferTrace.objects.filter(area=here).count() == 1


def test_the_journey_through_the_pages(client, world, two_areas):
    """Proposed on the referral's page, read and accepted by the other area's Coordinator,
    the record is theirs with its history, and gone from the sender (404)."""
    from django.urls import reverse

    from tests.conftest import sign_in

    there = two_areas.elsewhere
    referral = factories.referral(world.council)
    sign_in(client, world.coordinator)
    earlier = reverse("referrals:earlier_referrals", args=[referral.pk])
    assert client.get(earlier).status_code == 200  # the other areas searched, remembered
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert b"Transfer to another council area" in page.content
    propose = reverse("referrals:transfer_propose", args=[referral.pk])
    refused = client.post(propose, {"to_area": there.area.pk, "summary": ""})
    assert b"Enter a summary for the receiving area" in refused.content
    assert not AreaTransfer.objects.exists()
    client.post(propose, {"to_area": there.area.pk, "summary": "Moved to Westbrook in May."})
    transfer = AreaTransfer.objects.get()

    client.logout()
    sign_in(client, there.coordinator)
    home = client.get(reverse("core:home")).content.decode()
    assert "1 transfer from another council area waiting for your answer" in home
    assert b"Read the summary" in client.get(reverse("referrals:transfer_list")).content
    detail = client.get(reverse("referrals:transfer_detail", args=[transfer.pk]))
    assert b"Moved to Westbrook in May." in detail.content
    assert referral.person.family_name.encode() not in detail.content
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    # Another area's staff who are not Coordinators do not find the transfer at all.
    client.logout()
    sign_in(client, there.chair)
    assert client.get(reverse("referrals:transfer_detail", args=[transfer.pk])).status_code in (
        403,
        404,
    )
    client.logout()
    sign_in(client, there.coordinator)
    accept = reverse("referrals:transfer_accept", args=[transfer.pk])
    stale = client.post(accept, {"version": transfer.version + 1})
    assert stale.status_code == 409
    done = client.post(accept, {"version": transfer.version})
    assert done.status_code == 302
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert page.status_code == 200
    assert f"Transferred from {two_areas.here.name} on".encode() in page.content
    assert b"Moved to Westbrook in May." in page.content
    # The sending area's remembered search of the other areas did not stay behind (its
    # wall would hide it from the receiving area, whose own search must be made afresh).
    assert not AreaMatchCheck.objects.filter(referral=referral).exists()
    assert client.get(earlier).status_code == 200
    checks = AreaMatchCheck.objects.filter(referral=referral)
    assert list(checks.values_list("area", flat=True)) == [there.area.pk]

    client.logout()
    sign_in(client, world.coordinator)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    sent = client.get(reverse("referrals:transfer_detail", args=[transfer.pk]))
    assert b"Accepted" in sent.content


def test_the_sending_area_still_counts_what_it_received(world, two_areas):
    """The sending area's referral statistics count a referral it transferred out (its
    trace); the receiving area's count it too (it holds it now);
    a region of both, and the whole instance, once."""
    from referrals.statistics import referral_statistics

    here, there = two_areas.here, two_areas.elsewhere
    referral = factories.referral(world.council, received_on=date(2026, 10, 5))
    factories.referral(world.council, received_on=date(2026, 10, 6))
    period = {"date_from": date(2026, 10, 1), "date_to": date(2026, 10, 31)}
    before = referral_statistics(**period, areas=[here.pk])
    _accept(_propose(world, referral, there.area), there.coordinator)
    assert referral_statistics(**period, areas=[here.pk]) == before
    assert referral_statistics(**period, areas=[here.pk])["referrals"] == 2
    assert referral_statistics(**period, areas=[there.area.pk])["referrals"] == 1
    # A region of both areas, and the whole instance, count the referral once.
    assert referral_statistics(**period, areas=[here.pk, there.area.pk])["referrals"] == 2
    assert referral_statistics(**period)["referrals"] == 2


def test_a_held_meeting_stays_readable_in_the_sending_area(wall_role, client, world, two_areas):
    """A case adopted at a sending-area meeting moves; the meeting stays that area's, with
    its minutes, and its page still opens there; the case's page opens in the receiving
    area (with the wall up: nothing on either page reaches a row behind the other's wall).
    Until the panel has decided on the item, the move is refused."""
    from django.urls import reverse

    from channel_panel.models import AgendaItem, Decision
    from channel_panel.services import agenda_item_add, decision_record
    from prevent_portal.areas import rls
    from tests.conftest import sign_in

    there = two_areas.elsewhere
    referral = factories.panel_referral(world.council, assessed=True)
    meeting = factories.meeting(world.chair)
    item = agenda_item_add(meeting=meeting, referral=referral, acting_user=world.chair)
    factories.held(meeting)
    message = _refused(_propose, world=world, referral=referral, to_area=there.area)
    assert "Record the panel's decision on this person at the meeting on" in message
    decision_record(
        item=AgendaItem.objects.get(pk=item.pk),
        outcome=Decision.Outcome.ADOPT,
        rationale="Vulnerable; consents to support.",
        lead_agency=world.council,
        case_manager=world.coordinator,
        acting_user=world.chair,
    )
    case = ChannelCase.objects.get(referral=referral)
    transfer = _propose(world, referral, there.area, kind="case")
    with rls.acting_for([there.area.pk]):
        _accept(transfer, there.coordinator)
    for user, name, pk in (
        (world.chair, "channel_panel:meeting_detail", meeting.pk),
        (world.coordinator, "channel_panel:meeting_detail", meeting.pk),
        (there.coordinator, "channel_panel:case_detail", case.pk),
    ):
        client.logout()
        sign_in(client, user)
        page = client.get(reverse(name, args=[pk]))
        assert page.status_code == 200, (user, name)
        if user != there.coordinator:
            assert referral.person.family_name.encode() not in page.content
    assert b"Transferred from" in page.content


def test_declining_needs_a_reason_and_the_proposer_may_withdraw(client, world, two_areas):
    from django.urls import reverse

    from tests.conftest import sign_in

    there = two_areas.elsewhere
    referral = factories.referral(world.council)
    transfer = _propose(world, referral, there.area)
    sign_in(client, there.coordinator)
    decline = reverse("referrals:transfer_decline", args=[transfer.pk])
    page = client.post(decline, {"reason": "", "version": 1})
    assert b"Enter why you are declining the transfer" in page.content
    client.post(decline, {"reason": "The person has not moved here.", "version": 1})
    transfer.refresh_from_db()
    assert transfer.status == AreaTransfer.Status.DECLINED
    again = _propose(world, referral, there.area)
    client.logout()
    sign_in(client, world.coordinator)
    declined = client.get(reverse("referrals:transfer_detail", args=[transfer.pk]))
    assert b"The person has not moved here." in declined.content
    client.post(reverse("referrals:transfer_withdraw", args=[again.pk]), {"version": 1})
    again.refresh_from_db()
    assert again.status == AreaTransfer.Status.WITHDRAWN
    assert Referral.objects.get(pk=referral.pk).area_id == two_areas.here.pk


def test_refused_while_an_information_request_is_open(world, two_areas):
    from datetime import timedelta

    referral = factories.referral(world.council)
    services.information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="Known to you?",
        due_on=referral.received_on + timedelta(days=400),
        acting_user=world.coordinator,
    )
    message = _refused(_propose, world=world, referral=referral, to_area=two_areas.elsewhere.area)
    assert "Withdraw the open information requests" in message


def test_the_proposal_page_says_what_stands_in_the_way_before_the_form(client, world, two_areas):
    """The lifecycle's refusals are on the page before the Coordinator writes a summary for
    nothing (an open information request here, then a planned meeting's agenda); with
    nothing in the way, the form."""
    from datetime import timedelta

    from django.urls import reverse

    from channel_panel.services import agenda_item_add
    from tests.conftest import sign_in

    referral = factories.panel_referral(world.council, assessed=True)
    sign_in(client, world.coordinator)
    propose = reverse("referrals:transfer_propose", args=[referral.pk])
    page = client.get(propose).content.decode()
    assert 'id="transfer-needed"' not in page and "Propose the transfer" in page
    services.information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="Known to you?",
        due_on=referral.received_on + timedelta(days=400),
        acting_user=world.coordinator,
    )
    agenda_item_add(
        meeting=factories.meeting(world.chair), referral=referral, acting_user=world.chair
    )
    page = client.get(propose).content.decode()
    assert 'id="transfer-needed"' in page and "Propose the transfer" not in page
    assert "Withdraw the open information requests" in page
    assert "Take this person off the agenda of the panel meeting on" in page
    # The form's own questions (area, summary) are left to the form.
    assert "Enter a summary" not in page and "Choose another council area" not in page
    assert not AreaTransfer.objects.exists()


@pytest.mark.parametrize("wall", ["wall on", "wall off"])
def test_a_transfer_whose_record_has_left_the_sending_area_is_refused(
    world, two_areas, monkeypatch, wall
):
    """Two proposals for two referrals of one person, sent at the same moment, each locked
    only its own referral and found nothing waiting: both waited (review18). Accepting one
    moved the person and every referral; accepting the other then moved the person alone to
    a third area (wall off: that area's Coordinator read them, their referrals left behind)
    or failed (wall on). It is refused, and nothing moves. The race's outcome is written
    directly: the propose service now locks the person first, so it cannot be reached."""
    import contextlib

    from django.utils import timezone

    from prevent_portal.areas import rls
    from tests.areas.conftest import other_area_build

    if wall == "wall off":
        # As on SQLite or with AREA_RLS=false: declaring areas narrows nothing (the test
        # itself acts for every area).
        monkeypatch.setattr(rls, "acting_for", lambda areas: contextlib.nullcontext())
    here, there = two_areas.here, two_areas.elsewhere
    third = other_area_build("Southfield", "southfield")
    person = factories.PersonFactory()
    first = factories.referral(world.council, person=person)
    second = factories.referral(world.agency_a, person=person, received_on=date(2025, 3, 1))
    accepted = _propose(world, first, there.area)
    crossed = AreaTransfer.objects.create(
        kind=AreaTransfer.Kind.REFERRAL,
        referral=second,
        reference=second.reference or "",
        from_area=here,
        to_area=third.area,
        summary="Moved again.",
        proposed_by=world.coordinator,
        proposed_at=timezone.now(),
    )
    _accept(accepted, there.coordinator)
    with pytest.raises(TransitionRefused, match="no longer in the sending council area"):
        _accept(crossed, third.coordinator)
    assert Person.objects.get(pk=person.pk).area_id == there.area.pk
    assert set(
        Referral.objects.filter(pk__in=[first.pk, second.pk]).values_list("area_id", flat=True)
    ) == {there.area.pk}
    assert not Person.objects.visible_to(third.coordinator).filter(pk=person.pk).exists()
