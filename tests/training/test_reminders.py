"""Missing-return reminders: each SPOC hears once about each missing return of a quarter
before its deadline, however often the sweep runs; afterwards the Coordinator gets the list
of what is still missing, once per quarter."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from prevent_portal.outbox.models import Notification
from prevent_portal.reminders.services import reminders_queue_due
from tests import factories
from tests.training.helpers import basic, make_return, quarter, wrap
from training.models import TrainingType

END = date(2026, 6, 30)
DEADLINE = date(2026, 7, 31)


@pytest.fixture
def period(world, settings):
    settings.TRAINING_REMINDER_DAYS_BEFORE = 14
    return quarter(END, deadline=DEADLINE)


def sweep(day: date) -> list:
    return [r for r in reminders_queue_due(today=day) if r.kind.startswith("training")]


def _keys(reminders) -> set[tuple[str, str, str]]:
    return {(r.kind, r.recipient.username, r.subject) for r in reminders}


def test_spocs_are_reminded_of_each_missing_return_once(world, period):
    make_return(world.agency_a, END, 100, 90)  # agency A's WRAP is in
    assert sweep(date(2026, 7, 16)) == []  # 15 days before: not yet
    first = sweep(date(2026, 7, 17))
    assert _keys(first) == {
        ("training_return", "spoc-a", "Basic Prevent Awareness return, Q1 2026/27"),
        ("training_return", "spoc-b", "WRAP return, Q1 2026/27"),
        ("training_return", "spoc-b", "Basic Prevent Awareness return, Q1 2026/27"),
    }
    # The sweep runs again the same day and every day up to the deadline: nothing new.
    assert sweep(date(2026, 7, 17)) == []
    assert sweep(date(2026, 7, 20)) == []
    assert sweep(DEADLINE) == []
    assert Notification.objects.filter(kind="training_return").count() == 3


def test_the_command_run_twice_queues_each_reminder_once(world, period):
    def run(day: str) -> list[dict]:
        out = StringIO()
        call_command("send_reminders", "--today", day, stdout=out)
        return [r for r in json.loads(out.getvalue()) if r["kind"] == "training_return"]

    assert len(run("2026-07-20")) == 4  # two SPOCs x two types
    assert run("2026-07-20") == []
    assert Notification.objects.filter(kind="training_return").count() == 4


def test_a_second_spoc_of_an_agency_gets_their_own_reminder_once(world, period):
    sweep(date(2026, 7, 20))
    second = factories.member("spoc", world.agency_a, username="spoc-a2")
    later = sweep(date(2026, 7, 21))
    assert {r.recipient for r in later} == {second}
    assert len(later) == 2
    assert sweep(date(2026, 7, 22)) == []


def test_a_return_made_before_the_window_means_no_reminder(world, period):
    for agency in (world.agency_a, world.agency_b):
        for training_type in (wrap(), basic()):
            make_return(agency, END, 10, 9, training_type=training_type)
    assert sweep(date(2026, 7, 20)) == []
    assert sweep(date(2026, 8, 1)) == []


def test_reminder_text_says_what_is_missing_and_by_when(world, period):
    reminder = next(
        r for r in sweep(date(2026, 7, 21)) if r.recipient == world.spoc_a and "WRAP" in r.title
    )
    assert reminder.title == "Agency A: WRAP return for Q1 2026/27 due by 31 July 2026"
    assert "in 10 days" in reminder.body
    assert "/training/returns/" in reminder.body
    assert reminder.due == DEADLINE


def test_after_the_deadline_each_coordinator_gets_the_missing_list_once(world, period):
    make_return(world.agency_a, END, 100, 90)
    second = factories.member("coordinator", world.council, username="coordinator-2")
    overdue = [r for r in sweep(date(2026, 8, 1)) if r.kind == "training_overdue"]
    assert {r.recipient for r in overdue} == {world.coordinator, second}
    body = overdue[0].body
    assert "- Agency A: Basic Prevent Awareness" in body
    assert "- Agency B: WRAP" in body and "- Agency B: Basic Prevent Awareness" in body
    assert "Agency A: WRAP" not in body
    assert overdue[0].title == "3 training returns missing for Q1 2026/27"
    assert sweep(date(2026, 8, 2)) == []
    assert sweep(date(2026, 8, 20)) == []
    # No SPOC reminder after the deadline.
    assert not Notification.objects.filter(kind="training_return").exists()


def test_nothing_overdue_when_everything_is_in(world, period):
    for agency in (world.agency_a, world.agency_b):
        for training_type in (wrap(), basic()):
            make_return(agency, END, 10, 9, training_type=training_type)
    assert sweep(date(2026, 8, 1)) == []


def test_long_past_quarters_are_not_announced_again(world, period):
    assert sweep(date(2026, 10, 1)) == []  # two months after the deadline


def test_a_type_asked_of_named_agencies_reminds_only_them(world, period):
    wrap_type = wrap()
    wrap_type.agencies.set([world.agency_b])
    basic_type = basic()
    basic_type.is_active = False
    basic_type.save()
    reminders = sweep(date(2026, 7, 20))
    assert _keys(reminders) == {("training_return", "spoc-b", "WRAP return, Q1 2026/27")}


def test_a_retired_type_is_not_asked_for(world, period):
    TrainingType.objects.update(is_active=False)
    assert sweep(date(2026, 7, 20)) == []
