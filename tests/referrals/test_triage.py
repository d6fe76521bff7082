"""The Coordinator's triage steps, partners' answers and the chronology."""

from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from prevent_portal.outbox.models import Notification
from referrals.models import (
    ChronologyEntry,
    InformationRequest,
    Outcome,
    Referral,
    ReferralGroupGrant,
    SignpostingService,
)
from referrals.services import information_request_create
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def referral(world):
    return factories.referral(world.agency_b, referrer=world.referrer_b)


@pytest.fixture
def coordinator(client, world):
    sign_in(client, world.coordinator)
    return client


def kinds(referral):
    return list(referral.chronology.values_list("kind", flat=True))


def accesses(user, obj, view):
    return LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        actor=user,
        object_pk=str(obj.pk),
        additional_data__view=view,
    ).count()


def test_triage_page_shows_waiting_time_earlier_referrals_and_logs_access(
    coordinator, world, settings
):
    settings.TRIAGE_TARGET_DAYS = 5
    person = factories.PersonFactory()
    for _ in range(2):
        factories.referral(world.agency_a, person=person, received_on=date(2025, 1, 1))
    today = timezone.localdate()
    referral = factories.referral(
        world.agency_b, person=person, received_on=today - timedelta(days=9)
    )
    response = coordinator.get(reverse("referrals:triage", args=[referral.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Referred 2 times before." in html
    assert "Waiting 9 days (target 5)" in html
    assert "Over target" in html
    assert person.full_name in html
    assert reverse("referrals:earlier_referrals", args=[referral.pk]) in html
    assert accesses(world.coordinator, referral, "referrals:triage") == 1
    assert accesses(world.coordinator, person, "referrals:triage") == 1


def test_a_first_referral_says_not_referred_before(coordinator, referral):
    html = coordinator.get(reverse("referrals:triage", args=[referral.pk])).content.decode()
    assert "Not referred before." in html


def test_assigning_an_officer_moves_the_referral_into_triage(coordinator, world, referral):
    url = reverse("referrals:triage_assign", args=[referral.pk])
    response = coordinator.post(url, {"officer": world.coordinator.pk, "version": 1})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_officer == world.coordinator
    assert referral.status == Referral.Status.IN_TRIAGE
    assert referral.version == 2
    entry = referral.chronology.last()
    assert entry.kind == ChronologyEntry.Kind.ASSIGNED
    assert entry.author == world.coordinator
    assert LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, actor=world.coordinator, object_pk=str(referral.pk)
    ).exists()


def test_a_stale_edit_is_refused_and_saves_nothing(coordinator, world, referral):
    # Someone else assigns an officer after this user opened the outcome form (version 1).
    coordinator.post(
        reverse("referrals:triage_assign", args=[referral.pk]),
        {"officer": world.coordinator.pk, "version": 1},
    )
    outcome = Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION)
    response = coordinator.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {"outcome": outcome.pk, "reason": "No concern", "version": 1},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "Someone else changed this record" in html
    referral.refresh_from_db()
    assert referral.outcome is None
    assert referral.status == Referral.Status.IN_TRIAGE
    assert ChronologyEntry.Kind.OUTCOME not in kinds(referral)


def test_a_stale_gateway_edit_is_refused(coordinator, referral):
    Referral.objects.filter(pk=referral.pk).update(version=5)
    response = coordinator.post(
        reverse("referrals:triage_gateway", args=[referral.pk]),
        {"gateway_outcome": "cleared", "checked_on": "1/11/2026", "version": 4},
    )
    assert "Someone else changed this record" in response.content.decode()
    referral.refresh_from_db()
    assert referral.gateway_outcome == Referral.Gateway.PENDING


def test_recording_the_gateway_outcome(coordinator, world, referral):
    response = coordinator.post(
        reverse("referrals:triage_gateway", args=[referral.pk]),
        {
            "gateway_outcome": "cleared",
            "checked_on": "3/11/2026",
            "note": "Checked with the police",
            "version": 1,
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.gateway_outcome == Referral.Gateway.CLEARED
    assert referral.gateway_checked_on == date(2026, 11, 3)
    entry = referral.chronology.last()
    assert entry.kind == ChronologyEntry.Kind.GATEWAY
    assert "No live investigation" in entry.text and "3 November 2026" in entry.text


def test_gateway_date_in_the_future_is_refused(coordinator, referral):
    future = (timezone.localdate() + timedelta(days=2)).strftime("%d/%m/%Y")
    response = coordinator.post(
        reverse("referrals:triage_gateway", args=[referral.pk]),
        {"gateway_outcome": "cleared", "checked_on": future, "version": 1},
    )
    assert "The date of the check must be today or in the past" in response.content.decode()
    referral.refresh_from_db()
    assert referral.gateway_checked_on is None
    assert referral.version == 1


def test_passing_to_panel_sets_status_and_decision_date(coordinator, world, referral):
    outcome = Outcome.objects.get(code=Outcome.PASSED_TO_PANEL)
    response = coordinator.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {"outcome": outcome.pk, "reason": "Vulnerable to grooming online", "version": 1},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PASSED_TO_PANEL
    assert referral.decided_on == timezone.localdate()
    change = LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, actor=world.coordinator, object_pk=str(referral.pk)
    ).latest("timestamp")
    assert "status" in change.changes and "outcome" in change.changes
    assert referral.outcome_reason == "Vulnerable to grooming online"
    assert referral.reached_panel
    entry = referral.chronology.last()
    assert entry.kind == ChronologyEntry.Kind.OUTCOME
    assert "Passed to the Channel Panel" in entry.text
    assert "Vulnerable to grooming online" in entry.text


@pytest.mark.parametrize(
    "code", [Outcome.NO_FURTHER_ACTION, Outcome.POLICE_LED, Outcome.SIGNPOSTED]
)
def test_other_outcomes_close_the_referral(coordinator, referral, code):
    outcome = Outcome.objects.get(code=code)
    service = SignpostingService.objects.get(code="mental-health-services")
    coordinator.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {"outcome": outcome.pk, "signposted_to": service.pk, "reason": "Because", "version": 1},
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED
    assert referral.outcome == outcome
    # Only a signposting keeps the service.
    assert (referral.signposted_to == service) == (code == Outcome.SIGNPOSTED)


def test_an_outcome_needs_a_reason_and_signposting_a_service(coordinator, referral):
    outcome = Outcome.objects.get(code=Outcome.SIGNPOSTED)
    response = coordinator.post(
        reverse("referrals:triage_outcome", args=[referral.pk]),
        {"outcome": outcome.pk, "reason": "   ", "version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the reason for the outcome" in html
    assert "Choose the service the person is signposted to" in html
    assert "<title>Error: " in html
    referral.refresh_from_db()
    assert referral.outcome is None and referral.status == Referral.Status.RECEIVED
    assert kinds(referral) == [ChronologyEntry.Kind.RECEIVED]


def test_a_decided_referral_cannot_get_a_second_outcome(coordinator, referral):
    nfa = Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION)
    url = reverse("referrals:triage_outcome", args=[referral.pk])
    coordinator.post(url, {"outcome": nfa.pk, "reason": "First", "version": 1})
    panel = Outcome.objects.get(code=Outcome.PASSED_TO_PANEL)
    response = coordinator.post(url, {"outcome": panel.pk, "reason": "Second", "version": 2})
    assert "already has its triage outcome" in response.content.decode()
    referral.refresh_from_db()
    assert referral.outcome == nfa


def test_information_request_grants_nothing_on_the_referral_and_tells_its_spocs(coordinator, world):
    referral = factories.referral(world.agency_b)
    due = timezone.localdate() + timedelta(days=10)
    response = coordinator.post(
        reverse("referrals:triage_information_request", args=[referral.pk]),
        {
            "agency": world.agency_a.pk,
            "question": "Is the person known to you?",
            "due_on": due.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    info = InformationRequest.objects.get(referral=referral)
    assert info.agency == world.agency_a and info.due_on == due
    assert info.requested_by == world.coordinator
    # The agency asked sees the request, not the referral (security.md F9).
    assert not ReferralGroupGrant.objects.filter(content_object=referral).exists()
    assert not Referral.objects.visible_to(world.spoc_a).filter(pk=referral.pk).exists()
    assert InformationRequest.objects.asked_of(world.spoc_a).get() == info
    mail = Notification.objects.filter(recipient=world.spoc_a, kind="information_requested")
    assert mail.count() == 1
    assert "Is the person known" not in mail.get().subject
    referral.refresh_from_db()
    assert referral.status == Referral.Status.AWAITING_INFORMATION
    assert ChronologyEntry.Kind.INFORMATION_REQUESTED in kinds(referral)


def test_information_request_with_a_past_date_saves_nothing(coordinator, world, referral):
    response = coordinator.post(
        reverse("referrals:triage_information_request", args=[referral.pk]),
        {"agency": world.agency_a.pk, "question": "Anything?", "due_on": "1/1/2020"},
    )
    assert "must be today or later" in response.content.decode()
    assert not InformationRequest.objects.exists()
    assert not ReferralGroupGrant.objects.filter(content_object=referral).exists()
    assert not Notification.objects.exists()


def _request(world, referral):
    return information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="What do you know?",
        due_on=timezone.localdate() + timedelta(days=5),
        acting_user=world.coordinator,
    )


def test_spoc_sees_and_answers_a_request_which_lands_on_the_chronology(client, world):
    referral = factories.referral(world.agency_b)
    info = _request(world, referral)
    sign_in(client, world.spoc_a)
    listing = client.get(reverse("referrals:information_requests")).content.decode()
    assert referral.reference in listing
    assert accesses(world.spoc_a, referral, "referrals:information_requests") == 1
    url = reverse("referrals:information_request_answer", args=[info.pk])
    assert "What do you know?" in client.get(url).content.decode()
    response = client.post(url, {"response": "Known to our youth service since 2024."})
    assert response.status_code == 302
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.ANSWERED
    assert info.responded_by == world.spoc_a
    assert LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, actor=world.spoc_a, object_pk=str(info.pk)
    ).exists()
    entry = referral.chronology.last()
    assert entry.kind == ChronologyEntry.Kind.INFORMATION_ADDED
    assert "Known to our youth service" in entry.text
    assert Notification.objects.filter(
        recipient=world.coordinator, kind="information_answered"
    ).exists()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TRIAGE
    # Answered requests leave the list, and cannot be answered twice.
    after = client.get(reverse("referrals:information_requests")).content.decode()
    assert "There are no open information requests to your agency." in after
    assert client.post(url, {"response": "again"}).status_code == 404


def test_an_empty_answer_saves_nothing(client, world):
    info = _request(world, factories.referral(world.agency_b))
    sign_in(client, world.spoc_a)
    response = client.post(
        reverse("referrals:information_request_answer", args=[info.pk]), {"response": " "}
    )
    assert "Enter your answer" in response.content.decode()
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.OPEN and info.response == ""


def test_spoc_of_another_agency_gets_not_found(client, world):
    info = _request(world, factories.referral(world.council))
    sign_in(client, world.spoc_b)
    url = reverse("referrals:information_request_answer", args=[info.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"response": "I should not see this"}).status_code == 404
    assert (
        "What do you know?"
        not in client.get(reverse("referrals:information_requests")).content.decode()
    )
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.OPEN


def test_a_note_and_a_correction_are_added_and_nothing_is_changed(coordinator, world, referral):
    coordinator.post(
        reverse("referrals:chronology_note", args=[referral.pk]), {"text": "Called the school"}
    )
    note = referral.chronology.get(kind=ChronologyEntry.Kind.NOTE)
    assert note.text == "Called the school"
    url = reverse("referrals:chronology_correction", args=[referral.pk])
    assert (
        f'value="{note.pk}" selected' in coordinator.get(f"{url}?entry={note.pk}").content.decode()
    )
    response = coordinator.post(url, {"entry": note.pk, "text": "It was the college"})
    assert response.status_code == 302
    correction = referral.chronology.get(kind=ChronologyEntry.Kind.CORRECTION)
    assert correction.corrects == note and correction.author == world.coordinator
    note.refresh_from_db()
    assert note.text == "Called the school"
    detail = coordinator.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "It was the college" in detail and "Called the school" in detail
    assert f'href="#entry-{note.pk}"' in detail


def test_a_correction_of_another_referrals_entry_is_refused(coordinator, world, referral):
    other = factories.referral(world.agency_a)
    entry = other.chronology.get()
    response = coordinator.post(
        reverse("referrals:chronology_correction", args=[referral.pk]),
        {"entry": entry.pk, "text": "Sneaky"},
    )
    assert "Choose an entry from the list" in response.content.decode()
    assert not ChronologyEntry.objects.filter(kind=ChronologyEntry.Kind.CORRECTION).exists()


def test_empty_note_is_refused(coordinator, referral):
    response = coordinator.post(
        reverse("referrals:chronology_note", args=[referral.pk]), {"text": ""}
    )
    assert "Enter the note" in response.content.decode()
    assert kinds(referral) == [ChronologyEntry.Kind.RECEIVED]


@pytest.mark.parametrize("persona", ["spoc_b", "referrer_b", "chair"])
def test_only_the_coordinator_triages(client, world, referral, persona):
    sign_in(client, world.persona(persona))
    status = client.get(reverse("referrals:triage", args=[referral.pk])).status_code
    # The chair cannot see agency B's referral at all; the others see it but may not triage.
    assert status == (404 if persona == "chair" else 403)
    assert client.get(reverse("referrals:triage_queue")).status_code == 403


def test_chronology_on_the_referral_page_is_for_agency_staff_not_the_referrer(client, world):
    referral = factories.referral(world.agency_a, referrer=world.referrer_a)
    url = reverse("referrals:detail", args=[referral.pk])
    sign_in(client, world.spoc_a)
    assert "Referral received from Agency A." in client.get(url).content.decode()
    client.logout()
    sign_in(client, world.referrer_a)
    # The referrer is sent to the status page made for them (issue 13, point 12).
    response = client.get(url, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("referrals:status", args=[referral.pk])
    assert referral.reference in html
    assert "Referral received from" not in html
