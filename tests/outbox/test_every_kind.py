"""Every notification kind in the registry (prevent_portal/outbox/kinds.py), made to speak
through the services that send it, about people with distinctive names, dates of birth,
postcodes and addresses: none of that reaches a subject, a body or an attachment, no staff
member is named, and every link starts with SITE_URL. A kind added to the registry without a
scenario here fails the first test; a kind not in the registry cannot be queued at all."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest

from channel_panel import services as channel
from channel_panel.models import ExitReason
from prevent_portal.accounts.enrolment import enrolment_link_send
from prevent_portal.accounts.models import Membership, User
from prevent_portal.outbox.kinds import KINDS, UnregisteredKind
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import notification_queue, notification_queue_many
from prevent_portal.reminders.services import reminders_queue_due
from referrals.models import Person, PersonAlias, Referral
from referrals.services import (
    cross_area_request_send,
    cross_area_request_share,
    information_request_answer,
    information_request_create,
    information_request_withdraw,
    referral_share,
)
from tests import factories
from tests.conftest import sign_in
from tests.referrals.test_intake import url as intake_url
from tests.reminders import test_providers
from tests.reminders.test_providers import TODAY, _day_forms
from tests.training.helpers import quarter

SITE = "https://portal.example.test"
URL = re.compile(r"https?://[^\s<>\"]+")
DOB = date(2009, 2, 27)
# Cases and referrals of other canary people, each due a reminder on TODAY.
planted = test_providers.planted
POSTCODE = "QX7 3ZW"
ADDRESS = "14 Marigold Crescent\nThistleby"


def _canary_person(n: int) -> Person:
    person = factories.PersonFactory(
        given_name=f"Zephyrine{n}",
        family_name=f"Quillfeather{n}",
        date_of_birth=DOB,
        postcode=POSTCODE,
        address=ADDRESS,
        school_or_employer="Hollowmere Academy",
    )
    PersonAlias.objects.create(person=person, given_name="Zeph", family_name=f"Quillby{n}")
    return person


def _submit_referral(client, referrer) -> None:
    """A referral made through the intake pages, as a referrer makes one."""
    from referrals.models import ConcernType, NeedsFlag

    sign_in(client, referrer)
    concern = ConcernType.objects.current().first()
    flag = NeedsFlag.objects.current().get(code=NeedsFlag.AUTISM)
    pages = [
        ("intake_name", {"given_name": "Zephyrine9", "family_name": "Quillfeather9"}),
        (
            "intake_date_of_birth",
            {"date_of_birth_day": "27", "date_of_birth_month": "2", "date_of_birth_year": "2009"},
        ),
        ("intake_gender", {"gender": "other"}),
        ("intake_address", {"address": ADDRESS, "postcode": POSTCODE}),
        ("intake_school", {"school_or_employer": "Hollowmere Academy"}),
        ("intake_aliases", {"aliases": "Zeph Quillby9"}),
        ("intake_concern", {"concern_summary": "Zephyrine9 shared fictional material."}),
        ("intake_concern_types", {"concern_types": [str(concern.pk)]}),
        ("intake_needs", {"needs_flags": [str(flag.pk)]}),
        ("intake_awareness", {"person_awareness": "aware"}),
    ]
    for name, data in pages:
        assert client.post(intake_url(name), data).status_code == 302, name
    assert client.post(intake_url("intake_check")).status_code == 302
    client.logout()


def _channel_scenarios(world) -> None:
    """Invitations (new, moved, withdrawn), a pack opening, approved minutes, an action due,
    an adoption and ownership returned, all about cases of canary people, on TODAY."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    soon = channel.meeting_schedule(
        meets_on=TODAY + timedelta(days=5),
        starts_at=time(10, 0),
        location="Committee Room 2, Civic Centre",
        chair=world.chair,
        acting_user=world.coordinator,
    )
    channel.agenda_item_add(
        meeting=soon,
        referral=factories.panel_referral(world.agency_a, person=_canary_person(20)),
        acting_user=world.coordinator,
    )
    soon.refresh_from_db()
    channel.meeting_update(
        meeting=soon,
        meets_on=soon.meets_on + timedelta(days=1),
        chair=world.chair,
        mode=soon.mode,
        starts_at=time(14, 0),
        location=soon.location,
        expected_version=soon.version,
        acting_user=world.coordinator,
    )
    channel.invitee_remove(
        invitee=soon.invitees.get(user=world.panel_a), acting_user=world.coordinator
    )
    held = channel.meeting_schedule(meets_on=TODAY, chair=world.chair, acting_user=world.chair)
    channel.attendance_record(
        meeting=held,
        entries=[
            channel.AttendanceEntry(agency=world.council, status="present", user=world.chair),
            channel.AttendanceEntry(agency=world.agency_a, status="present", user=world.panel_a),
        ],
        expected_version=held.version,
        acting_user=world.chair,
    )
    held.refresh_from_db()
    channel.meeting_mark_held(meeting=held, expected_version=held.version, acting_user=world.chair)
    # An action agency A owns, due today: its SPOCs are reminded (panel_action_due).
    channel.meeting_action_add(
        meeting=held,
        description="Zephyrine20 Quillfeather20 to be offered mentoring",
        due_on=TODAY,
        owner_agency=world.agency_a,
        acting_user=world.chair,
    )
    channel.minutes_approve(meeting=held, expected_version=held.version, acting_user=world.chair)
    case = factories.channel_case(world.agency_a, world.spoc_a, person=_canary_person(21))
    case = factories.exit_agreed(case, world.chair)
    channel.case_exit(
        case=case,
        reason=ExitReason.objects.get(code="ownership-returned"),
        exited_on=TODAY,
        return_ownership_to=world.agency_b,
        returned_case_manager=world.spoc_b,
        expected_version=case.version,
        acting_user=world.spoc_a,
    )


