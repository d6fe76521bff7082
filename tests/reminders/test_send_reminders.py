"""The reminder sweep and its command: JSON out, nothing queued twice."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_portal.outbox import services as outbox_services
from prevent_portal.outbox.models import Notification
from prevent_portal.reminders import registry
from tests import factories


def run(day: str) -> list[dict]:
    out = StringIO()
    call_command("send_reminders", "--today", day, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def board_provider(world):
    """A stand-in for an app's provider: one item due on 2026-12-01 and one on 2026-12-10."""
    items = [("Adult Safeguarding Board", date(2026, 12, 1)), ("Health Board", date(2026, 12, 10))]

    def provider(today):
        for name, due in items:
            if due <= today:
                yield registry.Reminder(
                    kind="board_update",
                    key=f"{name}:{due.isoformat()}",
                    subject=name,
                    due=due,
                    recipient=world.coordinator,
                    title=f"{name} update due",
                    body="Prepare the update.",
                )

    registry.register("test.boards", provider)
    yield
    registry.unregister("test.boards")


def test_command_prints_what_it_queued_and_second_run_queues_nothing(board_provider, world):
    rows = run("2026-12-01")
    assert rows == [
        {
            "kind": "board_update",
            "subject": "Adult Safeguarding Board",
            "due": "2026-12-01",
            "recipient": "coordinator",
        }
    ]
    assert run("2026-12-01") == []
    assert Notification.objects.filter(kind="board_update").count() == 1


def test_later_day_queues_only_what_newly_falls_due(board_provider):
    run("2026-12-01")
    rows = run("2026-12-12")
    assert [r["subject"] for r in rows] == ["Health Board"]


@pytest.mark.parametrize(
    "command", ["send_reminders", "retention_sweep", "accounts_disable_inactive"]
)
def test_bad_date_is_a_clear_error(db, command):
    with pytest.raises(CommandError, match="'12/01/2026' is not a date in the form YYYY-MM-DD"):
        call_command(command, "--today", "12/01/2026")
    # A keyword reaches the command without argparse's conversion: the same check holds.
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command(command, today="12/01/2026")


def test_today_as_a_keyword_is_the_day_run_for(board_provider):
    out = StringIO()
    call_command("send_reminders", today="2026-12-01", stdout=out)
    assert [r["subject"] for r in json.loads(out.getvalue())] == ["Adult Safeguarding Board"]


def test_untriaged_referral_past_target_reminds_coordinators(world, settings):
    settings.TRIAGE_TARGET_DAYS = 5
    ref = factories.referral(world.agency_a, received_on=date(2026, 11, 1))
    assert run("2026-11-05") == []
    rows = run("2026-11-06")
    assert rows == [
        {
            "kind": "triage_overdue",
            "subject": f"Referral {ref.reference}",
            "due": "2026-11-06",
            "recipient": "coordinator",
        }
    ]
    assert run("2026-11-07") == []


@pytest.fixture
def many_provider(world):
    """Seven reminders due on 2026-12-01, one per board."""

    def provider(today):
        for n in range(7):
            yield registry.Reminder(
                kind="board_update",
                key=f"board:{n}:2026-12-01",
                subject=f"Board {n}",
                due=date(2026, 12, 1),
                recipient=world.coordinator,
                title=f"Board {n} update due",
                body="Prepare the update.",
            )

    registry.register("test.many", provider)
    yield
    registry.unregister("test.many")


def outbox_statements(ctx) -> list[str]:
    return [q["sql"].split()[0] for q in ctx.captured_queries if "outbox_notification" in q["sql"]]


def test_sweep_inserts_a_batch_per_statement_and_a_rerun_only_looks(many_provider, monkeypatch):
    monkeypatch.setattr(outbox_services, "QUEUE_BATCH_SIZE", 3)
    with CaptureQueriesContext(connection) as first:
        rows = run("2026-12-01")
    assert [r["subject"] for r in rows] == [f"Board {n}" for n in range(7)]
    assert outbox_statements(first) == ["SELECT", "INSERT", "INSERT", "INSERT"]
    with CaptureQueriesContext(connection) as second:
        assert run("2026-12-01") == []
    assert outbox_statements(second) == ["SELECT"]
    assert Notification.objects.filter(kind="board_update").count() == 7
