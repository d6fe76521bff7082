"""Reminders, notifications and "assign to" lists are addressed within the record's council
area (issue 18): area X's Coordinators are never told of area Y's referral, nor every chair
in the region reminded of one area's case.

Two guards make the family impossible, not only today's cases:
- a scan of the code: nothing outside prevent_portal/accounts/addressees.py selects
  memberships by role alone (a role with no user, agency or area beside it), so a new
  "every Coordinator" addressee query fails here;
- a walk of every registered reminder provider, and of every notification the scenarios of
  tests/outbox/test_every_kind.py send, with a second area staffed by its own Coordinator,
  chair, manager, SPOC and panel member: nobody in it is addressed about area X's records.
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from channel_panel.models import ChannelCase
from governance.models import Board
from prevent_portal.accounts import approvals
from prevent_portal.accounts.addressees import EVERY_AREA, NoArea, holders, holders_by_area
from prevent_portal.accounts.models import Agency, Membership, Role
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.registry import providers
from prevent_portal.reminders.services import reminders_queue_due
from referrals.forms.triage import AssignForm, TriageQueueFilterForm
from referrals.models import Referral
from referrals.services import referral_assign
from tests import factories
from tests.areas.conftest import other_area_build
from tests.outbox import test_every_kind as scenarios
from tests.reminders.test_providers import TODAY

planted = scenarios.planted  # the reminder walk's canary cases and referrals, due on TODAY

# --- The scan ------------------------------------------------------------------------------
APPS = ["prevent_portal", "referrals", "channel_panel", "governance", "training", "documents"]
HELPER = Path("prevent_portal/accounts/addressees.py")
ROLE_LOOKUP = re.compile(r"^(memberships__)?role(__in)?$")
# A lookup that narrows memberships to someone or somewhere: then the role is not a way of
# choosing "everybody who holds it".
NARROWING = re.compile(
    r"^(memberships__)?(user|user_id|agency|agency_id)(__in)?$|^(memberships__)?agency__areas"
)
# Selections by role alone that address nobody, each with why.
NOT_ADDRESSEES = {
    ("prevent_portal/accounts/checks.py", "held.filter(role=Role.SYSADMIN)"): (
        "the separation-of-duties system check finds administrators holding case roles"
    ),
    ("training/expected.py", "Membership.objects.active().filter(role=Role.SPOC)"): (
        "which agencies have a SPOC, to expect their training returns"
    ),
    (
        "governance/services/regional.py",
        "Membership.objects.active().filter(role=Role.REGIONAL_LEAD)",
    ): ("which regions have a regional lead, to count their figures in the background"),
}


def _calls(node):
    """The calls of a method chain, outermost first: ``a.filter(x).filter(y)``."""
    while isinstance(node, ast.Call | ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Call):
            yield node
            node = node.func
        else:
            node = node.value


def role_only(tree: ast.AST) -> list[str]:
    """Every ``filter``/``exclude`` by role in ``tree`` whose chain names no user, agency or
    area: a selection of everybody who holds the role."""
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("filter", "exclude")
            and any(k.arg and ROLE_LOOKUP.match(k.arg) for k in node.keywords)
        ):
            continue
        chain = list(_calls(node))
        narrowed = any(
            k.arg and NARROWING.match(k.arg) for call in chain for k in call.keywords
        ) or any(getattr(call.func, "attr", "") == "in_areas" for call in chain)
        if not narrowed:
            found.append(ast.unparse(node))
    return found


def role_only_selections() -> list[tuple[str, str]]:
    """``role_only`` over every module of the apps but the helper and migrations."""
    root = Path(settings.BASE_DIR)
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts or relative == HELPER:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            found += [(str(relative), hit) for hit in role_only(tree)]
    return found


def test_no_code_selects_everybody_in_a_role_outside_the_addressee_helper():
    """Whom to tell, remind or offer is chosen by prevent_portal.accounts.addressees, which
    asks for the record's area: `filter(role=Role.COORDINATOR)` with nothing else picks the
    Coordinators of every council in the region."""
    found = role_only_selections()
    unexplained = [hit for hit in found if hit not in NOT_ADDRESSEES]
    assert not unexplained, (
        "Select people by role through prevent_portal.accounts.addressees (holders, "
        f"holders_by_area) with the record's area: {unexplained}"
    )
    assert set(NOT_ADDRESSEES) <= set(found), "an exception listed here no longer exists"


def test_the_scan_finds_an_instance_wide_selection():
    """The scan is not blind: the query every addressee used before issue 18 is caught, and
    one narrowed to a user is not."""
    source = (
        "User.objects.filter(is_active=True, memberships__in=Membership.objects.active()"
        ".filter(role=Role.COORDINATOR))\n"
        "Membership.objects.active().filter(user=user).filter(role=Role.SPOC)\n"
    )
    assert role_only(ast.parse(source)) == [
        "Membership.objects.active().filter(role=Role.COORDINATOR)"
    ]


# --- The walk ------------------------------------------------------------------------------
# Notices about the instance itself, not an area's record, that go to every area on purpose.
EVERY_AREA_KINDS = {"audit.chain_check_failed"}
# The days the walk runs the providers: the planted records' day, the day after the
# information request fell due (its chaser), after the training quarter's deadline (the
# Coordinators' overdue list) and after the board's due date (its escalation).
DAYS = [TODAY + timedelta(days=n) for n in (0, 1, 8, 20)]


@pytest.fixture
def walked(two_areas, planted, world, client):
    """Every scenario of the notification walk, in the world's area, with a second area
    staffed beside it; then the reminder sweep on each of DAYS. Returns the two areas and
    the words that name area X's things: its agencies, boards and records' references."""
    scenarios._submit_referral(client, world.referrer_a)
    scenarios._channel_scenarios(world)
    scenarios._referral_scenarios(world)
    scenarios._account_and_governance_scenarios(world)
    here = two_areas.here
    words = list(Agency.objects.filter(areas=here).values_list("name", flat=True))
    words += list(Board.objects.values_list("name", flat=True))
    words += list(Referral.objects.filter(area=here).values_list("reference", flat=True))
    words += list(ChannelCase.objects.filter(area=here).values_list("reference", flat=True))
    return two_areas, words


def _about_area_x(text: str, record, words: list[str]) -> bool:
    """Every record the scenarios make is area X's; a notice about no record (a training
    list, a board) is about area X when it names one of its things. Area Y's staff may well
    hear about their own agencies' training returns."""
    return record is not None or any(word in text for word in words)


