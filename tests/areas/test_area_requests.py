"""Issue 18: a person known in another area is "known in <area>: contact their Coordinator",
and what the other area knows comes only through a logged request and a summary it writes.

Area A ("here", the world's) holds the record of Orlaith Quennell; area B ("elsewhere")
receives a referral of Orlaith Quennel, born a day apart, in the same postcode district.
B's Coordinator must learn that A knows her and nothing of A's record: not its name, date
of birth, postcode, person id or referral reference, on any page, at any step.
"""

from __future__ import annotations

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from prevent_portal.areas import rls
from prevent_portal.areas.models import Area
from prevent_portal.outbox.models import Notification
from referrals import services
from referrals.models import CrossAreaRequest, CrossAreaRequestMatch, PersonAlias, RepeatMatch
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


class Pair:
    def __init__(self, world, two):
        self.world, self.two = world, two
        self.a, self.b = two.here, two.elsewhere.area
        self.coordinator_a, self.coordinator_b = world.coordinator, two.elsewhere.coordinator
        self.person_a = factories.PersonFactory(
            area=self.a,
            given_name="Orlaith",
            family_name="Quennell",
            date_of_birth=date(2001, 3, 5),
            postcode="QA1 2BB",
        )
        self.referral_a = factories.referral(world.agency_a, person=self.person_a)
        self.person_b = factories.PersonFactory(
            area=self.b,
            given_name="Orlaith",
            family_name="Quennel",
            date_of_birth=date(2001, 3, 4),
            postcode="QA1 9ZZ",
        )
        self.referral_b = factories.referral(two.elsewhere.partner, person=self.person_b)

    def secrets(self) -> list[str]:
        """What B must never read of A's record."""
        return [
            "Quennell",
            "5 March 2001",
            "05/03/2001",
            "2001-03-05",
            "QA1 2BB",
            self.referral_a.reference,
            f"/people/{self.person_a.pk}/",
            f"/referrals/{self.referral_a.pk}/",
        ]


@pytest.fixture
def pair(world, two_areas):
    return Pair(world, two_areas)


def _page(client, user, name, *args, method="get", data=None):
    client.logout()
    sign_in(client, user)
    url = reverse(name, args=args)
    return client.post(url, data or {}) if method == "post" else client.get(url)


def _assert_nothing_of_a(response, pair):
    text = response.content.decode()
    leaked = [s for s in pair.secrets() if s in text]
    assert leaked == [], f"the asking area's page shows {leaked}"


def test_another_areas_match_is_only_known_there(client, pair):
    page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Known in {pair.a.name}: contact their Coordinator" in text
    assert f"Ask {pair.a.name}'s Coordinator for information" in text
    assert "Possible match" in text
    _assert_nothing_of_a(page, pair)
    # Not offered as an earlier referral to merge: that would show the record.
    assert not RepeatMatch.objects.filter(candidate=pair.person_a).exists()
    # The crossing is logged on A's record, as B's Coordinator, naming both areas.
    entry = LogEntry.objects.get(
        object_pk=str(pair.person_a.pk), additional_data__view="referrals:known_elsewhere"
    )
    assert entry.actor == pair.coordinator_b
    assert entry.additional_data["holding_area"] == pair.a.pk
    assert entry.additional_data["searching_area"] == pair.b.pk


def _searches(pair) -> int:
    return LogEntry.objects.filter(
        object_pk=str(pair.person_a.pk), additional_data__view="referrals:known_elsewhere"
    ).count()


def test_other_areas_are_searched_once_per_referral_not_per_page_view(client, pair):
    """Found in a re-read: every opening of the earlier-referrals page (and of the ask page)
    searched the other areas again and logged an access on A's record, so A's audit trail
    counted page views, not searches. The search runs once, its result remembered; again
    only when the person's identifying details change."""
    for _ in range(3):
        page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
        assert f"Known in {pair.a.name}: contact their Coordinator" in page.content.decode()
    ask = _page(
        client, pair.coordinator_b, "referrals:area_request_new", pair.referral_b.pk, pair.a.pk
    )
    assert ask.status_code == 200
    assert _searches(pair) == 1
    # An alias added: what matching looks at changed, so the next opening searches again.
    PersonAlias.objects.create(person=pair.person_b, given_name="Orla", family_name="Quennel")
    _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert _searches(pair) == 2


