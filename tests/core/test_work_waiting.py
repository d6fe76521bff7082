"""The home page's work waiting (prevent_portal/core/work_waiting.py): each role's panel
counts what waits for that person, through the access module, and each link shows exactly
what was counted. A count never reveals another agency's work, and the page costs the same
number of queries whatever the amount of work behind it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channel_panel import services as channel
from channel_panel.models import ExitReason, InterventionProvider, SupportType
from governance.services import subject_access_request
from prevent_portal.core import work_waiting
from referrals.services import information_request_create
from tests import factories
from tests.conftest import sign_in
from training.services.configuration import reporting_period_create, training_type_create

TODAY = date(2026, 12, 12)


def panels(client) -> dict[str, dict[str, tuple[str, str]]]:
    """{panel key: {item key: (link text, href)}} as the home page shows them."""
    html = client.get("/").content.decode()
    found = {}
    for key, body in re.findall(r'data-waiting-panel="(\w+)">(.*?)</section>', html, re.S):
        found[key] = {
            item: (unescape(re.sub(r"\s+", " ", text).strip()), unescape(href))
            for item, href, text in re.findall(
                r'data-waiting="(\w+)">\s*<a class="govuk-link[^"]*" href="([^"]+)">(.*?)</a>',
                body,
                re.S,
            )
        }
    return found


def shown(client, href: str) -> str:
    response = client.get(href)
    assert response.status_code == 200
    return response.content.decode()


# --- Work for an agency, made through the services -------------------------------------------
def add_work(world, time_machine, agency, spoc, *, n: int = 1) -> dict:
    """``n`` of each kind of waiting work owned by ``agency`` (its SPOC ``spoc`` the case
    manager and the one asked), as on TODAY: referrals over the triage target, overdue
    information requests, overdue support contacts, consents due at 18, post-exit reviews
    due, undecided items of a past meeting, a pack open to ``spoc``, minutes to approve,
    subject access requests near their deadline, board updates due, a missing return."""
    made: dict[str, list] = {key: [] for key in ("over", "asked", "contact", "consent", "review")}
    mentors, _ = InterventionProvider.objects.get_or_create(code="mentors", name="Mentors")
    mentoring = SupportType.objects.get(code="ideological-mentoring")
    for _ in range(n):
        time_machine.move_to(date(2026, 6, 1))
        exited = factories.channel_case(agency, spoc, received_on=date(2026, 6, 1))
        exited = factories.exit_agreed(exited, world.chair)
        channel.case_exit(
            case=exited,
            reason=ExitReason.objects.get(code="risk-reduced"),
            exited_on=date(2026, 6, 15),  # six-month review due 15 December 2026
            expected_version=exited.version,
            acting_user=spoc,
        )
        made["review"].append(exited)
        time_machine.move_to(date(2026, 11, 20))
        teen = factories.PersonFactory(date_of_birth=date(2008, 12, 10))  # 18 on 10 December
        consenting = factories.channel_case(agency, spoc, person=teen)
        channel.consent_record(
            case=consenting,
            given_by="parent",
            giver_name="A parent",
            given_on=date(2026, 11, 5),
            acting_user=spoc,
        )
        made["consent"].append(consenting)
        channel.support_action_add(
            case=consenting,
            support_type=mentoring,
            description="Weekly mentoring",
            owner_provider=mentors,
            next_contact_due=date(2026, 12, 1),
            acting_user=spoc,
        )
        made["contact"].append(consenting)
        time_machine.move_to(date(2026, 12, 1))
        over = factories.referral(agency, received_on=date(2026, 11, 20))
        made["over"].append(over)
        information_request_create(
            referral=over,
            agency=agency,
            question="Do you know this person?",
            due_on=date(2026, 12, 5),
            acting_user=world.coordinator,
        )
        made["asked"].append(over)
        subject_access_request(
            person=over.person,
            received_on=date(2026, 11, 15),  # answer due 15 December
            request_reference="SAR-1",
            acting_user=world.coordinator,
        )
        held = factories.meeting(world.chair, meets_on=date(2026, 12, 3))
        channel.agenda_item_add(
            meeting=held, referral=factories.panel_referral(agency), acting_user=world.chair
        )
        time_machine.move_to(TODAY)
        channel.meeting_mark_held(
            meeting=held, expected_version=held.version, acting_user=world.chair
        )
        coming = factories.meeting(world.chair, meets_on=date(2026, 12, 17))
        channel.invitee_add(meeting=coming, user=spoc, agency=agency, acting_user=world.chair)
        factories.board(world.coordinator, next_due_override=date(2026, 12, 1))
    if not hasattr(agency, "_training"):
        # Only the type named below is owed (the seeded ones are owed by every agency).
        from training.models import TrainingType

        TrainingType.objects.update(is_active=False)
        training_type_create(
            name=f"Awareness {agency.short_code}",
            target_percent=85,
            agencies=[agency],
            acting_user=None,
        )
        agency._training = True
    from training.models import ReportingPeriod

    if not ReportingPeriod.objects.filter(end=date(2026, 9, 30)).exists():
        reporting_period_create(
            end=date(2026, 9, 30), submission_deadline=date(2026, 12, 20), acting_user=None
        )
    time_machine.move_to(TODAY)
    return made


@pytest.fixture
def work_b(world, time_machine):
    """Agency B's work, one of each kind."""
    return add_work(world, time_machine, world.agency_b, world.spoc_b)