def test_no_reminder_or_notification_tells_another_area_of_this_areas_records(walked, world):
    """One walk (it is the costly part) with two checks.

    Each reminder provider, run directly (before the sweep drops those who cannot see a
    record): every one of them speaks about area X's records, and none of them to area Y's
    staff. Then every notice the scenarios queued and the sweeps wrote: none about area X
    reaches area Y, but the notices about the instance itself, which go to every area."""
    two_areas, words = walked
    elsewhere = {user.pk for user in two_areas.elsewhere.staff}
    spoke, leaks = set(), []
    for day in DAYS:
        for name, provider in providers().items():
            for reminder in provider(day):
                spoke.add(name)
                text = f"{reminder.subject}\n{reminder.title}\n{reminder.body}"
                if reminder.recipient.pk in elsewhere and _about_area_x(
                    text, reminder.record, words
                ):
                    leaks.append((name, reminder.kind, reminder.recipient.username))
    assert not leaks, f"reminders about area X addressed to area Y: {leaks}"
    assert spoke == set(providers()), f"not exercised: {set(providers()) - spoke}"

    for day in DAYS:
        reminders_queue_due(today=day)
    leaks = [
        (note.kind, note.recipient.username)
        for note in Notification.objects.filter(recipient__in=two_areas.elsewhere.staff)
        if note.kind not in EVERY_AREA_KINDS
        and _about_area_x(f"{note.subject}\n{note.body}", None, words)
    ]
    assert not leaks, f"notices about area X sent to area Y: {leaks}"
    # The instance's own notice reached area Y's Coordinator; area X's were told of theirs.
    assert Notification.objects.filter(
        recipient=two_areas.elsewhere.coordinator, kind__in=EVERY_AREA_KINDS
    ).exists()
    assert (
        Notification.objects.filter(
            recipient=world.coordinator, kind__in=["referral_received", "training_overdue"]
        ).count()
        == 2
    )


# --- The helper and the lists ---------------------------------------------------------------
def test_holders_are_the_role_holders_of_the_area_and_nobody_elses(two_areas, world):
    elsewhere = two_areas.elsewhere
    assert list(holders(Role.COORDINATOR, two_areas.here)) == [world.coordinator]
    assert list(holders(Role.COORDINATOR, elsewhere.area.pk)) == [elsewhere.coordinator]
    assert set(holders(Role.COORDINATOR, EVERY_AREA)) == {world.coordinator, elsewhere.coordinator}
    # A partner serving both areas: its SPOC is a holder in each.
    world.agency_a.areas.add(elsewhere.area)
    assert world.spoc_a in holders(Role.SPOC, elsewhere.area)
    with pytest.raises(NoArea):
        holders(Role.COORDINATOR, None)  # a record with no area is addressed to nobody