def test_own_area_matching_never_offers_another_areas_record(pair):
    """Found on SQLite (no wall): the earlier-referrals check offered A's person to B's
    Coordinator as a possible earlier referral, with name, date of birth and referrals."""
    assert (
        services.repeat_matches_refresh(referral=pair.referral_b, acting_user=pair.coordinator_b)
        == []
    )


def test_own_area_matches_are_offered_as_today(client, pair):
    again = factories.PersonFactory(
        area=pair.a,
        given_name="Orlaith",
        family_name="Quenell",
        date_of_birth=date(2001, 3, 5),
        postcode="QA1 2BB",
    )
    referral = factories.referral(pair.world.agency_a, person=again)
    matches = services.repeat_matches_refresh(referral=referral, acting_user=pair.coordinator_a)
    assert [m.candidate for m in matches] == [pair.person_a]
    page = _page(client, pair.coordinator_a, "referrals:earlier_referrals", referral.pk)
    assert "Quennell" in page.content.decode()
    # ... and B's person, the other way round, only as known there.
    assert f"Known in {pair.b.name}: contact their Coordinator" in page.content.decode()
    assert "4 March 2001" not in page.content.decode()


def test_a_request_needs_a_reason_and_a_match_there(client, pair):
    page = _page(
        client,
        pair.coordinator_b,
        "referrals:area_request_new",
        pair.referral_b.pk,
        pair.a.pk,
        method="post",
        data={"reason": "  "},
    )
    assert page.status_code == 400
    assert "Enter why you need to know what the other area knows" in page.content.decode()
    assert not CrossAreaRequest.objects.exists()
    # Its own area, and an area where nobody matches: the same 404 as no such area.
    for area_pk in (pair.b.pk, 987654):
        page = _page(
            client, pair.coordinator_b, "referrals:area_request_new", pair.referral_b.pk, area_pk
        )
        assert page.status_code == 404


def test_request_and_share_disclose_only_the_summary(client, pair, settings):
    settings.OUTBOX_SEND_INLINE = False
    ask = _page(
        client,
        pair.coordinator_b,
        "referrals:area_request_new",
        pair.referral_b.pk,
        pair.a.pk,
    )
    _assert_nothing_of_a(ask, pair)
    sent = _page(
        client,
        pair.coordinator_b,
        "referrals:area_request_new",
        pair.referral_b.pk,
        pair.a.pk,
        method="post",
        data={"reason": "Moved here last month; any risk we should know of?"},
    )
    assert sent.status_code == 302
    request = CrossAreaRequest.objects.get()
    assert (request.requesting_area, request.holding_area) == (pair.b, pair.a)
    match = CrossAreaRequestMatch.objects.get()
    assert (match.person, match.area) == (pair.person_a, pair.a)
    # A's Coordinators are told, naming no one; B's are not.
    told = {n.recipient for n in Notification.objects.filter(kind="cross_area_requested")}
    assert pair.coordinator_a in told and pair.coordinator_b not in told
    for note in Notification.objects.filter(kind="cross_area_requested"):
        assert "Orlaith" not in note.body + note.subject

    # B: the request is on the referral, A's record is not; B cannot open A's side.
    for name, args in (
        ("referrals:earlier_referrals", (pair.referral_b.pk,)),
        ("referrals:area_requests", ()),
    ):
        _assert_nothing_of_a(_page(client, pair.coordinator_b, name, *args), pair)
    assert (
        _page(client, pair.coordinator_b, "referrals:area_request_reply", request.pk).status_code
        == 404
    )

    # A: sees the request and its own matching record, and work waiting.
    held = _page(client, pair.coordinator_a, "referrals:area_request_reply", request.pk)
    assert held.status_code == 200
    assert "Quennell" in held.content.decode()
    assert "Moved here last month" in held.content.decode()
    home = _page(client, pair.coordinator_a, "core:home")
    assert "1 request from another council area waiting for your reply" in home.content.decode()

    empty = _page(
        client,
        pair.coordinator_a,
        "referrals:area_request_reply",
        request.pk,
        method="post",
        data={"step": "share", "summary": "", "version": request.version},
    )
    assert empty.status_code == 400
    assert "Enter the summary you are sharing" in empty.content.decode()
    shared = _page(
        client,
        pair.coordinator_a,
        "referrals:area_request_reply",
        request.pk,
        method="post",
        data={
            "step": "share",
            "summary": "Known here 2024, closed at triage, no further action.",
            "version": request.version,
        },
    )
    assert shared.status_code == 302
    request.refresh_from_db()
    assert request.status == CrossAreaRequest.Status.SHARED
    assert Notification.objects.filter(
        kind="cross_area_replied", recipient=pair.coordinator_b
    ).exists()

    # B reads the summary, and still nothing of A's record.
    page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert "Known here 2024, closed at triage, no further action." in page.content.decode()
    _assert_nothing_of_a(page, pair)
    chronology = list(pair.referral_b.chronology.values_list("text", flat=True))
    assert any("shared a summary: Known here 2024" in t for t in chronology)
    # Every step in the audit log, with its actor.
    actors = set(LogEntry.objects.get_for_object(request).values_list("actor", flat=True))
    assert actors == {pair.coordinator_b.pk, pair.coordinator_a.pk}