def client_for(client, user):
    sign_in(client, user)
    return client


# --- Each role's panel ----------------------------------------------------------------------
def test_coordinator_sees_each_kind_of_waiting_work_and_each_link_shows_it(client, world, work_b):
    coordinator = client_for(client, world.coordinator)
    items = panels(coordinator)["coordinator"]
    texts = {key: text for key, (text, _) in items.items()}
    assert texts == {
        # 2: the referral over the target and the one passed to panel... only open ones.
        "triage_over_target": "1 referral over the triage target",
        "triage_waiting": "1 referral waiting for triage",
        "information_overdue": "1 referral with an information request overdue",
        "agenda_undecided": "1 agenda item with no decision",
        "consent_due": "1 case where the person has turned 18: ask for their own consent",
        "contacts_overdue": "1 case with a support contact overdue",
        "reviews_due": "1 case with a post-exit review due",
        "subject_access_deadline": "1 subject access request near its one-month deadline",
        "boards_overdue": "1 board update overdue",
    }
    # Most urgent first: the overdue ones before those merely due.
    keys = list(items)
    assert keys.index("contacts_overdue") < keys.index("triage_waiting")
    over = work_b["over"][0].reference
    assert over in shown(coordinator, items["triage_over_target"][1])
    assert over in shown(coordinator, items["information_overdue"][1])
    for key, case in [
        ("consent_due", work_b["consent"][0]),
        ("contacts_overdue", work_b["contact"][0]),
        ("reviews_due", work_b["review"][0]),
    ]:
        page = shown(coordinator, items[key][1])
        assert case.reference in page and 'id="case-count">1 case<' in page, key
    assert "SAR-1" in shown(coordinator, items["subject_access_deadline"][1])
    assert "Test board" in shown(coordinator, items["boards_overdue"][1])
    meeting = shown(coordinator, items["agenda_undecided"][1])
    assert "Agenda" in meeting


def test_chair_sees_the_next_meeting_its_quorum_and_minutes_to_approve(client, world, work_b):
    chair = client_for(client, world.chair)
    items = panels(chair)["chair"]
    assert items["next_meeting"][0] == "Next meeting: 17 December 2026"
    assert items["minutes_waiting"][0] == "1 meeting's minutes waiting for your approval"
    assert "3 December 2026" in shown(chair, items["minutes_waiting"][1])
    assert "17 December 2026" in shown(chair, items["next_meeting"][1])


def test_chairs_next_meeting_counts_its_case_items_and_those_without_a_decision(
    client, world, time_machine
):
    """The next meeting's detail counts case items (not other business) and, of them, the
    undecided ones among them."""
    time_machine.move_to(datetime(2026, 12, 12, 16, 0, tzinfo=UTC))
    meeting = factories.meeting(world.chair, meets_on=TODAY, starts_at=time(10, 0))
    decided = channel.agenda_item_add(
        meeting=meeting, referral=factories.panel_referral(world.agency_a), acting_user=world.chair
    )
    channel.agenda_item_add(
        meeting=meeting, referral=factories.panel_referral(world.agency_b), acting_user=world.chair
    )
    channel.agenda_item_add(meeting=meeting, title="Terms of reference", acting_user=world.chair)
    channel.decision_record(
        item=decided,
        outcome="refer_elsewhere",
        rationale="Housing need",
        referred_to="Housing options",
        acting_user=world.chair,
    )
    html = client_for(client, world.chair).get("/").content.decode()
    assert "2 case items on the agenda, 1 without a decision." in unescape(html)