def test_a_sweep_reads_the_holders_of_any_number_of_areas_in_one_query(
    world, django_assert_num_queries
):
    areas = [other_area_build(f"Area {n}", f"area-{n}") for n in range(3)]
    with django_assert_num_queries(1):
        index = holders_by_area(Role.COORDINATOR, [a.area.pk for a in areas])
    assert [index(a.area.pk) for a in areas] == [[a.coordinator] for a in areas]


def test_a_referral_is_assigned_only_to_a_coordinator_of_its_area(two_areas, world):
    referral = factories.referral(world.agency_a)
    elsewhere = two_areas.elsewhere
    offered = list(AssignForm(referral=referral).fields["officer"].queryset)
    assert offered == [world.coordinator]
    form = AssignForm(
        {"officer": elsewhere.coordinator.pk, "version": referral.version}, referral=referral
    )
    assert not form.is_valid() and "officer" in form.errors
    with pytest.raises(ValueError, match="council area"):
        referral_assign(
            referral=referral,
            officer=elsewhere.coordinator,
            expected_version=referral.version,
            acting_user=world.coordinator,
        )
    # The queue's filter offers the officers of the user's own area.
    choices = dict(TriageQueueFilterForm(user=elsewhere.coordinator).fields["officer"].choices)
    assert str(elsewhere.coordinator.pk) in choices and str(world.coordinator.pk) not in choices


def test_an_account_change_is_approved_and_heard_of_by_its_own_areas_coordinators(two_areas, world):
    """Choice (docs/security.md): a council's Coordinator vouches for who will see that
    council's records. A new role at area X's agency is for area X's Coordinator to approve;
    area Y's neither sees the request nor hears of it."""
    elsewhere = two_areas.elsewhere
    newcomer = factories.UserFactory(username="newcomer")
    change = approvals.membership_request(
        user=newcomer, agency=world.agency_a, role=Role.SPOC, acting_user=world.sysadmin
    )
    assert list(approvals.change_requests_for(world.coordinator)) == [change]
    assert list(approvals.change_requests_for(elsewhere.coordinator)) == []
    assert approvals.decision_blocker(elsewhere.coordinator, change)
    told = Notification.objects.filter(kind="accounts.change_requested")
    assert [n.recipient for n in told] == [world.coordinator]
    assert approvals.change_request_approve(change=change, acting_user=world.coordinator)
    assert Membership.objects.active().filter(user=newcomer, agency=world.agency_a).exists()
    # A sign-in detail of an account of area X: the same.
    email = approvals.user_email_set(
        user=world.spoc_a, email="new@example.invalid", acting_user=world.sysadmin
    )
    assert list(approvals.change_requests_for(world.coordinator)) == [email]
    assert list(approvals.change_requests_for(elsewhere.coordinator)) == []


def test_the_triage_sweep_costs_the_same_per_area_however_many_areas(
    world, django_assert_num_queries
):
    """The sweep at scale 10 addressed every chair in the country: with one Coordinator and
    one overdue referral in each of four areas it gives four reminders, not sixteen, in the
    same two queries as for one area."""
    from referrals.reminders import triage_overdue

    areas = [other_area_build(f"Area {n}", f"area-{n}") for n in range(4)]
    for other in areas:
        person = factories.PersonFactory(area=other.area)
        factories.referral(other.partner, person=person, received_on=TODAY - timedelta(days=30))
    with django_assert_num_queries(2):
        reminders = list(triage_overdue(TODAY))
    assert sorted((r.recipient.username, r.record.area_id) for r in reminders) == sorted(
        (other.coordinator.username, other.area.pk) for other in areas
    )


def test_information_is_asked_only_of_agencies_serving_the_referrals_area(two_areas, world):
    """The agency asked is shown the person's names, date of birth and address, and its
    SPOCs are e-mailed: another area's partner is neither offered nor accepted."""
    from referrals.forms.triage import InformationRequestForm
    from referrals.services import information_request_create

    referral = factories.referral(world.agency_a)
    elsewhere = two_areas.elsewhere
    offered = set(InformationRequestForm(referral=referral).fields["agency"].queryset)
    assert world.agency_b in offered and elsewhere.partner not in offered
    with pytest.raises(ValueError, match="council area"):
        information_request_create(
            referral=referral,
            agency=elsewhere.partner,
            question="Do you know them?",
            due_on=TODAY,
            acting_user=world.coordinator,
        )
    assert not Notification.objects.filter(recipient=elsewhere.spoc).exists()