def test_a_decline_needs_a_reason_and_is_read_by_the_asking_area(client, pair):
    request = services.cross_area_request_send(
        referral=pair.referral_b,
        holding_area=pair.a,
        reason="Safeguarding check",
        acting_user=pair.coordinator_b,
    )
    with pytest.raises(ValueError, match="Enter why you are declining"):
        services.cross_area_request_decline(
            request=request, reason=" ", acting_user=pair.coordinator_a
        )
    services.cross_area_request_decline(
        request=request, reason="Not proportionate yet", acting_user=pair.coordinator_a
    )
    page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert "Not proportionate yet" in page.content.decode()
    assert "Declined" in page.content.decode()


def test_only_the_two_areas_coordinators_take_part(client, pair):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # A's Coordinator cannot ask about B's referral
        services.cross_area_request_send(
            referral=pair.referral_b,
            holding_area=pair.a,
            reason="x",
            acting_user=pair.coordinator_a,
        )
    request = services.cross_area_request_send(
        referral=pair.referral_b, holding_area=pair.a, reason="x", acting_user=pair.coordinator_b
    )
    with pytest.raises(PermissionDenied):  # the asking area cannot answer its own request
        services.cross_area_request_share(
            request=request, summary="y", acting_user=pair.coordinator_b
        )
    for user in (pair.two.elsewhere.chair, pair.world.spoc_a, pair.world.chair):
        reply = _page(client, user, "referrals:area_request_reply", request.pk)
        assert reply.status_code == 404


@pytest.mark.usefixtures("wall_role")
def test_the_wall_keeps_the_matches_from_the_asking_area(pair):
    """The database, not only the pages: acting for B, A's match rows do not exist; the
    request, a record of both areas, is there for each and for no third area."""
    services.cross_area_request_send(
        referral=pair.referral_b, holding_area=pair.a, reason="x", acting_user=pair.coordinator_b
    )
    with rls.acting_for({pair.b.pk}):
        assert CrossAreaRequest.objects.count() == 1
        assert CrossAreaRequestMatch.objects.count() == 0
    with rls.acting_for({pair.a.pk}):
        assert CrossAreaRequest.objects.count() == 1
        assert CrossAreaRequestMatch.objects.count() == 1
    third = Area.objects.create(name="Third", short_code="third")
    with rls.acting_for({third.pk}):
        assert CrossAreaRequest.objects.count() == 0


@pytest.mark.usefixtures("wall_role")
def test_the_flow_works_behind_the_wall(client, pair):
    """Each step crosses the wall only where it says: B's search and request, A's reply
    (written onto B's chronology), B reading it; and B's pages still show nothing of A's."""
    ask = (pair.referral_b.pk, pair.a.pk)
    page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert f"Known in {pair.a.name}" in page.content.decode()
    sent = _page(
        client,
        pair.coordinator_b,
        "referrals:area_request_new",
        *ask,
        method="post",
        data={"reason": "Why"},
    )
    assert sent.status_code == 302
    request = CrossAreaRequest.objects.get()
    held = _page(client, pair.coordinator_a, "referrals:area_request_reply", request.pk)
    assert "Quennell" in held.content.decode()
    shared = _page(
        client,
        pair.coordinator_a,
        "referrals:area_request_reply",
        request.pk,
        method="post",
        data={"step": "share", "summary": "Known, no risk", "version": request.version},
    )
    assert shared.status_code == 302
    page = _page(client, pair.coordinator_b, "referrals:earlier_referrals", pair.referral_b.pk)
    assert "Known, no risk" in page.content.decode()
    _assert_nothing_of_a(page, pair)


