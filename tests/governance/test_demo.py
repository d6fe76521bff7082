"""seed_demo's governance part: seed 003's board schedule, seed 004's six priority actions,
seed 001's update as progress, a few register entries; safe to run twice."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from governance.models import (
    ActionItem,
    Board,
    Frequency,
    PriorityAction,
    ProgressUpdate,
    StrategyPeriod,
)
from governance.registers import REGISTERS
from prevent_portal.accounts.models import User
from tests.conftest import sign_in


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def test_boards_of_seed_003_with_their_dates(demo):
    boards = {
        b.name: (b.frequency, b.last_presented_on, b.next_due, b.next_due_to_be_confirmed)
        for b in Board.objects.with_last_update()
    }
    assert boards["Council Management Team / CEO"] == (
        Frequency.BI_ANNUAL,
        date(2021, 4, 1),
        date(2022, 8, 1),
        False,
    )
    assert boards["Safer Communities Partnership Board"][1:3] == (
        date(2021, 7, 1),
        date(2022, 7, 1),
    )
    assert boards["Children Safeguarding Board (Executive committee)"][1:3] == (
        date(2020, 10, 1),
        date(2021, 10, 1),
    )
    assert boards["Health and Wellbeing Board"] == (Frequency.ANNUAL, date(2019, 1, 24), None, True)
    assert boards["Adult Safeguarding Board"][1:3] == (date(2021, 2, 1), date(2022, 2, 1))
    assert boards["Prevent Delivery Group"][0] == Frequency.QUARTERLY
    assert boards["Channel Panel"][0] == Frequency.MONTHLY
    assert len(boards) == 7


def test_strategy_with_six_priority_actions_and_seed_001_progress(demo):
    period = StrategyPeriod.objects.get()
    assert (period.starts_on, period.ends_on) == (date(2017, 7, 1), date(2020, 3, 31))
    assert list(PriorityAction.objects.values_list("number", "title")) == [
        (1, "Partnerships"),
        (2, "Risk assessment"),
        (3, "Prevent action plan"),
        (4, "Staff training"),
        (5, "Use of local authority resources"),
        (6, "Safeguarding children and adults from radicalisation"),
    ]
    assert ProgressUpdate.objects.filter(on=date(2018, 6, 8)).exists()
    assert ActionItem.objects.filter(owner_agency__short_code="barnet-homes").exists()
    assert set(ActionItem.objects.values_list("rag", flat=True)) == {"red", "amber", "green"}


def test_demo_is_idempotent(demo):
    counts = [Board.objects.count(), ActionItem.objects.count(), ProgressUpdate.objects.count()]
    counts += [r.model.objects.count() for r in REGISTERS.values()]
    call_command("seed_demo", stdout=StringIO())
    again = [Board.objects.count(), ActionItem.objects.count(), ProgressUpdate.objects.count()]
    again += [r.model.objects.count() for r in REGISTERS.values()]
    assert again == counts
    assert all(counts)


def test_demo_pages_open_for_the_coordinator_and_a_manager(client, demo):
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
    html = client.get(f"/governance/plan/{period.pk}/appendix/?as_of=31/1/2019").content.decode()
    assert "A draft training plan was submitted on 11 May 2018" in html
