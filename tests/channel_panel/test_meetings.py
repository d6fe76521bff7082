"""Panel meetings on the web: scheduling, the agenda (what each reader may see of it),
reordering under optimistic locking, invitees, attendance and quorum, held and approved."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channel_panel import services
from channel_panel.models import AgendaItem, Attendance, Decision, Invitee, PanelMeeting
from prevent_portal.accounts.models import Role
from tests import factories
from tests.conftest import sign_in


def client_for(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def url(name, *args):
    return reverse(f"channel_panel:{name}", args=args)


@pytest.fixture
def panel(world):
    """Agency A is a core member (so panel_a is invited); the meeting is today with no
    start time, so it has started (decisions may be recorded) and its pack window is open."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    return factories.meeting(world.chair, timezone.localdate())


def person(given, family):
    return factories.PersonFactory(given_name=given, family_name=family)


@pytest.fixture
def agenda(world, panel):
    """A new referral of agency B, an open case of agency B, and other business, in order.
    Another agency-B referral passed to panel is on no agenda."""
    new = factories.panel_referral(world.agency_b, assessed=True, person=person("Orla", "Brindle"))
    case = factories.channel_case(world.agency_b, world.spoc_b, person=person("Tam", "Vesper"))
    services.agenda_item_add(meeting=panel, referral=new, acting_user=world.coordinator)
    services.agenda_item_add(meeting=panel, case=case, acting_user=world.coordinator)
    services.agenda_item_add(meeting=panel, title="Terms of reference", acting_user=world.chair)
    off = factories.panel_referral(world.agency_b, person=person("Nell", "Hawthorn"))
    return new, case, off


# --- Who may open what ---------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["spoc_a", "spoc_b", "referrer_a", "manager", "sysadmin"])
def test_people_outside_the_panel_cannot_open_meeting_pages(world, panel, persona):
    client = client_for(getattr(world, persona))
    for name, args in [
        ("meetings", ()),
        ("meeting_detail", (panel.pk,)),
        ("meeting_minutes", (panel.pk,)),
        ("pack", (panel.pk,)),
    ]:
        assert client.get(url(name, *args)).status_code == 403, name