def test_partner_sees_packs_requests_contacts_and_returns_of_their_own_agency(
    client, world, work_b
):
    spoc = client_for(client, world.spoc_b)
    items = panels(spoc)["partner"]
    texts = {key: text for key, (text, _) in items.items()}
    assert texts == {
        "packs_open": "Panel pack open for the meeting on 17 December 2026",
        "information_to_answer": "1 information request waiting for your agency's answer",
        "contacts_overdue": "1 case with a support contact overdue",
        f"returns_missing_{_period().pk}": "1 training return missing for Q2 2026/27",
        # referrer_b's role, at agency B (prevent_portal/accounts/work_waiting.py)
        "access_review_unanswered": "1 role at your agency not yet reviewed for 2026-Q4",
    }
    assert "Do you know" not in shown(spoc, items["information_to_answer"][1])  # the list
    assert work_b["contact"][0].reference in shown(spoc, items["contacts_overdue"][1])


def _period():
    from training.models import ReportingPeriod

    return ReportingPeriod.objects.get(end=date(2026, 9, 30))


def test_referrer_sees_their_referrals_with_status(client, world, time_machine):
    time_machine.move_to(TODAY)
    made = factories.referral(world.agency_a, referrer=world.referrer_a, received_on=TODAY)
    factories.referral(world.agency_a, referrer=world.referrer_b)  # not theirs
    referrer = client_for(client, world.referrer_a)
    items = panels(referrer)["referrer"]
    assert list(items.values()) == [
        ("Your referral of 12 December 2026: received", f"/referrals/{made.pk}/status/")
    ]


def test_manager_sees_board_updates_and_figures_never_people(client, world, work_b):
    manager = client_for(client, world.manager)
    found = panels(manager)
    assert set(found) == {"manager"}
    items = found["manager"]
    assert items["boards_overdue"][0] == "1 board update overdue"
    assert items["latest_figures"] == (
        "Latest figures, April 2026 to March 2027",
        "/governance/dashboard/",
    )
    html = manager.get("/").content.decode()
    assert work_b["over"][0].reference not in html
    assert work_b["over"][0].person.family_name not in html


def test_a_user_with_several_roles_sees_each_roles_panel(client, world, work_b):
    from prevent_portal.accounts.models import Role
    from prevent_portal.accounts.services import membership_grant

    membership_grant(user=world.spoc_b, agency=world.agency_b, role=Role.REFERRER, acting_user=None)
    assert set(panels(client_for(client, world.spoc_b))) == {"partner", "referrer"}


# --- Need to know ---------------------------------------------------------------------------
def test_agency_a_gets_zero_counts_for_agency_bs_work(client, world, work_b):
    """Agency B's SPOC sees its work waiting (so the providers do speak); agency A's SPOC
    and panel member see none of it, however it is counted."""
    assert len(panels(client_for(client, world.spoc_b))["partner"]) == 5
    for persona in (world.spoc_a, world.panel_a):
        client.logout()
        found = panels(client_for(client, persona))
        # Agency A's SPOC has only agency A's own access review waiting.
        expected = {"access_review_unanswered"} if persona == world.spoc_a else set()
        assert set(found["partner"]) == expected, persona.username
    assert "Nothing is waiting for you here." in client.get("/").content.decode()


def test_a_zero_count_is_not_listed_but_said_to_be_checked(client, world):
    html = client_for(client, world.coordinator).get("/").content.decode()
    assert panels(client)["coordinator"] == {}
    assert "Nothing waiting in: the triage queue; information requests overdue" in html


def test_providers_register_only_on_a_known_panel():
    with pytest.raises(ValueError, match="Unknown work-waiting panel"):
        work_waiting.register(work_waiting.Provider("x", "nobody", lambda u, t: [], "x"))


# --- A fixed number of queries ----------------------------------------------------------------
def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return len(ctx.captured_queries)


PERSONAS = ["coordinator", "chair", "spoc_b", "manager", "referrer_b"]


def test_home_page_query_count_is_constant_for_every_role(world, time_machine):
    """Each role's home page makes the same number of queries with one of each kind of
    waiting work as with four (and one or seven referrals of the referrer's)."""
    from django.test import Client

    add_work(world, time_machine, world.agency_b, world.spoc_b)
    factories.referral(world.agency_b, referrer=world.referrer_b, received_on=TODAY)
    clients = {name: client_for(Client(), world.persona(name)) for name in PERSONAS}
    for client in clients.values():
        client.get("/")  # settle the session
    one = {name: home_queries(client) for name, client in clients.items()}
    add_work(world, time_machine, world.agency_b, world.spoc_b, n=3)
    for _ in range(6):
        factories.referral(world.agency_b, referrer=world.referrer_b, received_on=TODAY)
    for name, client in clients.items():
        assert any(panels(client).values()), name  # the work is there to be counted
    assert {name: home_queries(client) for name, client in clients.items()} == one
    assert max(one.values()) <= 25, one


