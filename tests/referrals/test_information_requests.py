"""Information requests: the partner sees the request and enough to find the person, never
the referral (security.md F9); the Coordinator withdraws a request and the partner loses it at
once; an overdue request is chased once; an unanswered one expires (issue 13, point 11)."""

import importlib
from datetime import date, timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from prevent_portal.accounts.grants import object_share
from prevent_portal.accounts.models import Role
from prevent_portal.accounts.services import membership_end
from prevent_portal.audit.context import acting_as
from prevent_portal.core.lifecycle import TransitionRefused
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from referrals.models import (
    ChronologyEntry,
    InformationRequest,
    PersonAlias,
    Referral,
    ReferralGroupGrant,
)
from referrals.services import (
    information_request_answer,
    information_request_create,
    information_request_withdraw,
    information_requests_expire,
    referral_gateway_record,
)
from tests import factories
from tests.conftest import sign_in

QUESTION = "Is this person known to your service?"
CONCERN = "Canary concern: talks about a banned group online"
OTHER_ANSWER = "Canary answer from the third agency"


@pytest.fixture
def referral(world):
    """Agency B's referral with a concern, a gateway result and an alias."""
    person = factories.PersonFactory(
        given_name="Wilhelmina",
        family_name="Quarrington",
        date_of_birth=date(2004, 3, 9),
        address="12 Fictional Row, Testtown",
        postcode="ZZ1 1ZZ",
    )
    PersonAlias.objects.create(person=person, given_name="Billie", family_name="Q")
    made = factories.referral(world.agency_b, person=person, concern_summary=CONCERN)
    return referral_gateway_record(
        referral=made,
        gateway_outcome=Referral.Gateway.CLEARED,
        checked_on=timezone.localdate(),
        note="Canary gateway note",
        expected_version=made.version,
        acting_user=world.coordinator,
    )


def ask(world, referral, agency=None, days=5):
    return information_request_create(
        referral=referral,
        agency=agency or world.agency_a,
        question=QUESTION,
        due_on=timezone.localdate() + timedelta(days=days),
        acting_user=world.coordinator,
    )


