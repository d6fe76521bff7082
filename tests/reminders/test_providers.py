"""Every registered reminder provider, walked with planted personal data (security finding
F7): no reminder names a person or their date of birth (nor the day they turned 18), every
link is absolute, a reminder that names a protected record says which (``record``), and
every reminder queued goes to someone who may see that record today."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings

from channel_panel import services as channel
from channel_panel.models import ChannelCase, ExitReason, InterventionProvider, SupportType
from prevent_portal.accounts.models import Membership, Role
from prevent_portal.accounts.services import membership_end
from prevent_portal.outbox.links import RELATIVE_LINK
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.registry import providers
from prevent_portal.reminders.services import reminders_queue_due
from referrals.models import Referral
from tests import factories

TODAY = date(2026, 12, 12)
BIRTHDAY = date(2008, 12, 10)  # turned 18 on 10 December 2026
# Providers about protected records: the walk must make each of them speak.
ABOUT_RECORDS = {
    "channel_panel.contact_overdue",
    "channel_panel.consent_at_18",
    "channel_panel.post_exit_review",
    "referrals.triage_overdue",
}


def _day_forms(day: date) -> list[str]:
    return [f"{day:%-d %B %Y}", f"{day:%d %B %Y}", day.isoformat(), f"{day:%d/%m/%Y}"]


@pytest.fixture
def planted(world, time_machine):
    """Cases and referrals of people with canary names, each due a reminder on TODAY: an
    overdue support contact, consent at 18, a post-exit review, an untriaged referral, and
    an overdue contact on a case whose manager has since left its lead agency."""
    time_machine.move_to(date(2026, 6, 1))
    people = [
        factories.PersonFactory(
            given_name=f"Canarygiven{n}", family_name=f"Canaryfamily{n}", date_of_birth=BIRTHDAY
        )
        for n in range(4)
    ]
    leaver = factories.member(Role.SPOC, world.agency_a, username="leaver")
    exited = factories.channel_case(
        world.agency_a, world.spoc_a, person=people[1], received_on=date(2026, 6, 1)
    )
    exited = factories.exit_agreed(exited, world.chair)  # an exit needs the chair's agreement
    channel.case_exit(
        case=exited,
        reason=ExitReason.objects.get(code="risk-reduced"),
        exited_on=date(2026, 6, 15),  # six-month review due 15 December 2026
        expected_version=exited.version,
        acting_user=world.spoc_a,
    )
    time_machine.move_to(date(2026, 11, 20))
    consenting = factories.channel_case(world.agency_a, world.spoc_a, person=people[0])
    channel.consent_record(
        case=consenting,
        given_by="parent",
        giver_name="Canaryparent Person",
        given_on=date(2026, 11, 5),
        acting_user=world.spoc_a,
    )
    left_behind = factories.channel_case(world.agency_a, leaver, person=people[2])
    provider = InterventionProvider.objects.create(code="mentors", name="Fictional Mentors")
    for case, manager in [(consenting, world.spoc_a), (left_behind, leaver)]:
        channel.support_action_add(
            case=case,
            support_type=SupportType.objects.get(code="ideological-mentoring"),
            description="Weekly mentoring",
            owner_provider=provider,
            next_contact_due=date(2026, 12, 1),
            acting_user=manager,
        )
    membership_end(
        membership=Membership.objects.get(user=leaver, agency=world.agency_a), acting_user=None
    )
    untriaged = factories.referral(world.agency_b, person=people[3])
    time_machine.move_to(TODAY)
    canaries = [p.given_name for p in people] + [p.family_name for p in people]
    canaries += ["Canaryparent"] + _day_forms(BIRTHDAY) + _day_forms(date(2026, 12, 10))
    references = [c.reference for c in ChannelCase.objects.all()]
    references += [r.reference for r in Referral.objects.all()]
    return canaries, references, leaver, left_behind, untriaged


def test_every_provider_names_its_record_and_no_personal_data(planted):
    canaries, references, *_ = planted
    spoke = set()
    for name, provider in providers().items():
        for reminder in provider(TODAY):
            text = f"{reminder.subject}\n{reminder.title}\n{reminder.body}"
            found = [c for c in canaries if c in text]
            assert not found, f"{name} puts personal data in a reminder: {found}"
            assert not RELATIVE_LINK.search(reminder.body), f"{name}: a relative link"
            if any(ref in text for ref in references):
                assert reminder.record is not None, f"{name} names a record but not as record"
                spoke.add(name)
    assert spoke >= ABOUT_RECORDS


def test_every_queued_reminder_goes_to_someone_who_can_see_its_record(planted):
    canaries, _, leaver, left_behind, untriaged = planted
    queued = reminders_queue_due(today=TODAY)
    about_records = [r for r in queued if r.record is not None]
    assert {r.kind for r in about_records} >= {
        "channel_contact_overdue",
        "channel_consent_at_18",
        "channel_post_exit_review",
        "triage_overdue",
    }
    for reminder in about_records:
        model = type(reminder.record)
        visible = model.objects.visible_to(reminder.recipient).filter(pk=reminder.record.pk)
        assert visible.exists(), f"{reminder.kind} to {reminder.recipient} who cannot see it"
    # The manager who left agency A hears nothing of the case they used to hold, and the
    # Coordinator is still told.
    # (They were told of the adoption while they held the case, before they left.)
    assert not Notification.objects.filter(recipient=leaver).exclude(kind="case_adopted").exists()
    assert any(r.record == left_behind and r.recipient.username == "coordinator" for r in queued)
    assert any(r.record == untriaged for r in queued)
    for note in Notification.objects.all():
        text = f"{note.subject}\n{note.body}"
        assert not [c for c in canaries if c in text]
        links = [w for w in note.body.split() if "://" in w]
        assert all(link.startswith(settings.SITE_URL) for link in links)


def test_the_outbox_refuses_a_relative_link(world):
    from prevent_portal.outbox.services import notification_queue

    with pytest.raises(ValueError, match="relative link"):
        notification_queue(
            dedup_key="x",
            kind="referral_closed",
            recipient=world.coordinator,
            subject="Referral PR-1",
            body="Sign in to read it: /referrals/1/",
        )
    assert not Notification.objects.exists()
