"""Boards: the next due date, the schedule status, editing with optimistic locking, and the
papers of updates, kept under MEDIA_ROOT and served only to those who read the schedule."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from governance import services
from governance.models import Board, BoardUpdate, Frequency, ScheduleStatus, add_months
from tests import factories
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def record(board, on, **kwargs):
    return services.board_update_record(
        board=board,
        presented_on=on,
        title=kwargs.pop("title", "Update"),
        acting_user=None,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2021, 7, 1), 12, date(2022, 7, 1)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        (Frequency.MONTHLY, date(2021, 8, 15)),
        (Frequency.QUARTERLY, date(2021, 10, 15)),
        (Frequency.BI_ANNUAL, date(2022, 1, 15)),
        (Frequency.ANNUAL, date(2022, 7, 15)),
        (Frequency.AD_HOC, None),
    ],
)
def test_next_due_follows_the_last_update_and_the_frequency(world, frequency, expected):
    board = factories.board(world.coordinator, frequency=frequency)
    record(board, date(2020, 7, 15))
    record(board, date(2021, 7, 15))
    record(board, date(2019, 1, 1))  # an old one filled in later changes nothing
    board.refresh_from_db()
    assert board.next_due == expected


def test_a_board_with_no_update_has_no_date_unless_one_is_set(world):
    board = factories.board(world.coordinator)
    assert board.next_due is None
    dated = factories.board(world.coordinator, next_due_override=date(2027, 3, 1))
    assert dated.next_due == date(2027, 3, 1)


def test_date_set_by_hand_wins_until_the_next_update_is_recorded(world):
    """Seed 003: the Council Management Team, last updated April 2021, next August 2022."""
    board = factories.board(world.coordinator, frequency=Frequency.BI_ANNUAL)
    record(board, date(2021, 4, 1))
    board.refresh_from_db()
    assert board.next_due == date(2021, 10, 1)
    services.board_edit(
        board=board,
        data={"next_due_override": date(2022, 8, 1)},
        reminder_recipients=[],
        expected_version=board.version,
        acting_user=world.coordinator,
    )
    assert Board.objects.get(pk=board.pk).next_due == date(2022, 8, 1)
    record(board, date(2022, 8, 3))
    board.refresh_from_db()
    assert board.next_due_override is None
    assert board.next_due == date(2023, 2, 3)


def test_to_be_confirmed_has_no_date_until_an_update_is_recorded(world):
    """Seed 003: the Health and Wellbeing Board's next update is "to be confirmed"."""
    board = factories.board(world.coordinator, next_due_to_be_confirmed=True)
    record(board, date(2019, 1, 24))
    board.refresh_from_db()
    assert board.next_due == date(2020, 1, 24)  # a new update ends "to be confirmed"
    services.board_edit(
        board=board,
        data={"next_due_to_be_confirmed": True},
        reminder_recipients=[],
        expected_version=board.version,
        acting_user=world.coordinator,
    )
    board.refresh_from_db()
    assert board.next_due is None


def test_schedule_status_is_worked_out_in_the_database(world, django_assert_num_queries):
    today = date(2026, 11, 22)
    lead = world.coordinator
    factories.board(lead, name="Overdue", next_due_override=date(2026, 11, 21))
    factories.board(lead, name="Due today", next_due_override=today)
    factories.board(lead, name="Soon", next_due_override=date(2026, 12, 20))
    factories.board(lead, name="Later", next_due_override=date(2027, 1, 1))
    factories.board(lead, name="To be confirmed", next_due_to_be_confirmed=True)
    factories.board(lead, name="Ad hoc", frequency=Frequency.AD_HOC)
    with django_assert_num_queries(1):
        status = dict(Board.objects.schedule_status(today).values_list("name", "schedule_status"))
    assert status == {
        "Overdue": ScheduleStatus.OVERDUE,
        "Due today": ScheduleStatus.DUE_SOON,
        "Soon": ScheduleStatus.DUE_SOON,
        "Later": ScheduleStatus.SCHEDULED,
        "To be confirmed": ScheduleStatus.TO_BE_CONFIRMED,
        "Ad hoc": ScheduleStatus.NOT_SCHEDULED,
    }
    with django_assert_num_queries(1):
        summary = Board.objects.schedule_summary(today)
    assert summary == {
        "overdue": 1,
        "due_soon": 2,
        "scheduled": 1,
        "to_be_confirmed": 1,
        "not_scheduled": 1,
    }


