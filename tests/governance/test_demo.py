"""seed_demo's governance part: seed 003's boards with updates in the past year (one overdue,
one due soon), the strategy in force today with seed 004's six priority actions and seed
001's update paraphrased as progress, a few register entries; safe to run twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from governance.models import (
    ActionItem,
    Board,
    Frequency,
    PriorityAction,
    ProgressUpdate,
    StrategyPeriod,
    add_months,
)
from governance.registers import REGISTERS
from prevent_portal.accounts.models import User
from tests.conftest import sign_in


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seeded once for the module (seeding takes a while), rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_boards_of_seed_003_with_dates_in_the_past_year(demo, db):
    today = timezone.localdate()
    boards = {
        b.name: (b.frequency, b.last_presented_on, b.next_due, b.next_due_to_be_confirmed)
        for b in Board.objects.with_last_update()
    }
    assert len(boards) == 7
    for name, (_, last, _, _) in boards.items():
        assert today - timedelta(days=366) <= last <= today, name
    frequency, last, next_due, _ = boards["Council Management Team / CEO"]
    assert frequency == Frequency.BI_ANNUAL
    assert next_due == add_months(last, 6) < today  # overdue
    assert today <= boards["Safer Communities Partnership Board"][2] <= today + timedelta(28)
    assert boards["Health and Wellbeing Board"][2:] == (None, True)
    assert boards["Adult Safeguarding Board"][2] == add_months(today, 5)  # set by hand
    assert boards["Prevent Delivery Group"][0] == Frequency.QUARTERLY
    assert boards["Channel Panel"][0] == Frequency.MONTHLY


def test_strategy_in_force_today_with_six_priority_actions_and_seed_001_progress(demo, db):
    today = timezone.localdate()
    period = StrategyPeriod.objects.get()
    assert period.starts_on <= today <= period.ends_on
    assert list(PriorityAction.objects.values_list("number", "title")) == [
        (1, "Partnerships"),
        (2, "Risk assessment"),
        (3, "Prevent action plan"),
        (4, "Staff training"),
        (5, "Use of local authority resources"),
        (6, "Safeguarding children and adults from radicalisation"),
    ]
    updates = ProgressUpdate.objects.all()
    assert updates and all(today - timedelta(days=366) <= u.on <= today for u in updates)
    assert ActionItem.objects.filter(owner_agency__short_code="barnet-homes").exists()
    assert set(ActionItem.objects.values_list("rag", flat=True)) == {"red", "amber", "green"}


def test_demo_is_idempotent(demo, db):
    counts = [Board.objects.count(), ActionItem.objects.count(), ProgressUpdate.objects.count()]
    counts += [r.model.objects.count() for r in REGISTERS.values()]
    call_command("seed_demo", stdout=StringIO())
    again = [Board.objects.count(), ActionItem.objects.count(), ProgressUpdate.objects.count()]
    again += [r.model.objects.count() for r in REGISTERS.values()]
    assert again == counts
    assert all(counts)


def test_demo_pages_open_for_the_coordinator_and_a_manager(demo, db, client):
    period = StrategyPeriod.objects.get()
    board = Board.objects.get(name="Health and Wellbeing Board")
    for username in ("coordinator", "manager"):
        client.logout()
        sign_in(client, User.objects.get(username=username))
        for path in [
            "/governance/boards/",
            f"/governance/boards/{board.pk}/",
            "/governance/plan/",
            f"/governance/plan/{period.pk}/",
            f"/governance/plan/{period.pk}/review/",
            f"/governance/plan/{period.pk}/appendix/",
        ]:
            assert client.get(path).status_code == 200, (username, path)
    html = client.get(f"/governance/plan/{period.pk}/appendix/").content.decode()
    assert "A draft training plan was submitted." in html