def test_erasing_a_person_blanks_what_the_requests_say_of_them(pair):
    """Retention's erasure (referrals/services/retention.py) of the asking area's person
    blanks the reason and the reply; of the holding area's person, deletes its match rows."""
    from django.utils import timezone

    from referrals.services.retention import _erase_referrals

    request = services.cross_area_request_send(
        referral=pair.referral_b,
        holding_area=pair.a,
        reason="Qzxreason",
        acting_user=pair.coordinator_b,
    )
    services.cross_area_request_share(
        request=request, summary="Qzxsummary", acting_user=pair.coordinator_a
    )
    _erase_referrals([pair.person_a], [pair.referral_a.pk], timezone.now())
    assert not CrossAreaRequestMatch.objects.exists()
    _erase_referrals([pair.person_b], [pair.referral_b.pk], timezone.now())
    request.refresh_from_db()
    assert (request.reason, request.reply) == ("", "")


def test_a_record_two_areas_share_is_walled_on_both_columns():
    """Found from the models like every area-owned table; its policy names both areas."""
    assert rls.area_columns(CrossAreaRequest) == ("requesting_area_id", "holding_area_id")
    assert rls.area_columns(CrossAreaRequestMatch) == ("area_id",)
    assert {CrossAreaRequest, CrossAreaRequestMatch} <= set(rls.area_owned_models())
    expression = rls.policy_expression(rls.area_columns(CrossAreaRequest))
    assert "requesting_area_id = ANY" in expression and "holding_area_id = ANY" in expression
    assert rls.policy_expression() == rls.POLICY_EXPRESSION


# --- A request still open when a referral it concerns is transferred (review 18) ------------
# The asking referral (B's) or the person the area asked holds (A's) moving while the request
# waits: B's reply had no one to go to (wall on: a server error in ``_reply``; wall off: the
# reply went onto the moved referral's history, and B's Coordinators were told of a page that
# gives them 404), and A's Coordinators were left replying about a person no longer theirs.
# An open request holds the transfer until it is answered, on either side.


def _wall(request, monkeypatch, wall):
    """Wall on: as the application's database role, the wall up. Wall off: as on SQLite or
    with AREA_RLS=false, where declaring areas narrows nothing."""
    import contextlib

    if wall == "wall on":
        request.getfixturevalue("wall_role")
    else:
        monkeypatch.setattr(rls, "acting_for", lambda areas: contextlib.nullcontext())


def _third_area():
    from tests.areas.conftest import other_area_build

    return other_area_build("Southfield", "southfield")


def _transfer(referral, to_area, user):
    with rls.acting_for({referral.area_id}):
        return services.transfer_propose(
            referral=referral, kind="referral", to_area=to_area, summary="Moved.", acting_user=user
        )


def _accept(transfer, user):
    transfer.refresh_from_db()
    with rls.acting_for({transfer.to_area_id}):
        return services.transfer_accept(
            transfer=transfer, expected_version=transfer.version, acting_user=user
        )


def _ask(pair):
    return services.cross_area_request_send(
        referral=pair.referral_b,
        holding_area=pair.a,
        reason="Safeguarding check",
        acting_user=pair.coordinator_b,
    )


def _decline(pair, request):
    request.refresh_from_db()
    with rls.acting_for({pair.a.pk}):
        return services.cross_area_request_decline(
            request=request, reason="Not proportionate", acting_user=pair.coordinator_a
        )


WALLS = pytest.mark.parametrize("wall", ["wall on", "wall off"])


@WALLS
def test_an_open_request_sent_about_the_person_holds_their_transfer(
    request, monkeypatch, pair, wall
):
    from prevent_portal.core.lifecycle import TransitionRefused
    from referrals.models import AreaTransfer

    _wall(request, monkeypatch, wall)
    third = _third_area()
    asked = _ask(pair)
    with pytest.raises(TransitionRefused, match="waits for their reply") as refused:
        _transfer(pair.referral_b, third.area, pair.coordinator_b)
    assert "share a summary or decline" in str(refused.value)
    assert pair.a.name not in str(refused.value)  # the refusal names no area
    assert not AreaTransfer.objects.exists()
    _decline(pair, asked)
    _accept(_transfer(pair.referral_b, third.area, pair.coordinator_b), third.coordinator)
    assert _area_of(pair.referral_b) == third.area.pk