# --- F9: least disclosure ---------------------------------------------------------------
def test_partner_answering_a_request_sees_the_question_and_who_not_the_referral(
    client, world, referral
):
    third = factories.AgencyFactory(name="Third agency")
    third_spoc = factories.member(Role.SPOC, third)
    other = ask(world, referral, agency=third)
    information_request_answer(request=other, response=OTHER_ANSWER, acting_user=third_spoc)
    info = ask(world, referral)

    sign_in(client, world.spoc_a)
    page = client.get(reverse("referrals:information_request_answer", args=[info.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in [QUESTION, "Wilhelmina", "Quarrington", "Billie Q", "9 March 2004"]:
        assert shown in html
    assert "12 Fictional Row" in html and "ZZ1 1ZZ" in html
    for hidden in [CONCERN, "Canary gateway note", "No live investigation", OTHER_ANSWER]:
        assert hidden not in html
    # The referral, its triage page (with the chronology) and other agencies' answers are
    # out of reach.
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert client.get(reverse("referrals:triage", args=[referral.pk])).status_code == 404
    assert not Referral.objects.visible_to(world.spoc_a).filter(pk=referral.pk).exists()
    assert not ChronologyEntry.objects.visible_to(world.spoc_a).exists()
    assert list(InformationRequest.objects.visible_to(world.spoc_a)) == [info]
    assert client.get(
        reverse("referrals:information_request_answer", args=[other.pk])
    ).status_code == (404)
    assert referral.reference not in client.get(reverse("referrals:list")).content.decode()
    # Once answered, the request is gone from them too.
    client.post(
        reverse("referrals:information_request_answer", args=[info.pk]), {"response": "Yes"}
    )
    assert not InformationRequest.objects.visible_to(world.spoc_a).exists()


def test_the_request_page_writes_an_access_entry_for_the_person(client, world, referral):
    info = ask(world, referral)
    sign_in(client, world.spoc_a)
    client.get(reverse("referrals:information_request_answer", args=[info.pk]))
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        actor=world.spoc_a,
        object_pk=str(referral.person_id),
        additional_data__view="referrals:information_request_answer",
    ).exists()


def test_the_migration_ends_the_shares_old_requests_made_and_audits_each(world, referral):
    info = ask(world, referral)
    legacy = object_share(
        obj=referral,
        to_agency=world.agency_a,
        reason=f"Information requested (request {info.pk})",
        acting_user=world.coordinator,
    )
    kept = object_share(
        obj=referral, to_agency=world.council, reason="joint working", acting_user=None
    )
    assert Referral.objects.visible_to(world.spoc_a).filter(pk=referral.pk).exists()
    migration = importlib.import_module("referrals.migrations.0010_requests_end_request_shares")
    migration.end_request_shares(apps, None)
    assert not ReferralGroupGrant.objects.filter(pk=legacy.pk).exists()
    assert ReferralGroupGrant.objects.filter(pk=kept.pk).exists()
    assert not Referral.objects.visible_to(world.spoc_a).filter(pk=referral.pk).exists()
    deleted = LogEntry.objects.filter(action=LogEntry.Action.DELETE, object_pk=str(legacy.pk))
    assert any("F9" in (entry.additional_data or {}).get("why", "") for entry in deleted)


# --- Withdrawing ------------------------------------------------------------------------
def test_coordinator_withdraws_a_request_with_a_reason_and_the_partner_loses_it_at_once(
    client, world, referral
):
    info = ask(world, referral)
    answer_url = reverse("referrals:information_request_answer", args=[info.pk])
    sign_in(client, world.spoc_a)
    assert client.get(answer_url).status_code == 200
    client.logout()

    sign_in(client, world.coordinator)
    url = reverse("referrals:information_request_withdraw", args=[info.pk])
    assert client.get(url).status_code == 200
    empty = client.post(url, {"reason": " "})
    assert "Enter why you are withdrawing the request" in empty.content.decode()
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.OPEN
    response = client.post(url, {"reason": "Found what we needed elsewhere"})
    assert response.status_code == 302
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.WITHDRAWN
    assert info.closed_by == world.coordinator
    assert info.closed_reason == "Found what we needed elsewhere"
    assert LogEntry.objects.filter(
        action=LogEntry.Action.UPDATE, actor=world.coordinator, object_pk=str(info.pk)
    ).exists()
    assert "Found what we needed elsewhere" in referral.chronology.last().text
    referral.refresh_from_db()
    assert referral.status == Referral.Status.IN_TRIAGE
    client.logout()

    sign_in(client, world.spoc_a)
    assert client.get(answer_url).status_code == 404
    assert client.post(answer_url, {"response": "late"}).status_code == 404
    listing = client.get(reverse("referrals:information_requests")).content.decode()
    assert referral.reference not in listing
    told = Notification.objects.get(recipient=world.spoc_a, kind="information_request_withdrawn")
    assert "http://" in told.body or "https://" in told.body
    for secret in ["Found what we needed", "Wilhelmina", "Quarrington", QUESTION]:
        assert secret not in told.subject + told.body


def test_withdrawing_ends_the_share_an_older_request_made(client, world, referral):
    info = ask(world, referral)
    legacy = object_share(
        obj=referral,
        to_agency=world.agency_a,
        reason=f"Information requested (request {info.pk})",
        acting_user=world.coordinator,
    )
    sign_in(client, world.spoc_a)
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 200
    with acting_as(world.coordinator):
        information_request_withdraw(
            request=info, reason="No longer needed", acting_user=world.coordinator
        )
    assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404
    assert not ReferralGroupGrant.objects.filter(pk=legacy.pk).exists()
    assert LogEntry.objects.filter(
        action=LogEntry.Action.DELETE, actor=world.coordinator, object_pk=str(legacy.pk)
    ).exists()


def test_only_the_coordinator_withdraws_and_only_an_open_request(client, world, referral):
    info = ask(world, referral)
    url = reverse("referrals:information_request_withdraw", args=[info.pk])
    for persona in [world.spoc_a, world.spoc_b, world.manager, world.referrer_b]:
        client.logout()
        sign_in(client, persona)
        assert client.post(url, {"reason": "mine now"}).status_code == 403
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.OPEN
    information_request_answer(request=info, response="Known", acting_user=world.spoc_a)
    with pytest.raises(TransitionRefused, match="answered"):
        information_request_withdraw(request=info, reason="too late", acting_user=world.coordinator)


# --- Chasing once -----------------------------------------------------------------------
def test_an_overdue_request_is_chased_once_to_the_asked_agencys_spocs(world, referral, settings):
    settings.SITE_URL = "https://portal.example.org"
    second_spoc = factories.member(Role.SPOC, world.agency_a)
    info = ask(world, referral, days=2)
    answered = ask(world, referral, days=2)
    information_request_answer(request=answered, response="Known", acting_user=world.spoc_a)

    def chases():
        return Notification.objects.filter(kind="information_request_overdue")

    assert reminders_queue_due(today=info.due_on) == []
    queued = reminders_queue_due(today=info.due_on + timedelta(days=1))
    assert sorted(r.recipient.pk for r in queued) == sorted([world.spoc_a.pk, second_spoc.pk])
    assert chases().count() == 2
    assert reminders_queue_due(today=info.due_on + timedelta(days=1)) == []
    assert reminders_queue_due(today=info.due_on + timedelta(days=3)) == []
    assert chases().count() == 2
    link = "https://portal.example.org" + reverse(
        "referrals:information_request_answer", args=[info.pk]
    )
    for mail in chases():
        assert link in mail.body
        for secret in ["Wilhelmina", "Quarrington", "2004", QUESTION, CONCERN]:
            assert secret not in mail.subject + mail.body


def test_a_request_past_its_expiry_is_not_chased(world, referral):
    info = ask(world, referral, days=1)
    late = info.due_on + timedelta(days=9)
    assert not [r for r in reminders_queue_due(today=late) if r.kind.startswith("information")]


# --- Expiring ---------------------------------------------------------------------------
def test_an_unanswered_request_expires_and_the_partner_loses_it(client, world, referral):
    info = ask(world, referral, days=1)
    url = reverse("referrals:information_request_answer", args=[info.pk])
    last_day = info.expires_on
    with time_machine.travel(timezone.make_aware(timezone.datetime(*last_day.timetuple()[:3], 12))):
        sign_in(client, world.spoc_a)
        assert client.get(url).status_code == 200
        assert information_requests_expire(today=last_day, acting_user=None) == 0
    after = last_day + timedelta(days=1)
    with time_machine.travel(timezone.make_aware(timezone.datetime(*after.timetuple()[:3], 12))):
        # Out of sight on the day after expiry, before the sweep records it.
        sign_in(client, world.spoc_a)
        assert client.get(url).status_code == 404
        with pytest.raises(TransitionRefused, match="expired"):
            information_request_answer(request=info, response="late", acting_user=world.spoc_a)
        assert information_requests_expire(today=after, acting_user=None) == 1
        assert information_requests_expire(today=after, acting_user=None) == 0
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.EXPIRED
    assert "expired unanswered" in referral.chronology.last().text


def test_the_architecture_document_prints_the_request_lifecycle_table():
    from pathlib import Path

    from django.conf import settings

    from referrals.lifecycle import INFORMATION_REQUEST_LIFECYCLE

    text = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    assert INFORMATION_REQUEST_LIFECYCLE.as_markdown() in text


def test_beat_runs_the_expiry_sweep_daily_as_the_system_account(world, referral):
    from prevent_portal.celery import app
    from referrals.tasks import information_requests_expire_task

    entry = app.conf.beat_schedule["information-requests-expire"]
    assert entry["task"] == "referrals.information_requests_expire"
    info = ask(world, referral, days=1)
    after = info.expires_on + timedelta(days=1)
    noon = timezone.make_aware(timezone.datetime(*after.timetuple()[:3], 12))
    with time_machine.travel(noon):
        assert information_requests_expire_task() == 1
    info.refresh_from_db()
    assert info.status == InformationRequest.Status.EXPIRED
    assert info.closed_by.username == "system"


def test_the_answer_is_announced_to_coordinators_who_can_read_it_not_to_one_who_left(
    world, referral
):
    """Review 1 (F7's rule for every notification): the answer's notice went to whoever
    asked, even after they had stopped being the Coordinator. It goes to them while they
    can open the referral, and otherwise to the Coordinators who can."""
    request = ask(world, referral)
    factories.member(Role.COORDINATOR, world.council, username="successor")
    membership_end(
        membership=world.coordinator.memberships.get(role=Role.COORDINATOR), acting_user=None
    )
    information_request_answer(request=request, response="Known to us", acting_user=world.spoc_a)
    told = set(
        Notification.objects.filter(kind="information_answered").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"successor"}