def _referral_scenarios(world) -> None:
    referral = factories.referral(world.agency_a, person=_canary_person(30))
    referral_share(
        referral=referral, to_user=world.spoc_b, reason="Zephyrine30", acting_user=world.coordinator
    )
    answered = information_request_create(
        referral=referral,
        agency=world.agency_b,
        question="Do you know Zephyrine30 Quillfeather30?",
        due_on=TODAY + timedelta(days=3),
        acting_user=world.coordinator,
    )
    information_request_answer(
        request=answered, response="Yes, Zephyrine30 attends.", acting_user=world.spoc_b
    )
    withdrawn = information_request_create(
        referral=referral,
        agency=world.agency_a,
        question="Quillfeather30?",
        due_on=TODAY + timedelta(days=3),
        acting_user=world.coordinator,
    )
    information_request_withdraw(
        request=withdrawn, reason="Zephyrine30 moved", acting_user=world.coordinator
    )
    information_request_create(  # unanswered: chased once it is overdue
        referral=referral,
        agency=world.agency_b,
        question="Quillfeather30 again?",
        due_on=TODAY,
        acting_user=world.coordinator,
    )
    factories.closed_referral(
        world.agency_a, closed_on=TODAY, person=_canary_person(31), referrer=world.referrer_a
    )


def _transfer_scenario(world) -> None:
    """A transfer proposed to a second council area (its Coordinator is told): last, since a
    second area leaves records made without naming one with no area."""
    from prevent_portal.accounts.models import Role
    from prevent_portal.areas.models import Area
    from referrals.services import transfer_propose

    elsewhere = Area.objects.create(name="Transferton", short_code="transferton")
    council = factories.AgencyFactory(name="Transferton council", short_code="transferton")
    council.areas.set([elsewhere])
    factories.member(Role.COORDINATOR, council, username="transferton-coordinator")
    referral = factories.referral(world.council, person=_canary_person(32))
    transfer_propose(
        referral=referral,
        kind="referral",
        to_area=elsewhere,
        summary="Zephyrine32 Quillfeather32 moved to Transferton.",
        acting_user=world.coordinator,
    )


def _cross_area_scenarios(world) -> None:
    """A second council area asks this one about a person known here, and is answered.
    Runs last: with two areas, a record made without naming its area has none."""
    from tests.areas.conftest import other_area_build

    known_here = _canary_person(40)
    factories.referral(world.agency_a, person=known_here)
    elsewhere = other_area_build()
    theirs = factories.PersonFactory(
        area=elsewhere.area,
        given_name=known_here.given_name,
        family_name=known_here.family_name,
        date_of_birth=DOB,
        postcode=POSTCODE,
    )
    request = cross_area_request_send(
        referral=factories.referral(elsewhere.partner, person=theirs),
        holding_area=known_here.area,
        reason="Zephyrine40 moved here",
        acting_user=elsewhere.coordinator,
    )
    cross_area_request_share(
        request=request, summary="Zephyrine40 was known", acting_user=world.coordinator
    )


