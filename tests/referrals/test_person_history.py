"""The person-history registry: notes other apps contribute to the triage page, without
referrals importing them."""

import dataclasses
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import history
from referrals.history import HistoryNote
from referrals.models import Referral
from tests import factories
from tests.conftest import sign_in

NAME = "tests.earlier_channel_cases"


def one_query_provider(user, person):
    """Stands in for the Channel Panel app: one note per referral of the person that
    reached the panel, read in one query."""
    reached = Referral.objects.visible_to(user).filter(person=person, reached_panel=True)
    for ref in reached.order_by("received_on", "pk"):
        yield HistoryNote(
            label="Re-referral",
            text=f"Channel case for {ref.reference} closed on {ref.received_on:%-d %B %Y}",
            url=reverse("referrals:detail", args=[ref.pk]),
            tag="Re-referral",
        )


@pytest.fixture
def provider():
    history.register(NAME, one_query_provider)
    yield one_query_provider
    history.unregister(NAME)


@pytest.fixture
def coordinator(client, world):
    sign_in(client, world.coordinator)
    client.get("/")  # settle the session
    return client


def reached_panel(world, person, received_on):
    ref = factories.referral(world.agency_b, person=person, received_on=received_on)
    Referral.objects.filter(pk=ref.pk).update(reached_panel=True)
    return ref


def triage(client, referral):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("referrals:triage", args=[referral.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_a_note_is_frozen():
    note = HistoryNote(label="Re-referral", text="Channel case closed", url=None, tag=None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        note.text = "changed"


def test_notes_come_from_every_registered_provider_in_order_until_unregistered(world):
    person = factories.PersonFactory()
    history.register("tests.first", lambda user, p: [HistoryNote("A", f"about {p.pk}")])
    history.register("tests.second", lambda user, p: iter([HistoryNote("B", "b", None, "T")]))
    try:
        notes = history.notes_for(world.coordinator, person)
        assert notes[-2:] == [
            HistoryNote("A", f"about {person.pk}", None, None),
            HistoryNote("B", "b", None, "T"),
        ]
    finally:
        history.unregister("tests.first")
        history.unregister("tests.second")
    assert "tests.first" not in history.providers()
    assert HistoryNote("B", "b", None, "T") not in history.notes_for(world.coordinator, person)


def test_triage_page_shows_each_note_with_its_tag_and_link(coordinator, world, provider):
    someone = factories.PersonFactory()
    old = reached_panel(world, someone, date(2025, 3, 3))
    new = factories.referral(world.agency_a, person=someone)
    html, _ = triage(coordinator, new)
    start = html.index('id="person-history"')
    notes = html[start : html.index('id="waiting"')]
    assert '<strong class="govuk-tag">Re-referral</strong>' in notes
    assert f"Channel case for {old.reference} closed on 3 March 2025" in notes
    assert f'href="{reverse("referrals:detail", args=[old.pk])}"' in notes
    assert html.index('id="person-history"') < html.index('id="earlier-referrals"')


def test_no_provider_and_no_notes_show_nothing(coordinator, world):
    html, _ = triage(coordinator, factories.referral(world.agency_a))
    assert 'id="person-history"' not in html


def test_provider_is_asked_as_the_viewing_user_about_the_referrals_person(coordinator, world):
    asked = []
    history.register(NAME, lambda user, person: asked.append((user, person)) or [])
    try:
        new = factories.referral(world.agency_a)
        triage(coordinator, new)
    finally:
        history.unregister(NAME)
    assert asked == [(world.coordinator, new.person)]


def test_triage_page_query_count_stays_the_same_with_a_provider_and_more_history(
    coordinator, world, provider
):
    small_person = factories.PersonFactory()
    reached_panel(world, small_person, date(2025, 1, 1))
    small_case = factories.referral(world.agency_a, person=small_person)
    large_person = factories.PersonFactory()
    for year in range(2015, 2025):
        reached_panel(world, large_person, date(year, 1, 1))
    large_case = factories.referral(world.agency_a, person=large_person)
    # The first opening looks for likely earlier referrals and stores what it finds (the
    # factory's two persons are alike): count the page as it is opened from then on.
    triage(coordinator, small_case)
    triage(coordinator, large_case)

    small_html, small = triage(coordinator, small_case)
    large_html, large = triage(coordinator, large_case)
    assert small_html.count("Channel case for") == 1
    assert large_html.count("Channel case for") == 10
    assert small == large

    history.unregister(NAME)
    _, without = triage(coordinator, large_case)
    assert large == without + 1  # the provider's own query, nothing per note