def test_board_list_shows_the_schedule_in_words(client, world):
    factories.board(
        world.coordinator, name="Adult Safeguarding Board", next_due_override=date(2000, 2, 1)
    )
    sign_in(client, world.manager)
    response = client.get("/governance/boards/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Adult Safeguarding Board" in html
    assert "1 February 2000" in html
    assert "Overdue" in html


def test_coordinator_adds_a_board_with_recipients(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/boards/add/",
        {
            "name": "Health and Wellbeing Board",
            "area_of_focus": "Mental health",
            "frequency": "annual",
            "lead_officer": world.coordinator.pk,
            "reminder_recipients": [world.manager.pk, world.spoc_a.pk],
            "next_due_to_be_confirmed": "on",
        },
    )
    board = Board.objects.get(name="Health and Wellbeing Board")
    assert response.status_code == 302
    assert response.url == f"/governance/boards/{board.pk}/"
    assert set(board.reminder_recipients.all()) == {world.manager, world.spoc_a}
    assert board.next_due_to_be_confirmed and board.next_due is None


def test_board_form_refuses_a_date_and_to_be_confirmed_together(client, world):
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/boards/add/",
        {
            "name": "A board",
            "frequency": "annual",
            "lead_officer": world.coordinator.pk,
            "next_due_override": "1/3/2027",
            "next_due_to_be_confirmed": "on",
        },
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert not Board.objects.exists()


def test_duplicate_board_name_is_an_error_on_the_name(client, world):
    factories.board(world.coordinator, name="Channel Panel")
    sign_in(client, world.coordinator)
    response = client.post(
        "/governance/boards/add/",
        {"name": "channel panel", "frequency": "monthly", "lead_officer": world.coordinator.pk},
    )
    assert response.status_code == 200
    assert "There is already a board with this name" in response.content.decode()
    assert Board.objects.count() == 1


def _edit_data(board, **changes):
    data = {
        "name": board.name,
        "area_of_focus": board.area_of_focus,
        "frequency": board.frequency,
        "lead_officer": board.lead_officer_id,
        "is_active": "on",
        "version": board.version,
    }
    data.update(changes)
    return data


def test_second_editor_of_a_board_gets_a_message_and_keeps_their_input(client, world):
    board = factories.board(world.coordinator, name="Adult Safeguarding Board")
    opened = _edit_data(board, area_of_focus="Vulnerable adults and carers")
    services.board_edit(
        board=Board.objects.get(pk=board.pk),
        data={"area_of_focus": "Vulnerable adults"},
        reminder_recipients=[],
        expected_version=board.version,
        acting_user=world.coordinator,
    )
    sign_in(client, world.coordinator)
    response = client.post(f"/governance/boards/{board.pk}/edit/", opened)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert "Vulnerable adults and carers" in html  # their input comes back
    assert Board.objects.get(pk=board.pk).area_of_focus == "Vulnerable adults"


def test_retired_board_leaves_the_schedule(client, world):
    board = factories.board(world.coordinator, name="Old board", next_due_override=date(2026, 1, 1))
    sign_in(client, world.coordinator)
    data = _edit_data(board)
    del data["is_active"]
    assert client.post(f"/governance/boards/{board.pk}/edit/", data).status_code == 302
    board.refresh_from_db()
    assert not board.is_active
    assert Board.objects.active().schedule_summary(date(2026, 11, 22))["overdue"] == 0


def test_recording_an_update_with_a_paper_stores_it_under_media_root(client, world, media_root):
    board = factories.board(world.coordinator, frequency=Frequency.ANNUAL)
    sign_in(client, world.coordinator)
    paper = SimpleUploadedFile("Prevent update.pdf", b"%PDF-1.4 fictional", "application/pdf")
    response = client.post(
        f"/governance/boards/{board.pk}/updates/add/",
        {"presented_on": "24/1/2026", "title": "Annual update", "attachment": paper},
    )
    assert response.status_code == 302
    update = BoardUpdate.objects.get()
    assert update.attachment_name == "Prevent update.pdf"
    stored = media_root / update.attachment.name
    assert stored.read_bytes() == b"%PDF-1.4 fictional"
    assert "Prevent update" not in update.attachment.name  # stored under a random name
    board.refresh_from_db()
    assert board.next_due == date(2027, 1, 24)
    assert update.recorded_by == world.coordinator


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("script.exe", "must be a PDF, Word, OpenDocument"),
        ("empty.pdf", "The chosen file is empty"),
    ],
)
def test_bad_paper_is_refused_and_nothing_is_recorded(client, world, media_root, name, message):
    board = factories.board(world.coordinator)
    sign_in(client, world.coordinator)
    content = b"" if name == "empty.pdf" else b"MZ"
    response = client.post(
        f"/governance/boards/{board.pk}/updates/add/",
        {
            "presented_on": "1/1/2026",
            "title": "Update",
            "attachment": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not BoardUpdate.objects.exists()
    assert not media_root.exists() or not any(media_root.rglob("*.*"))


def test_paper_larger_than_the_limit_is_refused(client, world, settings):
    settings.BOARD_ATTACHMENT_MAX_MB = 1
    board = factories.board(world.coordinator)
    sign_in(client, world.coordinator)
    big = SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1))
    response = client.post(
        f"/governance/boards/{board.pk}/updates/add/",
        {"presented_on": "1/1/2026", "title": "Update", "attachment": big},
    )
    assert "smaller than 1 MB" in response.content.decode()
    assert not BoardUpdate.objects.exists()


