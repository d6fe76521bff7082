"""Board-update reminders through ``send_reminders``: each lead time once to the lead
officer and each recipient, an overdue escalation once to each Coordinator, nothing twice,
including when two sweeps overlap on PostgreSQL."""

import json
import threading
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections

from governance import services
from governance.models import Frequency
from governance.reminders import lead_time_passed
from prevent_portal.accounts.models import Role
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from tests import factories

DUE = date(2026, 12, 31)
BOARD_KINDS = {"board_update", "board_update_overdue"}


def run(day: str) -> list[dict]:
    out = StringIO()
    call_command("send_reminders", "--today", day, stdout=out)
    return [row for row in json.loads(out.getvalue()) if row["kind"] in BOARD_KINDS]


def who(rows) -> list[tuple[str, str]]:
    return sorted((row["kind"], row["recipient"]) for row in rows)


@pytest.fixture
def board(world):
    """Led by the panel chair, with the manager and the chair again as recipients."""
    return factories.board(
        world.chair,
        name="Adult Safeguarding Board",
        next_due_override=DUE,
        reminder_recipients=[world.manager, world.chair],
    )


@pytest.mark.parametrize(
    ("days_left", "expected"), [(29, None), (28, 28), (20, 28), (7, 7), (3, 7), (0, 7)]
)
def test_latest_lead_time_reached_is_the_one_that_counts(days_left, expected):
    assert lead_time_passed(days_left, [28, 7]) == expected


def test_each_lead_time_reminds_lead_and_recipients_once_each(board):
    assert run("2026-12-02") == []
    rows = run("2026-12-03")
    assert rows == [
        {
            "kind": "board_update",
            "subject": "Adult Safeguarding Board",
            "due": "2026-12-31",
            "recipient": "chair",
        },
        {
            "kind": "board_update",
            "subject": "Adult Safeguarding Board",
            "due": "2026-12-31",
            "recipient": "manager",
        },
    ]
    assert run("2026-12-03") == []  # the same day again: nothing
    assert run("2026-12-10") == []  # 21 days left: the 28-day reminder has gone
    assert who(run("2026-12-24")) == [("board_update", "chair"), ("board_update", "manager")]
    assert run("2026-12-31") == []
    assert Notification.objects.filter(kind="board_update").count() == 4


def test_overdue_board_is_escalated_once_to_each_coordinator(board, world):
    second = factories.member(Role.COORDINATOR, world.council, username="coordinator-2")
    run("2026-12-24")
    rows = run("2027-01-01")
    assert who(rows) == [
        ("board_update_overdue", "coordinator"),
        ("board_update_overdue", "coordinator-2"),
    ]
    assert {row["due"] for row in rows} == {"2026-12-31"}
    assert run("2027-01-01") == []
    assert run("2027-02-15") == []
    note = Notification.objects.get(kind="board_update_overdue", recipient=second)
    assert "was due on 31 December 2026" in note.body
    assert f"/governance/boards/{board.pk}/" in note.body


def test_sweep_after_missed_days_sends_only_the_latest_lead_time(board):
    rows = run("2026-12-26")
    assert who(rows) == [("board_update", "chair"), ("board_update", "manager")]
    note = Notification.objects.filter(kind="board_update").first()
    assert "in 5 days" in note.body
    assert not Notification.objects.filter(dedup_key__contains=":28d:").exists()


def test_update_recorded_in_time_stops_the_escalation_and_starts_a_new_cycle(board, world):
    run("2026-12-24")
    board.frequency = Frequency.ANNUAL
    board.save(update_fields=["frequency"])
    services.board_update_record(
        board=board, presented_on=date(2026, 12, 20), title="Annual update", acting_user=None
    )
    assert run("2027-01-01") == []
    rows = run("2027-11-22")  # 28 days before 20 December 2027
    assert {row["due"] for row in rows} == {"2027-12-20"}


@pytest.mark.parametrize(
    "settings_for_board",
    [
        {"next_due_to_be_confirmed": True},
        {"frequency": Frequency.AD_HOC},
    ],
)
def test_boards_without_a_date_send_nothing(world, settings_for_board):
    board = factories.board(world.coordinator, **settings_for_board)
    services.board_update_record(
        board=board, presented_on=date(2026, 1, 1), title="Update", acting_user=None
    )
    board.refresh_from_db()
    if settings_for_board.get("next_due_to_be_confirmed"):
        services.board_edit(
            board=board,
            data={"next_due_to_be_confirmed": True},
            reminder_recipients=[],
            expected_version=board.version,
            acting_user=world.coordinator,
        )
    for day in ("2026-12-03", "2027-01-05", "2027-06-01"):
        assert run(day) == []


def test_board_no_longer_updated_sends_nothing(board):
    board.is_active = False
    board.save(update_fields=["is_active"])
    assert run("2026-12-24") == []
    assert run("2027-01-01") == []


def test_deactivated_recipient_is_left_out(board, world):
    world.manager.is_active = False
    world.manager.save(update_fields=["is_active"])
    assert who(run("2026-12-03")) == [("board_update", "chair")]


def test_lead_times_come_from_the_setting(board, settings):
    settings.BOARD_REMINDER_LEAD_DAYS = [14]
    assert run("2026-12-03") == []
    assert len(run("2026-12-17")) == 2
    assert run("2026-12-24") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_overlapping_sweeps_queue_each_reminder_once():
    council = factories.AgencyFactory(name="Council", short_code="council-x")
    lead = factories.member(Role.COORDINATOR, council, username="lead")
    recipients = [factories.member(Role.MANAGER, council) for _ in range(3)]
    for n in range(20):
        factories.board(
            lead, name=f"Board {n}", next_due_override=DUE, reminder_recipients=recipients
        )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep():
        try:
            barrier.wait()
            results.append(reminders_queue_due(today=date(2026, 12, 24)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    queued = [r.dedup_key for batch in results for r in batch if r.kind == "board_update"]
    assert len(queued) == 20 * 4  # 20 boards x (lead + 3 recipients), whoever queued them
    assert len(set(queued)) == len(queued)
    assert Notification.objects.filter(kind="board_update").count() == 80
