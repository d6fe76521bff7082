"""Re-referral: a new referral of a person whose Channel case has exited or closed is
flagged at triage and links back to the case, for those who may see it."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from channel_panel import services
from channel_panel.history import rereferral_notes
from channel_panel.models import ExitReason
from referrals import history
from tests import factories
from tests.conftest import sign_in


def exit_case(case, user, on=date(2026, 11, 10)):
    factories.exit_agreed(case)
    return services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=on,
        expected_version=case.version,
        acting_user=user,
    )


@pytest.fixture
def exited(world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    return exit_case(case, world.spoc_a)


def test_triage_of_a_new_referral_flags_the_re_referral_and_links_the_case(client, world, exited):
    again = factories.referral(
        world.agency_a, person=exited.referral.person, received_on=date(2026, 11, 20)
    )
    sign_in(client, world.coordinator)
    html = client.get(reverse("referrals:triage", args=[again.pk])).content.decode()
    assert "Re-referral" in html
    assert f"Earlier Channel case {exited.reference}, exited Channel on 10 November 2026" in html
    assert f'href="{reverse("channel_panel:case_detail", args=[exited.pk])}"' in html


def test_an_open_case_is_not_a_re_referral(world):
    case = factories.channel_case(world.agency_a, world.spoc_a)
    assert rereferral_notes(world.coordinator, case.referral.person) == []


def test_a_closed_case_says_when_it_closed(world, exited, time_machine):
    time_machine.move_to(date(2027, 11, 20))
    for review in exited.reviews.order_by("due_on"):
        services.post_exit_review_record(
            review=review, held_on=review.due_on, notes="", acting_user=world.coordinator
        )
    [note] = rereferral_notes(world.coordinator, exited.referral.person)
    assert note.text == f"Earlier Channel case {exited.reference}, closed on 10 November 2027."


def test_someone_who_cannot_see_the_case_gets_no_note_at_all(world, exited):
    """Issue 14, F10: a note without a link still told another agency's user that the
    person had a Channel case they may not know about."""
    [seen] = rereferral_notes(world.spoc_a, exited.referral.person)
    assert seen.url == reverse("channel_panel:case_detail", args=[exited.pk])
    assert (seen.label, seen.tag) == ("Re-referral", "Re-referral")
    assert rereferral_notes(world.spoc_b, exited.referral.person) == []


def test_no_history_provider_mentions_a_record_the_reader_cannot_see(world, exited):
    """The class of F10: every provider registered for the triage page reads through its
    own ``visible_to``. A reader who sees none of the person's other records gets no note
    from any of them, whatever the provider."""
    person = exited.referral.person
    factories.referral(world.agency_a, person=person, received_on=date(2026, 11, 20))
    assert history.providers()
    for name, provider in history.providers().items():
        assert list(provider(world.spoc_b, person)) == [], name
        assert list(provider(world.referrer_b, person)) == [], name


def test_the_notes_cost_one_query_however_many_cases(world, exited):
    person = exited.referral.person
    rereferral_notes(world.coordinator, person)  # the user's roles are loaded once per request

    def cost(user):
        with CaptureQueriesContext(connection) as ctx:
            notes = rereferral_notes(user, person)
        return len(ctx.captured_queries), len(notes)

    first = cost(world.coordinator)
    assert first[1] == 1
    for _ in range(3):
        later = factories.channel_case(world.agency_b, world.spoc_b, person=person)
        exit_case(later, world.spoc_b)
    assert cost(world.coordinator) == (first[0], 4)
    rereferral_notes(world.spoc_a, person)
    assert cost(world.spoc_a)[1] == 1  # agency B's cases are not agency A's to know of
