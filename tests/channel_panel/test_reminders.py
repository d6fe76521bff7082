"""Channel reminders: overdue support contacts, consent at 18, post-exit reviews due. Each
reaches the right people exactly once, and names the case by its reference only."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from channel_panel import services
from channel_panel.models import ExitReason, InterventionProvider, SupportType
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from tests import factories


def run(day: str) -> list[dict]:
    out = StringIO()
    call_command("send_reminders", "--today", day, stdout=out)
    return json.loads(out.getvalue())


def kinds(rows, kind) -> list[dict]:
    return [row for row in rows if row["kind"] == kind]


@pytest.fixture
def action(world, time_machine):
    time_machine.move_to(date(2026, 11, 20))
    person = factories.PersonFactory(given_name="Ottoline", family_name="Remindme")
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    provider = InterventionProvider.objects.create(code="mentors", name="Fictional Mentors")
    return services.support_action_add(
        case=case,
        support_type=SupportType.objects.get(code="ideological-mentoring"),
        description="Weekly mentoring",
        owner_provider=provider,
        next_contact_due=date(2026, 12, 1),
        acting_user=world.spoc_a,
    )


def test_an_overdue_contact_reaches_the_case_manager_and_the_coordinator_once(world, action):
    """Not every chair in the country (security finding F7): the council's chairs cannot see
    agency A's case, so they are not told about it; a chair of agency A is."""
    factories.member(Role.PANEL_CHAIR, world.council, username="deputy-chair")
    chair_a = factories.member(Role.PANEL_CHAIR, world.agency_a, username="chair-a")
    assert kinds(run("2026-12-01"), "channel_contact_overdue") == []  # due today: not late
    rows = kinds(run("2026-12-02"), "channel_contact_overdue")
    subject = f"Channel case {action.case.reference}"
    assert sorted(rows, key=lambda r: r["recipient"]) == [
        {"kind": "channel_contact_overdue", "subject": subject, "due": "2026-12-01",
         "recipient": name}
        for name in sorted([chair_a.username, "coordinator", world.spoc_a.username])
    ]  # fmt: skip
    assert kinds(run("2026-12-03"), "channel_contact_overdue") == []
    assert Notification.objects.filter(kind="channel_contact_overdue").count() == 3


def test_a_case_manager_who_has_left_the_lead_agency_is_not_reminded(world, action):
    from prevent_portal.accounts.models import Membership
    from prevent_portal.accounts.services import membership_end, membership_grant

    # They moved to agency B: their agency A membership ends (the case stays with A).
    membership_end(
        membership=Membership.objects.get(user=world.spoc_a, agency=world.agency_a),
        acting_user=None,
    )
    membership_grant(user=world.spoc_a, agency=world.agency_b, role=Role.SPOC, acting_user=None)
    rows = kinds(run("2026-12-02"), "channel_contact_overdue")
    assert [r["recipient"] for r in rows] == ["coordinator"]


def test_two_sweeps_on_the_same_day_queue_an_overdue_contact_once(world, action):
    first = reminders_queue_due(today=date(2026, 12, 5))
    second = reminders_queue_due(today=date(2026, 12, 5))
    assert len([r for r in first if r.kind == "channel_contact_overdue"]) == 2
    assert [r for r in second if r.kind == "channel_contact_overdue"] == []


def test_a_new_due_date_missed_is_a_new_reminder(world, action, time_machine):
    run("2026-12-02")
    time_machine.move_to(date(2026, 12, 3))
    services.support_contact_record(
        action=action,
        contact_on=date(2026, 12, 3),
        notes="Caught up",
        next_contact_due=date(2026, 12, 10),
        acting_user=world.spoc_a,
    )
    assert kinds(run("2026-12-05"), "channel_contact_overdue") == []
    rows = kinds(run("2026-12-11"), "channel_contact_overdue")
    assert {row["due"] for row in rows} == {"2026-12-10"}


def test_no_overdue_reminder_for_a_completed_action_or_an_exited_case(world, action):
    factories.exit_agreed(action.case, world.chair)
    services.case_exit(
        case=action.case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=date(2026, 11, 20),
        expected_version=action.case.version,
        acting_user=world.spoc_a,
    )
    assert kinds(run("2026-12-02"), "channel_contact_overdue") == []


def test_reminders_never_carry_the_persons_name(world, action):
    reminders_queue_due(today=date(2026, 12, 2))
    for note in Notification.objects.all():
        assert "Ottoline" not in note.subject and "Remindme" not in note.subject
        assert "Ottoline" not in note.body and "Remindme" not in note.body


@pytest.fixture
def parent_consent(world, time_machine):
    time_machine.move_to(date(2026, 11, 20))
    person = factories.PersonFactory(date_of_birth=date(2008, 12, 10))
    case = factories.channel_case(world.agency_a, world.spoc_a, person=person)
    services.consent_record(
        case=case,
        given_by="parent",
        giver_name="Robin Testparent",
        given_on=date(2026, 11, 5),
        acting_user=world.spoc_a,
    )
    return case


def test_turning_18_with_a_parents_consent_asks_the_case_manager_once(world, parent_consent):
    assert kinds(run("2026-12-09"), "channel_consent_at_18") == []
    rows = kinds(run("2026-12-10"), "channel_consent_at_18")
    assert rows == [
        {
            "kind": "channel_consent_at_18",
            "subject": f"Channel case {parent_consent.reference}",
            "due": "2026-12-10",
            "recipient": world.spoc_a.username,
        }
    ]
    assert kinds(run("2026-12-11"), "channel_consent_at_18") == []
    assert kinds(run("2027-06-01"), "channel_consent_at_18") == []


def test_no_consent_reminder_once_the_person_has_consented(world, parent_consent, time_machine):
    time_machine.move_to(date(2026, 12, 12))
    services.consent_record(
        case=parent_consent,
        given_by="person",
        given_on=date(2026, 12, 11),
        acting_user=world.spoc_a,
    )
    assert kinds(run("2026-12-12"), "channel_consent_at_18") == []


@pytest.fixture
def exited(world, settings):
    settings.CHANNEL_REVIEW_REMINDER_DAYS = 14
    case = factories.channel_case(world.agency_a, world.spoc_a)
    factories.exit_agreed(case, world.chair)
    services.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=date(2026, 11, 10),
        expected_version=case.version,
        acting_user=world.spoc_a,
    )
    return case


def test_a_post_exit_review_reminds_coordinators_and_the_case_manager_once(world, exited):
    # The 6-month review is due on 10 May 2027: reminders from 26 April.
    assert kinds(run("2027-04-25"), "channel_post_exit_review") == []
    rows = kinds(run("2027-04-26"), "channel_post_exit_review")
    assert sorted(row["recipient"] for row in rows) == ["coordinator", world.spoc_a.username]
    assert {row["due"] for row in rows} == {"2027-05-10"}
    assert kinds(run("2027-05-10"), "channel_post_exit_review") == []
    # The 12-month review comes up in its turn.
    rows = kinds(run("2027-10-27"), "channel_post_exit_review")
    assert {row["due"] for row in rows} == {"2027-11-10"}


def test_a_review_already_held_is_not_reminded(world, exited, time_machine):
    review = exited.reviews.get(months_after_exit=6)
    time_machine.move_to(date(2027, 4, 20))
    services.post_exit_review_record(
        review=review, held_on=date(2027, 4, 20), notes="Held early", acting_user=world.spoc_a
    )
    assert kinds(run("2027-04-30"), "channel_post_exit_review") == []