def test_a_panel_member_reads_but_cannot_change_the_meeting(world, panel):
    client = client_for(world.panel_a)
    page = client.get(url("meeting_detail", panel.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Build the agenda" not in html
    assert "Record attendance" not in html
    assert client.get(url("meeting_attendance", panel.pk)).status_code == 403
    assert client.post(url("meeting_agenda_build", panel.pk)).status_code == 403
    assert client.get(url("meeting_edit", panel.pk)).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(panel):
    response = Client().get(url("meeting_detail", panel.pk))
    assert response.status_code == 302
    assert reverse("accounts:sign_in") in response["Location"]


def test_the_menu_offers_panel_meetings_to_the_panel_only(world):
    assert "Panel meetings" in client_for(world.panel_a).get("/").content.decode()
    assert "Panel meetings" not in client_for(world.spoc_a).get("/").content.decode()


# --- Scheduling ----------------------------------------------------------------------------
def test_coordinator_schedules_a_meeting_and_the_core_members_are_invited(world):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    client = client_for(world.coordinator)
    meets_on = timezone.localdate() + timedelta(days=30)
    response = client.post(
        url("meeting_schedule"),
        {
            "meets_on": meets_on.strftime("%d/%m/%Y"),
            "starts_at": "14:00",
            "mode": "online",
            "location": "",
            "chair": world.chair.pk,
        },
    )
    meeting = PanelMeeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk)
    assert meeting.meets_on == meets_on and meeting.mode == "online"
    assert set(meeting.invitees.values_list("user__username", flat=True)) == {"chair", "panel-a"}
    listing = client.get(url("meetings")).content.decode()
    assert meets_on.strftime("%-d %B %Y") in listing
    assert "Planned" in listing


def test_scheduling_with_bad_input_shows_errors_and_saves_nothing(world):
    response = client_for(world.coordinator).post(
        url("meeting_schedule"), {"meets_on": "1/1/2000", "starts_at": "teatime"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "The date of the meeting must be today or in the future" in html
    assert "Enter the start time like 14:00" in html
    assert "Choose who chairs the meeting" in html
    assert not PanelMeeting.objects.exists()


def test_a_chair_cannot_schedule_meetings(world):
    assert client_for(world.chair).get(url("meeting_schedule")).status_code == 403


def test_two_people_editing_a_meeting_the_second_gets_a_conflict_and_their_input(world, panel):
    first, second = client_for(world.coordinator), client_for(world.coordinator)
    form = {
        "meets_on": panel.meets_on.strftime("%d/%m/%Y"),
        "mode": "in_person",
        "chair": world.chair.pk,
        "version": panel.version,
    }
    first.post(url("meeting_edit", panel.pk), {**form, "location": "Room 1"})
    response = second.post(url("meeting_edit", panel.pk), {**form, "location": "Room 2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert 'value="Room 2"' in html
    panel.refresh_from_db()
    assert panel.location == "Room 1"


# --- The agenda ----------------------------------------------------------------------------
def test_coordinator_builds_the_agenda_from_referrals_passed_to_panel_and_open_cases(world, panel):
    new = factories.panel_referral(world.agency_b)
    case = factories.channel_case(world.agency_a, world.spoc_a)
    client = client_for(world.coordinator)
    response = client.post(url("meeting_agenda_build", panel.pk))
    assert response.status_code == 302
    items = list(panel.items.order_by("position"))
    assert [(i.kind, i.referral_id) for i in items] == [
        (AgendaItem.Kind.NEW, new.pk),
        (AgendaItem.Kind.REVIEW, case.referral_id),
    ]
    page = client.get(url("meeting_detail", panel.pk))
    assert "2 items added to the agenda" in page.content.decode()


def test_the_agenda_shows_items_in_full_only_to_those_who_may_see_them(world, panel, agenda):
    new, case, _ = agenda
    full = client_for(world.coordinator).get(url("meeting_detail", panel.pk)).content.decode()
    assert "Orla Brindle" in full and new.reference in full
    assert "Tam Vesper" in full and case.reference in full
    assert "Terms of reference" in full
    # The chair (invited, window open) sees them; spoc-less panel members of agency A too.
    assert (
        "Orla Brindle"
        in client_for(world.panel_a).get(url("meeting_detail", panel.pk)).content.decode()
    )
    # A panel member who is not invited sees the items without any personal data.
    outsider = factories.member(Role.PANEL_MEMBER, world.council, username="panel-council")
    html = client_for(outsider).get(url("meeting_detail", panel.pk)).content.decode()
    for secret in ["Orla", "Brindle", "Tam Vesper", new.reference, case.reference]:
        assert secret not in html
    assert html.count("Case item") == 2
    assert "Not available to you" in html
    assert "Open the panel pack" not in html  # the pack is for invitees
    assert "Terms of reference" in html


def test_agenda_cells_escape_titles_and_names(world, panel):
    """The row's cells are built in Python (channel_panel/templatetags/agenda_cells.py):
    what people typed is escaped there as the template escaped it, once."""
    referral = factories.panel_referral(world.agency_a, person=person("Aoife", "O'Neill <b>"))
    services.agenda_item_add(meeting=panel, referral=referral, acting_user=world.coordinator)
    services.agenda_item_add(
        meeting=panel, title="<script>alert(1)</script> & more", acting_user=world.coordinator
    )
    html = client_for(world.coordinator).get(url("meeting_detail", panel.pk)).content.decode()
    assert "Aoife O&#x27;Neill &lt;b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<script>alert(1)" not in html
    assert html.count("No decision yet") == 1 and "No decision needed" in html
    items = list(panel.items.order_by("position"))
    for item, kind in zip(items, ("New case", "Other business"), strict=True):
        row = re.search(rf'<tr class="govuk-table__row" id="item-{item.pk}">(.*?)</tr>', html, re.S)
        cells = re.findall(r"<t[hd] [^>]*>(.*?)</t[hd]>", row.group(1), re.S)
        assert cells[:2] == [str(item.position), kind]


def test_before_the_pack_opens_invitees_are_told_when_details_come(world, agenda):
    later = factories.meeting(world.chair, timezone.localdate() + timedelta(days=40))
    services.agenda_item_add(meeting=later, referral=agenda[2], acting_user=world.coordinator)
    html = client_for(world.panel_a).get(url("meeting_detail", later.pk)).content.decode()
    opens = later.pack_window()[0]
    assert f"Details in the panel pack from {opens:%-d %B %Y}" in html
    assert "Nell" not in html and agenda[2].reference not in html


def test_the_chair_adds_a_referral_they_can_see_and_other_business(world, panel):
    referral = factories.panel_referral(world.agency_a, person=person("Iris", "Calloway"))
    client = client_for(world.chair)
    page = client.get(url("meeting_item_add", panel.pk)).content.decode()
    # The chair's agency (the council) owns nothing, and this meeting grants nothing yet.
    assert "Iris Calloway" not in page
    coordinator = client_for(world.coordinator)
    assert "Iris Calloway" in coordinator.get(url("meeting_item_add", panel.pk)).content.decode()
    response = coordinator.post(
        url("meeting_item_add", panel.pk), {"source": "referral", "referral": referral.pk}
    )
    assert response.status_code == 302
    response = client.post(url("meeting_item_add", panel.pk), {"source": "other", "title": "AOB"})
    assert response.status_code == 302
    assert list(panel.items.values_list("kind", "position")) == [("new", 1), ("other", 2)]


def test_a_chair_cannot_add_a_referral_they_cannot_see(world, panel):
    hidden = factories.panel_referral(world.agency_b)
    response = client_for(world.chair).post(
        url("meeting_item_add", panel.pk), {"source": "referral", "referral": hidden.pk}
    )
    assert response.status_code == 200
    assert "Choose a referral from the list" in response.content.decode()
    assert not panel.items.exists()


def test_adding_an_item_without_choosing_what_shows_errors(world, panel):
    response = client_for(world.chair).post(url("meeting_item_add", panel.pk), {"source": "case"})
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Choose the case to review" in html


def test_moving_an_item_up_changes_the_order(world, panel, agenda):
    third = panel.items.get(position=3)
    response = client_for(world.chair).post(
        url("meeting_item_move", panel.pk, third.pk), {"direction": "up", "version": panel.version}
    )
    assert response.status_code == 302
    assert list(panel.items.order_by("position").values_list("kind", flat=True)) == [
        "new",
        "other",
        "review",
    ]


def test_two_people_reordering_the_same_agenda_the_second_is_refused(world, panel, agenda):
    seen = panel.version
    first = panel.items.get(position=1)
    third = panel.items.get(position=3)
    client_for(world.chair).post(
        url("meeting_item_move", panel.pk, first.pk), {"direction": "down", "version": seen}
    )
    order = list(panel.items.order_by("position").values_list("pk", flat=True))
    response = client_for(world.coordinator).post(
        url("meeting_item_move", panel.pk, third.pk), {"direction": "up", "version": seen}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert "Someone else changed this record" in html
    assert "You asked to move item 3: other business up" in html
    assert list(panel.items.order_by("position").values_list("pk", flat=True)) == order


def agenda_order(meeting) -> str:
    pks = meeting.items.order_by("position").values_list("pk", flat=True)
    return ",".join(str(pk) for pk in pks)


def test_a_reorder_based_on_an_agenda_that_has_since_grown_is_refused(world, panel, agenda):
    seen = panel.version
    order = ",".join(
        str(pk) for pk in panel.items.order_by("position").values_list("pk", flat=True)
    )
    third = panel.items.get(position=3)
    services.agenda_item_add(meeting=panel, title="Late item", acting_user=world.coordinator)
    response = client_for(world.chair).post(
        url("meeting_item_move", panel.pk, third.pk),
        {"direction": "up", "version": seen, "order": order},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert panel.items.get(pk=third.pk).position == 3


def test_the_meeting_page_sends_the_agenda_order_it_shows(world, panel, agenda):
    html = client_for(world.chair).get(url("meeting_detail", panel.pk)).content.decode()
    order = ",".join(
        str(pk) for pk in panel.items.order_by("position").values_list("pk", flat=True)
    )
    assert f'name="order" value="{order}"' in html


def test_the_coordinator_removes_an_undecided_item(world, panel, agenda):
    item = panel.items.get(position=1)
    response = client_for(world.coordinator).post(url("meeting_item_remove", panel.pk, item.pk))
    assert response.status_code == 302
    assert list(panel.items.order_by("position").values_list("position", "kind")) == [
        (1, "review"),
        (2, "other"),
    ]
    assert client_for(world.chair).post(url("meeting_item_remove", panel.pk, 1)).status_code == 403


def test_an_item_of_another_meeting_is_not_found(world, panel, agenda):
    other = factories.meeting(world.chair, panel.meets_on + timedelta(days=30))
    item = panel.items.first()
    response = client_for(world.chair).post(
        url("meeting_item_move", other.pk, item.pk), {"direction": "up", "version": other.version}
    )
    assert response.status_code == 404


def meeting_with_items(world, n: int, *, days_ahead: int, prepare_case=None) -> PanelMeeting:
    """A meeting in ``days_ahead`` days (its pack open) with 2n items: n new referrals and
    n open cases of agency B. ``prepare_case(case)`` adds to each case first."""
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting = factories.meeting(world.chair, timezone.localdate() + timedelta(days=days_ahead))
    for _ in range(n):
        services.agenda_item_add(
            meeting=meeting,
            referral=factories.panel_referral(world.agency_b),
            acting_user=world.coordinator,
        )
        case = factories.channel_case(world.agency_b, world.spoc_b)
        if prepare_case is not None:
            prepare_case(case)
        services.agenda_item_add(meeting=meeting, case=case, acting_user=world.coordinator)
    return meeting


def test_the_agenda_page_runs_the_same_queries_for_2_and_20_items(world):
    counts = []
    for n, days_ahead in ((1, 1), (10, 3)):  # 2 and 20 items
        meeting = meeting_with_items(world, n, days_ahead=days_ahead)
        first = meeting.items.first()
        Decision.objects.create(
            item=first, outcome="review", rationale="x", recorded_by=world.chair
        )
        client = client_for(world.panel_a)
        client.get(url("meeting_detail", meeting.pk))  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("meeting_detail", meeting.pk))
        assert response.status_code == 200
        assert response.content.decode().count("Given") == 2 * n  # every item in full
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_agenda_reads_only_what_its_rows_show(world):
    """A row shows its reference, the person's name and the decision's outcome: the page
    reads no other column of the referral, the person, the case or the decision, nor the
    user who recorded each decision (issue 18: 280 model instances a page at scale 1, most
    of their fields never shown; personal data read for nothing)."""
    meeting = meeting_with_items(world, 2, days_ahead=1)  # two referrals, two cases
    for item in meeting.items.all():
        Decision.objects.create(item=item, outcome="review", rationale="x", recorded_by=world.chair)
    client = client_for(world.panel_a)
    client.get(url("meeting_detail", meeting.pk))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("meeting_detail", meeting.pk))
    assert response.content.decode().count("Given") == 4  # every item in full
    read = [q["sql"] for q in queries]
    for column in (
        '"referrals_referral"."concern_summary"',
        '"referrals_person"."date_of_birth"',
        '"referrals_person"."address"',
        '"channel_panel_channelcase"."exit_notes"',
        '"channel_panel_decision"."rationale"',
    ):
        assert not [sql for sql in read if column in sql], column
    decisions = [sql for sql in read if 'FROM "channel_panel_decision"' in sql]
    assert decisions and not [sql for sql in decisions if '"accounts_user"' in sql]


def test_a_long_agenda_comes_a_page_at_a_time_and_only_what_is_shown_is_logged(world, monkeypatch):
    """Issue 18: the longest agendas (337 items at scale 1) took the meeting page over a
    second, most of it rendering every item and logging every record on it. The agenda
    comes a page at a time (the move buttons still carry the whole order, and move across
    pages); each page logs what it shows, and the query count is the page's, not the
    agenda's."""
    from auditlog.models import LogEntry

    from channel_panel.views import meetings as meeting_views
    from referrals.models import Referral

    monkeypatch.setattr(meeting_views, "AGENDA_PAGE_SIZE", 4)
    meeting = meeting_with_items(world, 3, days_ahead=3)  # 6 items
    items = list(meeting.items.order_by("position"))
    client = client_for(world.chair)

    def shown_and_logged(params):
        before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url("meeting_detail", meeting.pk), params).content.decode()
        entries = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, pk__gt=before)
        logged = {e.object_id for e in entries if e.content_type.model_class() is Referral}
        shown = [i for i in items if f'id="item-{i.pk}"' in html]
        return html, shown, logged, len(queries)

    client.get(url("meeting_detail", meeting.pk))  # warm caches (content types, session)
    html, shown, logged, first_count = shown_and_logged({})
    assert shown == items[:4]
    assert "Items 1 to 4 of 6" in html
    assert logged == {i.referral_id for i in items[:4]}
    order = ",".join(str(i.pk) for i in items)
    assert f'name="order" value="{order}"' in html
    assert html.count("Move down") == 4  # the 4th moves down onto the next page
    html, shown, logged, _ = shown_and_logged({"page": 2})
    assert shown == items[4:]
    assert logged == {i.referral_id for i in items[4:]}
    response = client.post(
        url("meeting_item_move", meeting.pk, items[3].pk),
        {"direction": "down", "version": meeting.version, "order": order},
    )
    assert response["Location"].endswith(f"?page=2#item-{items[3].pk}")
    for _ in range(3):  # 12 items: page 1 costs the same queries
        services.agenda_item_add(
            meeting=meeting,
            referral=factories.panel_referral(world.agency_b),
            acting_user=world.coordinator,
        )
        services.agenda_item_add(
            meeting=meeting,
            case=factories.channel_case(world.agency_b, world.spoc_b),
            acting_user=world.coordinator,
        )
    assert shown_and_logged({})[3] == first_count


# --- Invitees ------------------------------------------------------------------------------
def test_the_chair_invites_a_case_manager_for_one_item_who_then_sees_only_it(world, panel, agenda):
    new, case, _ = agenda
    agency_c = factories.AgencyFactory(name="Agency C", short_code="agency-c")
    manager_c = factories.member(Role.SPOC, agency_c, username="cm-c")
    item = panel.items.get(case=case)
    page = client_for(world.chair).get(url("meeting_invitee_add", panel.pk)).content.decode()
    assert "Test Person" in page and "(Agency C)" in page
    response = client_for(world.chair).post(
        url("meeting_invitee_add", panel.pk),
        {"person": f"{manager_c.pk}-{agency_c.pk}", "for_item": item.pk},
    )
    assert response.status_code == 302
    invitee = Invitee.objects.get(user=manager_c)
    assert invitee.for_item == item
    html = client_for(manager_c).get(url("pack", panel.pk)).content.decode()
    assert "Tam Vesper" in html
    assert "Orla Brindle" not in html


def test_the_meeting_page_runs_the_same_queries_however_many_are_invited_and_attend(world, panel):
    """The invitees' table, the reader's own invitations and the quorum come from one read
    each of the invitees, the attendance and the core agencies, whatever their number: a
    field of an invitee that read leaves out would be a query per invitee."""
    client = client_for(world.panel_a)

    def page():
        client.get(url("meeting_detail", panel.pk))  # warm caches (content types, session)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url("meeting_detail", panel.pk)).content.decode()
        return html, len(queries)

    def attend(user):
        Attendance.objects.create(
            meeting=panel, user=user, agency=world.agency_a, status="present", recorded_by=user
        )

    attend(world.chair)
    html, few = page()
    assert "Open the panel pack" in html  # panel_a is invited
    assert "Not quorate" not in html
    for n in range(4):
        invited = factories.member(Role.PANEL_MEMBER, world.agency_a, last_name=f"Invited{n}")
        Invitee.objects.create(meeting=panel, user=invited, agency=world.agency_a)
        attend(invited)
    html, many = page()
    assert all(f"Test Invited{n}" in html for n in range(4))
    assert html.count("(core member)") == 5  # panel-a and the four (agency A)
    assert many == few


def test_withdrawing_an_invitation_ends_the_pack_access(world, panel, agenda):
    invitee = panel.invitees.get(user=world.panel_a)
    client = client_for(world.panel_a)
    assert "Orla Brindle" in client.get(url("pack", panel.pk)).content.decode()
    response = client_for(world.chair).post(url("meeting_invitee_remove", panel.pk, invitee.pk))
    assert response.status_code == 302
    assert client.get(url("pack", panel.pk)).status_code == 403


# --- Attendance, held, minutes -------------------------------------------------------------
def _attendance(panel, statuses: dict, **extra):
    data = {"version": panel.version, **extra}
    for invitee in panel.invitees.all():
        data[f"invitee_{invitee.pk}"] = statuses[invitee.user.username]
    return data


def test_attendance_is_recorded_and_quorum_names_the_missing_core_agency(world, panel):
    core_b = world.agency_b
    core_b.is_core_panel_member = True
    core_b.save()
    panel.core_agencies.add(core_b)
    client = client_for(world.chair)
    response = client.post(
        url("meeting_attendance", panel.pk),
        _attendance(
            panel,
            {"chair": "present", "panel-a": "apologies"},
            extra_name="Wren Ashdown",
            extra_agency=world.agency_b.pk,
            extra_status="apologies",
        ),
    )
    assert response.status_code == 302
    assert Attendance.objects.filter(meeting=panel).count() == 3
    html = client.get(url("meeting_detail", panel.pk)).content.decode()
    assert "Not quorate:</strong> no one present from Agency A, Agency B" in html
    panel.refresh_from_db()
    client.post(
        url("meeting_attendance", panel.pk),
        _attendance(
            panel,
            {"chair": "present", "panel-a": "present"},
            **{f"named_{Attendance.objects.get(name='Wren Ashdown').pk}": "present"},
        ),
    )
    html = client.get(url("meeting_detail", panel.pk)).content.decode()
    assert "<strong>Quorate</strong>" in html


def test_attendance_needs_every_invitee_and_a_whole_extra_person(world, panel):
    response = client_for(world.chair).post(
        url("meeting_attendance", panel.pk),
        {"version": panel.version, "extra_name": "Wren Ashdown"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "was present, sent apologies or was absent" in html
    assert "Choose the agency of the person without an account" in html
    assert not Attendance.objects.exists()


def test_stale_attendance_is_refused_with_the_input_kept(world, panel):
    seen = panel.version
    chair = client_for(world.chair)
    chair.post(
        url("meeting_attendance", panel.pk),
        _attendance(panel, {"chair": "present", "panel-a": "present"}),
    )
    response = client_for(world.coordinator).post(
        url("meeting_attendance", panel.pk),
        {**_attendance(panel, {"chair": "absent", "panel-a": "absent"}), "version": seen},
    )
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert 'value="absent" checked' in html
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present"}


def test_minutes_cannot_be_approved_until_held_decided_and_attended(world, panel, agenda):
    client = client_for(world.chair)
    html = client.get(url("meeting_detail", panel.pk)).content.decode()
    assert "The meeting has not been marked as held." in html
    # No attendance, so not quorate: held only with the chair's confirmation and reason.
    response = client.post(
        url("meeting_mark_held", panel.pk),
        {"version": panel.version, "confirm_inquorate": "on", "inquorate_reason": "Urgent"},
    )
    assert response.status_code == 302
    html = client.get(url("meeting_detail", panel.pk)).content.decode()
    assert "2 agenda item(s) have no decision yet (item 1, 2): record them first." in html
    assert "Record the attendance before approving the minutes." in html
    panel.refresh_from_db()
    response = client.post(url("meeting_minutes_approve", panel.pk), {"version": panel.version})
    assert response.status_code == 200
    assert "2 agenda item(s) have no decision yet (item 1, 2): record them first" in (
        response.content.decode()
    )
    panel.refresh_from_db()
    assert panel.status == PanelMeeting.Status.HELD