def _account_and_governance_scenarios(world) -> None:
    """Kinds about staff accounts, the audit trail, training and boards: no referred person
    can be in them, and they are walked all the same."""
    from django.test import RequestFactory

    from prevent_portal.accounts import administration, approvals, selfservice
    from prevent_portal.accounts.services import _tell_spocs_account_disabled
    from prevent_portal.audit.anchors import _alert

    enrolment_link_send(user=world.spoc_a, acting_user=None)
    invited = factories.UserFactory(username="invited", first_name="Imelda", last_name="Quarrie")
    enrolment_link_send(user=invited, acting_user=None, invitation=True)
    world.spoc_b.email = "spoc.b@agency-b.example"
    world.spoc_b.save()
    selfservice.password_reset_request(
        email=world.spoc_b.email, request=RequestFactory().post("/sign-in/forgot-password/")
    )
    for made_by, agency in ((world.spoc_a, world.agency_a), (world.spoc_b, world.agency_b)):
        made = administration.account_request_create(
            agency=agency,
            first_name="Orrin",
            last_name="Blackwater",
            email="orrin.blackwater@example.org",
            job_title="Teacher",
            role="referrer",
            reason="New designated safeguarding lead",
            acting_user=made_by,
        )
    administration.account_request_decline(
        made=made,
        reason="Already has one",
        expected_version=made.version,
        acting_user=world.sysadmin,
    )
    _tell_spocs_account_disabled(user=world.referrer_a, last_used=TODAY, today=TODAY)
    approvals.notify_role_ended(
        membership=Membership.objects.get(user=world.panel_a), acting_user=world.coordinator
    )
    change = SimpleNamespace(
        pk=1,
        kind="email",  # a sign-in detail: told to the Coordinators of the account's areas
        description="Add the SPOC role",
        subject=world.referrer_a,
        subject_id=world.referrer_a.pk,
        requested_by=world.spoc_a,
    )
    for event in ("requested", "approved-coordinator", "done", "refused"):
        approvals._notify_coordinators(change, event, "An account change")
    _alert("the chain does not verify", today=TODAY)
    factories.board(world.chair, next_due_override=TODAY + timedelta(days=19))
    quarter(date(2026, 9, 30), deadline=TODAY + timedelta(days=7))


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def spoken(planted, world, client):
    """Every notification the scenarios queue, and the strings none may hold."""
    canaries, *_ = planted
    _submit_referral(client, world.referrer_a)
    _channel_scenarios(world)
    _referral_scenarios(world)
    _account_and_governance_scenarios(world)
    _transfer_scenario(world)
    for day in (TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=8), date(2027, 1, 1)):
        reminders_queue_due(today=day)
    _cross_area_scenarios(world)
    people = Person.objects.all()
    canaries += [p.given_name for p in people] + [p.family_name for p in people]
    canaries += [a.family_name for a in PersonAlias.objects.all()]
    canaries += _day_forms(DOB) + [POSTCODE, POSTCODE.replace(" ", ""), "Marigold", "Thistleby"]
    canaries += ["Hollowmere", "Orrin", "Blackwater", "orrin.blackwater"]
    # Staff are not named either (usernames identify accounts in account notices).
    canaries += [u.get_full_name() for u in User.objects.exclude(first_name="")]
    return list(Notification.objects.order_by("pk")), canaries


def _texts(note: Notification) -> list[tuple[str, str]]:
    parts = [("subject", note.subject), ("body", note.body)]
    for attachment in note.attachments:
        # A calendar file folds long lines ("\r\n "): unfold before reading it.
        content = attachment["content"].replace("\r\n ", "")
        parts.append((attachment["filename"], content))
    return parts


def test_every_registered_kind_is_sent_by_a_scenario(spoken):
    notes, _ = spoken
    assert set(KINDS) - {n.kind for n in notes} == set(), "kinds with no scenario here"


def test_no_notification_holds_personal_data_and_every_link_is_absolute(spoken):
    notes, canaries = spoken
    assert len(canaries) > 20
    for note in notes:
        for part, text in _texts(note):
            found = [c for c in canaries if c and c in text]
            assert not found, f"{note.kind} {part} holds personal data: {found}"
            for link in URL.findall(text):
                assert link.startswith(SITE + "/"), f"{note.kind} {part}: {link}"
    # The notices that point at something carry a link to it.
    with_links = {n.kind for n in notes if URL.search(n.body)}
    assert with_links >= set(KINDS) - {"accounts.role_ended", "audit.chain_check_failed"}
    assert all(n.recipient.is_active for n in notes)


def test_an_unregistered_kind_cannot_be_queued(world):
    with pytest.raises(UnregisteredKind):
        notification_queue(
            dedup_key="new", kind="shiny_new", recipient=world.coordinator, subject="s", body="b"
        )
    with pytest.raises(UnregisteredKind):
        notification_queue_many(
            notifications=[
                Notification(
                    dedup_key="new", kind="shiny_new", recipient=world.coordinator, subject="s"
                )
            ]
        )
    assert not Notification.objects.exists()


def test_a_recipient_who_cannot_see_the_record_is_never_queued(world):
    """The access module decides: an SPOC of agency B cannot see agency A's referral, so a
    notice about it to them is not written, and one to agency A's SPOC is."""
    referral = factories.referral(world.agency_a)
    assert not Referral.objects.visible_to(world.spoc_b).filter(pk=referral.pk).exists()
    for user in (world.spoc_b, world.spoc_a, world.no_role):
        notification_queue(
            dedup_key=f"shared:{user.pk}",
            kind="referral_shared",
            recipient=user,
            subject=f"Referral {referral.reference}",
            body="Sign in.",
            record=referral,
        )
    assert [n.recipient for n in Notification.objects.all()] == [world.spoc_a]
    with pytest.raises(ValueError, match="pass it as record"):
        notification_queue(
            dedup_key="x", kind="referral_shared", recipient=world.spoc_a, subject="s", body="b"
        )
