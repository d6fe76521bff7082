"""Every route that takes an agenda item (or a decision on one) checks the item's case or
referral, not only the meeting (issue 14, F2): a generated walk over the URL patterns, as a
panel chair who may open the meeting but may not see its items.

F2: an uninvited chair got 404 on a case but 200 on its decision page, with the saved
rationale in the form and no access entry, and could overwrite the decision. The class fix
is ``channel_panel.models.get_agenda_item_for_user``; this walk fails for any new item
route that does not go through it.
"""

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from channel_panel import services
from channel_panel.models import AgendaItem, Decision
from prevent_portal.accounts.models import Role
from referrals.models import Referral
from tests import factories
from tests.channel_panel.test_meetings import client_for, person
from tests.permissions.urlwalk import all_routes

ITEM_PARAMS = {"item_pk", "decision_pk"}
SECRETS = ["Orla", "Brindle", "Tam", "Vesper", "Discussed in confidence", "Elsewhere Trust"]
# What a user might post to any item route: every field the item forms know.
BODY = {
    "outcome": "review",
    "rationale": "Overwritten by someone who cannot see it",
    "referred_to": "Somewhere",
    "version": "1",
    "direction": "up",
    "order": "",
}


def item_routes():
    """The project's routes that take an item or a decision id (found, not listed)."""
    return [route for route in all_routes() if ITEM_PARAMS & set(route.params)]


@pytest.fixture
def meeting_with_decisions(world):
    """A meeting chaired by world.chair: agency B's new referral (referred elsewhere) and
    agency B's open case (continue), each with a decision whose words are secret."""
    meeting = factories.meeting(world.chair, timezone.localdate())
    new = factories.panel_referral(world.agency_b, assessed=True, person=person("Orla", "Brindle"))
    case = factories.channel_case(world.agency_b, world.spoc_b, person=person("Tam", "Vesper"))
    new_item = services.agenda_item_add(
        meeting=meeting, referral=new, acting_user=world.coordinator
    )
    case_item = services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    services.decision_record(
        item=new_item,
        outcome="refer_elsewhere",
        referred_to="Elsewhere Trust",
        rationale="Discussed in confidence",
        acting_user=world.chair,
    )
    services.decision_record(
        item=case_item,
        outcome="continue",
        rationale="Discussed in confidence",
        acting_user=world.chair,
    )
    return meeting, [new_item, case_item]


def test_the_walk_finds_the_item_routes():
    names = {route.key for route in item_routes()}
    assert {
        "channel_panel:meeting_decision",
        "channel_panel:meeting_decision_correct",
        "channel_panel:meeting_item_move",
        "channel_panel:meeting_item_remove",
    } <= names


def _paths(meeting, items):
    for route in item_routes():
        for item in items:
            decision = Decision.objects.filter(item=item).first()
            yield (
                route,
                route.path({"pk": meeting.pk, "item_pk": item.pk, "decision_pk": decision.pk}),
            )


def test_a_chair_who_cannot_see_an_item_gets_nothing_from_any_item_route(
    world, meeting_with_decisions
):
    meeting, items = meeting_with_decisions
    outsider = factories.member(Role.PANEL_CHAIR, world.council, username="chair-2")
    client = client_for(outsider)
    # The meeting itself is open to them (they are a panel chair)...
    assert client.get(f"/panel/meetings/{meeting.pk}/").status_code == 200
    before = list(Decision.objects.order_by("pk").values_list("pk", "rationale", "referred_to"))
    order = list(AgendaItem.objects.order_by("pk").values_list("pk", "position"))
    status_before = Referral.objects.get(pk=items[0].referral_id).status
    for route, path in _paths(meeting, items):
        for method in ("get", "post"):
            response = getattr(client, method)(path, BODY if method == "post" else None)
            assert response.status_code in {403, 404, 405}, (
                route.key,
                method,
                response.status_code,
            )
            html = response.content.decode()
            for secret in SECRETS:
                assert secret not in html, (route.key, method, secret)
    # ...and nothing changed.
    assert (
        list(Decision.objects.order_by("pk").values_list("pk", "rationale", "referred_to"))
        == before
    )
    assert list(AgendaItem.objects.order_by("pk").values_list("pk", "position")) == order
    assert Referral.objects.get(pk=items[0].referral_id).status == status_before
    assert (
        not LogEntry.objects.filter(actor=outsider, action=LogEntry.Action.ACCESS)
        .exclude(content_type__model="panelmeeting")
        .exists()
    )


def test_the_meetings_chair_opens_the_decision_page_and_an_access_entry_is_written(
    world, meeting_with_decisions
):
    meeting, (new_item, _) = meeting_with_decisions
    client = client_for(world.chair)
    response = client.get(f"/panel/meetings/{meeting.pk}/agenda/{new_item.pk}/decision/")
    assert response.status_code == 200
    assert "Discussed in confidence" in response.content.decode()
    entry = LogEntry.objects.get_for_object(new_item.referral).get(action=LogEntry.Action.ACCESS)
    assert entry.actor == world.chair