@WALLS
def test_a_request_sent_while_the_transfer_waits_holds_its_acceptance(
    request, monkeypatch, pair, wall
):
    from prevent_portal.core.lifecycle import TransitionRefused

    _wall(request, monkeypatch, wall)
    third = _third_area()
    transfer = _transfer(pair.referral_b, third.area, pair.coordinator_b)
    asked = _ask(pair)
    with pytest.raises(TransitionRefused, match="waits for their reply"):
        _accept(transfer, third.coordinator)
    assert _area_of(pair.referral_b) == pair.b.pk
    _decline(pair, asked)
    _accept(transfer, third.coordinator)
    assert _area_of(pair.referral_b) == third.area.pk
    asked.refresh_from_db()
    assert asked.status == CrossAreaRequest.Status.DECLINED


@WALLS
def test_a_request_held_about_the_person_holds_their_transfer(request, monkeypatch, pair, wall):
    """The other direction: B asked A about someone A holds; A moving that person away
    first would leave A's Coordinators replying about a person they no longer see."""
    from prevent_portal.core.lifecycle import TransitionRefused

    _wall(request, monkeypatch, wall)
    third = _third_area()
    asked = _ask(pair)
    with pytest.raises(TransitionRefused, match="reply to their request") as refused:
        _transfer(pair.referral_a, third.area, pair.coordinator_a)
    assert pair.b.name not in str(refused.value)
    _decline(pair, asked)
    _accept(_transfer(pair.referral_a, third.area, pair.coordinator_a), third.coordinator)
    assert _area_of(pair.referral_a) == third.area.pk


@WALLS
def test_the_transfer_pages_say_what_to_do_first(client, request, monkeypatch, pair, wall):
    """The sending Coordinator reads the refusal on the proposal page, the receiving one on
    the transfer's page (the services' tests check the message names no area)."""
    from referrals.models import AreaTransfer

    _wall(request, monkeypatch, wall)
    third = _third_area()
    transfer = _transfer(pair.referral_b, third.area, pair.coordinator_b)
    asked = _ask(pair)
    accept = _page(
        client,
        third.coordinator,
        "referrals:transfer_accept",
        transfer.pk,
        method="post",
        data={"version": transfer.version},
    )
    assert "waits for their reply" in accept.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == AreaTransfer.Status.PENDING
    services.transfer_withdraw(
        transfer=transfer, expected_version=transfer.version, acting_user=pair.coordinator_b
    )
    propose = _page(
        client,
        pair.coordinator_b,
        "referrals:transfer_propose",
        pair.referral_b.pk,
        method="post",
        data={"to_area": third.area.pk, "summary": "Moved."},
    )
    assert "share a summary or decline" in propose.content.decode()
    assert AreaTransfer.objects.filter(status=AreaTransfer.Status.PENDING).count() == 0
    asked.refresh_from_db()
    assert asked.status == CrossAreaRequest.Status.OPEN  # answered only by the area asked


@WALLS
def test_a_reply_to_a_request_whose_referral_has_moved_is_refused_cleanly(
    client, request, monkeypatch, pair, wall
):
    """A request left open by a move made before transfers waited for it (or any other
    way the asking referral left the area that asked): the reply is refused with a message
    and nothing is written or sent, never a server error (wall on), never a reply on the
    moved referral's history and a notice to people who cannot open its page (wall off)."""
    from prevent_portal.core.lifecycle import TransitionRefused
    from referrals.models import ChronologyEntry, Person, Referral

    _wall(request, monkeypatch, wall)
    third = _third_area()
    asked = _ask(pair)
    Person.objects.filter(pk=pair.person_b.pk).update(area=third.area)
    Referral.objects.filter(pk=pair.referral_b.pk).update(area=third.area)
    before = Notification.objects.count()
    entries = ChronologyEntry.objects.filter(referral=pair.referral_b).count()
    with pytest.raises(TransitionRefused, match="can no longer be answered") as refused:
        _decline(pair, asked)
    assert third.area.name not in str(refused.value)
    asked.refresh_from_db()
    assert asked.status == CrossAreaRequest.Status.OPEN
    assert Notification.objects.count() == before
    assert ChronologyEntry.objects.filter(referral=pair.referral_b).count() == entries
    # The page says so, as it says what else is still needed.
    page = _page(
        client,
        pair.coordinator_a,
        "referrals:area_request_reply",
        asked.pk,
        method="post",
        data={"step": "share", "summary": "Known, no risk", "version": asked.version},
    )
    assert page.status_code == 400
    assert "can no longer be answered" in page.content.decode()
    assert Notification.objects.count() == before


def _area_of(referral) -> int:
    from referrals.models import Referral

    return Referral.objects.filter(pk=referral.pk).values_list("area_id", flat=True).get()
