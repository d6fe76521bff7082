"""The quarterly review (latest RAG, no update this quarter, overdue) in a constant number of
queries, and the board appendix as HTML and as a PDF that carries the text."""

import shutil
import subprocess
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance import services
from governance.review import Quarter, default_quarter, quarters_of
from tests import factories
from tests.conftest import sign_in


def add_progress(item, on, rag, text="Progress"):
    item.refresh_from_db()
    return services.progress_update_add(
        item=item, on=on, text=text, rag=rag, expected_version=item.version, acting_user=None
    )


@pytest.fixture
def plan(world):
    """Three items of one strategy (2026-2028), reviewed for April to June 2026."""
    on_track = factories.action_item(
        owner_agency=world.agency_a, description="Brief the board", due_on=date(2027, 1, 1)
    )
    action = on_track.action
    late = factories.action_item(
        owner_agency=world.agency_b,
        description="Refresh terms",
        due_on=date(2026, 5, 1),
        action=action,
    )
    silent = factories.action_item(
        owner_officer=world.coordinator, description="Keep a register", action=action
    )
    add_progress(on_track, date(2026, 5, 10), "green", "Briefed the partnership board")
    add_progress(late, date(2026, 2, 1), "amber", "Draft circulated")
    add_progress(silent, date(2026, 3, 31), "red", "Nobody to lead it")
    add_progress(silent, date(2026, 7, 2), "green", "A lead was found in July")  # next quarter
    return {"period": action.period, "on_track": on_track, "late": late, "silent": silent}


def review(client, world, plan, quarter="2026-Q2"):
    sign_in(client, world.manager)
    return client.get(f"/governance/plan/{plan['period'].pk}/review/?quarter={quarter}")


def test_quarters_are_calendar_quarters_named_in_words():
    quarter = Quarter.containing(date(2026, 5, 10))
    assert (quarter.start, quarter.end, quarter.key) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "2026-Q2",
    )
    assert quarter.label == "Q1 2026/27 (April to June 2026)"
    assert Quarter.from_key("2026-Q4") == Quarter(date(2026, 10, 1), date(2026, 12, 31))
    assert Quarter.from_key("2026-Q5") is None and Quarter.from_key("junk") is None


def test_quarters_of_a_period_and_the_default_one(plan):
    period = plan["period"]
    quarters = quarters_of(period)
    assert quarters[0].key == "2026-Q1" and quarters[-1].key == "2028-Q4" and len(quarters) == 12
    assert default_quarter(period, date(2026, 11, 22)).key == "2026-Q4"
    assert default_quarter(period, date(2035, 1, 1)).key == "2028-Q4"


def test_review_shows_latest_rag_at_quarter_end_silent_and_overdue_items(client, world, plan):
    response = review(client, world, plan)
    assert response.status_code == 200
    rows = {item.description: item for item in response.context["items"]}
    # The July update is after the quarter: the review shows March's red.
    assert {d: i.latest_rag for d, i in rows.items()} == {
        "Brief the board": "green",
        "Refresh terms": "amber",
        "Keep a register": "red",
    }
    assert {i.description for i in response.context["not_updated"]} == {
        "Refresh terms",
        "Keep a register",
    }
    assert [i.description for i in response.context["overdue"]] == ["Refresh terms"]
    html = response.content.decode()
    assert "Quarterly review: Q1 2026/27 (April to June 2026)" in html
    assert "Red: off track" in html and "Amber: at risk" in html


def test_completed_item_is_not_overdue(client, world, plan):
    late = plan["late"]
    late.refresh_from_db()
    services.action_item_edit(
        item=late,
        data={"completed_on": date(2026, 4, 20)},
        expected_version=late.version,
        acting_user=world.coordinator,
    )
    assert review(client, world, plan).context["overdue"] == []


def test_unknown_quarter_falls_back_to_the_default(client, world, plan):
    response = review(client, world, plan, quarter="1999-Q9")
    assert response.status_code == 200
    assert response.context["quarter"] == default_quarter(plan["period"], date.today())


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["review/?quarter=2026-Q2", "appendix/?as_of=30/6/2026", ""])
def test_review_appendix_and_plan_cost_the_same_queries_whatever_the_size(
    client, world, plan, page
):
    sign_in(client, world.coordinator)
    client.get("/")
    path = f"/governance/plan/{plan['period'].pk}/{page}"
    small = queries(client, path)
    action = plan["on_track"].action
    for n in range(15):
        more = factories.action_item(
            owner_agency=world.agency_a if n % 2 else world.agency_b,
            owner_officer=world.coordinator if n % 3 else None,
            description=f"Item {n}",
            due_on=date(2026, 4, 1),
            action=action,
        )
        add_progress(more, date(2026, 4, 2), "amber")
        add_progress(more, date(2026, 6, 2), "green")
    services.priority_action_create(
        period=plan["period"],
        data={"number": 2, "title": "Risk assessment", "objective": "Know the risk."},
        acting_user=None,
    )
    assert queries(client, path) == small
    assert small <= 10


def test_appendix_follows_the_layout_of_seed_001(client, world, plan):
    period = plan["period"]
    period.objective = "To keep people safe."
    period.save()
    sign_in(client, world.manager)
    html = client.get(f"/governance/plan/{period.pk}/appendix/?as_of=30/6/2026").content.decode()
    assert "Update on the Prevent Action Plan, June 2026" in html
    assert "The over-riding objective of the Test strategy is:" in html
    assert "Priority action update summary as of 30 June 2026" in html
    assert "Action 1 Partnerships" in html
    assert "Briefed the partnership board" in html
    assert "Nobody to lead it" in html  # the update as of 30 June
    assert "A lead was found in July" not in html


def test_bad_as_of_date_is_an_error_and_today_is_shown(client, world, plan):
    sign_in(client, world.manager)
    response = client.get(
        f"/governance/plan/{plan['period'].pk}/appendix/",
        {"as_of-day": "31", "as_of-month": "13", "as_of-year": "2026"},
    )
    assert response.status_code == 200
    assert "must be a real date" in response.content.decode()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs pdftotext (poppler-utils)")
def test_appendix_pdf_is_produced_and_carries_the_text(client, world, plan, tmp_path):
    sign_in(client, world.manager)
    response = client.get(f"/governance/plan/{plan['period'].pk}/appendix.pdf?as_of=30/6/2026")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="action-plan-appendix-2026-06-30.pdf"'
    )
    assert response.content.startswith(b"%PDF") and len(response.content) > 2000
    pdf = tmp_path / "appendix.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Appendix: Update on the Prevent Action Plan, June 2026" in text
    assert "Priority Action Update summary as of 30 June 2026" in text
    assert "Action 1 Partnerships" in text
    assert "Briefed the partnership board" in text
    assert "Page 1 of 1" in text


def test_spoc_gets_no_appendix(client, world, plan):
    sign_in(client, world.spoc_a)
    assert client.get(f"/governance/plan/{plan['period'].pk}/appendix.pdf").status_code == 404