def test_update_in_the_future_is_refused(client, world):
    board = factories.board(world.coordinator)
    sign_in(client, world.coordinator)
    response = client.post(
        f"/governance/boards/{board.pk}/updates/add/",
        {"presented_on": "1/1/2999", "title": "Update"},
    )
    assert "must be today or in the past" in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator", 200), ("manager", 200), ("spoc_a", 404), ("chair", 404), ("anonymous", 302)],
)
def test_paper_is_downloaded_only_by_those_who_read_the_schedule(client, world, persona, status):
    board = factories.board(world.coordinator)
    update = record(
        board,
        date(2026, 1, 5),
        attachment=SimpleUploadedFile("Annual update.docx", b"fictional paper"),
    )
    if persona != "anonymous":
        sign_in(client, world.persona(persona))
    response = client.get(f"/governance/boards/updates/{update.pk}/paper/")
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == b"fictional paper"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "Annual update.docx" in response["Content-Disposition"]
        entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).latest("pk")
        assert entry.actor == world.persona(persona)
        assert entry.object_pk == str(update.pk)


def test_papers_are_not_served_from_a_public_url(client, world, settings):
    board = factories.board(world.coordinator)
    update = record(board, date(2026, 1, 5), attachment=SimpleUploadedFile("a.pdf", b"secret"))
    sign_in(client, world.coordinator)
    for prefix in ("/media/", "/", "/static/"):
        assert client.get(prefix + update.attachment.name).status_code == 404


def test_board_changes_are_audited_with_their_actor(client, world):
    board = factories.board(world.coordinator, name="Channel Panel")
    sign_in(client, world.coordinator)
    client.post(
        f"/governance/boards/{board.pk}/edit/",
        _edit_data(board, frequency="monthly", reminder_recipients=[world.manager.pk]),
    )
    entries = LogEntry.objects.get_for_object(board).filter(action=LogEntry.Action.UPDATE)
    assert {e.actor for e in entries} == {world.coordinator}
    changed = {field for e in entries for field in e.changes_dict}
    assert {"frequency", "reminder_recipients"} <= changed