def test_subject_access_deadline_is_one_calendar_month_month_ends_clamped(world):
    """A request of 31 January is due on 28 February: a week before, it is near its
    deadline; one of 1 February (due 1 March) is not yet."""
    from governance.models import SubjectAccessExport

    person = factories.referral(world.agency_a).person
    for received in (date(2027, 1, 31), date(2027, 2, 1)):
        subject_access_request(
            person=person,
            received_on=received,
            request_reference=f"SAR {received}",
            acting_user=world.coordinator,
        )
    near = SubjectAccessExport.objects.visible_to(world.coordinator).near_deadline(
        date(2027, 2, 21)
    )
    assert [e.received_on for e in near] == [date(2027, 1, 31)]
    assert not SubjectAccessExport.objects.visible_to(world.spoc_a).near_deadline(date(2027, 2, 21))


# --- Account work (prevent_portal/accounts/work_waiting.py) ----------------------------------
ACCOUNT_KEYS = {
    "account_approvals",
    "account_requests_waiting",
    "access_review_removals",
    "access_review_unanswered",
}


def add_account_work(world, n: int = 1) -> None:
    """Per round: a referrer role (the Coordinator decides) and a Coordinator role (the
    system administrator must approve too) asked for by the Coordinator, an account asked
    for by agency A's SPOC, and, once, a SPOC's answer that a role is no longer needed."""
    from prevent_portal.accounts import administration, approvals
    from prevent_portal.accounts.models import AccessReviewAnswer, Membership, Role

    for _ in range(n):
        for role, agency in ((Role.REFERRER, world.agency_a), (Role.COORDINATOR, world.council)):
            approvals.membership_request(
                user=factories.UserFactory(),
                agency=agency,
                role=role,
                acting_user=world.coordinator,
            )
        administration.account_request_create(
            agency=world.agency_a,
            first_name="New",
            last_name="Colleague",
            email=f"new{AccessReviewAnswer.objects.count()}{Membership.objects.count()}@a.example",
            job_title="Officer",
            role=Role.REFERRER,
            reason="Joined",
            acting_user=world.spoc_a,
        )
    if not AccessReviewAnswer.objects.exists():
        administration.access_review_answer(
            membership=Membership.objects.get(user=world.panel_a),
            answer=AccessReviewAnswer.Answer.REMOVE,
            note="Left",
            acting_user=world.spoc_a,
            today=TODAY,
        )


def test_account_work_is_counted_for_the_roles_that_do_it_and_no_one_else(
    client, world, time_machine
):
    time_machine.move_to(TODAY)
    add_account_work(world)
    coordinator = panels(client_for(client, world.coordinator))
    # The approval list shows both (the Coordinator's own requests too, with why not).
    assert coordinator["coordinator"]["account_approvals"] == (
        "2 account changes waiting for approval",
        "/accounts/approvals/",
    )
    assert "sysadmin" not in coordinator
    listed = shown(client, "/accounts/approvals/")
    assert listed.count('<tr class="govuk-table__row">') == 1 + 2  # the header and 2 rows
    client.logout()
    admin = panels(client_for(client, world.sysadmin))
    assert set(admin) == {"sysadmin"}
    items = admin["sysadmin"]
    assert items["account_approvals"][0] == "1 account change waiting for approval"
    assert items["account_requests_waiting"][0] == "1 account request waiting"
    assert items["access_review_removals"][0] == "1 role to remove after the access review"
    for key in ("account_approvals", "account_requests_waiting", "access_review_removals"):
        assert shown(client, items[key][1])
    assert items["account_requests_waiting"][1] == "/accounts/requests/"
    assert items["access_review_removals"][1] == "/accounts/access-review/"
    client.logout()
    # Agency A's SPOC: panel_a answered, referrer_a not yet.
    spoc = panels(client_for(client, world.spoc_a))["partner"]
    assert spoc["access_review_unanswered"] == (
        "1 role at your agency not yet reviewed for 2026-Q4",
        "/accounts/access-review/",
    )
    for persona in ("chair", "manager", "referrer_a", "panel_a"):
        client.logout()
        found = panels(client_for(client, world.persona(persona)))
        assert not ACCOUNT_KEYS & {k for items in found.values() for k in items}, persona


def test_account_work_costs_the_same_queries_however_much_there_is(world, time_machine):
    from django.test import Client

    time_machine.move_to(TODAY)
    add_account_work(world)
    names = ["coordinator", "sysadmin", "spoc_a"]
    clients = {name: client_for(Client(), world.persona(name)) for name in names}
    for client in clients.values():
        client.get("/")
    one = {name: home_queries(client) for name, client in clients.items()}
    add_account_work(world, n=3)
    assert panels(clients["sysadmin"])["sysadmin"]["account_requests_waiting"][0].startswith("4 ")
    assert {name: home_queries(client) for name, client in clients.items()} == one
