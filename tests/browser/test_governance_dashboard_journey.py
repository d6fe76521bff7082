"""Issue 6's acceptance journey in Chromium, with axe on every page:

1. a manager opens the dashboard and filters a financial year: no name or reference of
   anybody referred appears (canary names in the data), and small numbers are hidden;
2. the Coordinator adds an action-plan update (the error states of that form are walked in
   test_governance_journey.test_coordinator_adds_an_action_plan_update; here the update is
   the one the report then prints);
3. the Coordinator generates the Health and Wellbeing Board report: the progress page
   refreshes itself until the background build is done, the preview shows it, the PDF is
   downloaded and its pages are rendered with pdftoppm and looked at, and the report is
   recorded as the board's update;
4. (issue 17) before presenting it, the Coordinator writes the narrative (an error first),
   the PDF and DOCX are made again in the background, and both files are opened and read.

Also the kwargs helpers and states the page walk (test_pages.py) uses for these pages.

To refresh the screenshots in docs/screenshots/:

    PREVENT_UPDATE_SCREENSHOTS=1 make test \
        PYTEST_ARGS="tests/browser/test_governance_dashboard_journey.py"
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from docx import Document
from playwright.sync_api import expect

from channel_panel.models import Attendance
from governance import services
from governance.models import Board, BoardReport, BoardUpdate, Rag
from governance.views import reports as report_views
from referrals.services.imports import referrals_import
from tests import factories
from tests.browser.pages import assert_page_is_usable, fill_date, follow_menu
from tests.browser.test_governance_journey import PDF_TIMEOUT_MS, board_kwargs
from tests.browser.test_screenshots import VIEWPORT, _save
from tests.channel_panel.test_report import meeting
from tests.governance.records import finished_report
from tests.referrals.test_import import csv_bytes, row
from training import services as training
from training.models import TrainingType

CANARIES = ("Wystanbelle", "Quorrindale", "CANARY-REF")
# Share of the first page that is not white: a page with a heading, a paragraph and a few
# tables is well above it; a blank or nearly blank page is far below.
INK_THRESHOLD = 0.02


# --- Records for the page walk --------------------------------------------------------------
def no_kwargs(scene) -> dict:
    return {}


def report_kwargs(scene) -> dict:
    board = Board.objects.get(pk=board_kwargs(scene)["pk"])
    report = BoardReport.objects.filter(board=board, status="done").first()
    return {"pk": (report or finished_report(board, scene.world.coordinator)).pk}


# governance url name -> (persona, h1, kwargs, content type of a download)
REPORT_PAGES = {
    "dashboard": ("manager", "Management dashboard", no_kwargs, ""),
    "report_list": ("coordinator", "Board reports", no_kwargs, ""),
    "report_add": ("coordinator", "Generate a board report", no_kwargs, ""),
    "report_detail": ("coordinator", "Prevent update to the", report_kwargs, ""),
    "report_pdf": ("coordinator", "", report_kwargs, "application/pdf"),
    "report_present": ("coordinator", "Record the report as presented", report_kwargs, ""),
    "report_docx": ("coordinator", "", report_kwargs, report_views.DOCX_TYPE),
    "report_narrative": ("coordinator", "Write the report's narrative", report_kwargs, ""),
}


def _dashboard_bad_period(page, scene):
    page.goto(reverse("governance:dashboard"))
    page.get_by_label("Financial year").select_option(label="Choose dates instead")
    fill_date(page, "From", "31/3/2026")
    fill_date(page, "To", "1/4/2025")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The last day must be the same as or after the first day"
    )


def _report_form_empty(page, scene):
    page.goto(reverse("governance:report_add"))
    page.get_by_label("Financial year").select_option(label="Choose dates instead")
    page.get_by_role("button", name="Generate report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the board the report is for")
    expect(summary).to_contain_text("Choose a financial year, or enter the first day")


# state -> (persona, how to reach it, the page's h1). The progress page of a report being
# built is checked in the journey below, where its self-refresh can be slowed down.
REPORT_STATES = {
    "dashboard_bad_period": ("manager", _dashboard_bad_period, "Management dashboard"),
    "report_form_empty": ("coordinator", _report_form_empty, "Generate a board report"),
}


@pytest.fixture(autouse=True)
def _slow_refresh(monkeypatch):
    """The progress page reloads itself; while axe checks it, it must not."""
    monkeypatch.setattr(report_views, "REFRESH_SECONDS", 600)


# --- The journey ----------------------------------------------------------------------------
def _load_referrals() -> None:
    """Ten referrals in 2020-21, every person named with a canary: eight Islamist, two
    Extreme Right-Wing (a count that must be hidden); half adults and men, half young
    people and women (ten identical referrals would have their total hidden)."""
    rows = [
        row(
            n,
            **{
                "date_of_birth": "1990-01-01" if n % 2 else "2004-03-02",
                "gender": "male" if n % 2 else "female",
                "reached_panel": "yes" if n % 2 else "no",
                "outcome": "Passed to the Channel Panel" if n % 2 else "No further action",
                "mental_health_concern": "yes" if n % 2 else "no",
                "reference": f"CANARY-REF-{n:05d}",
                "first_name": f"Wystanbelle{n}",
                "last_name": "Quorrindale",
                "received_on": f"2020-{4 + n % 9:02d}-{1 + n:02d}",
                "type_of_concern": "Islamist" if n <= 8 else "Extreme Right-Wing",
            },
        )
        for n in range(1, 11)
    ]
    result = referrals_import(name="history.csv", content=csv_bytes(rows), acting_user=None)
    assert result.ok, result.messages()


def _ink_share(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
    return sum(histogram[:200]) / sum(histogram)


@pytest.mark.browser
def test_manager_dashboard_then_coordinator_builds_and_presents_the_board_report(
    open_page, browsing, world, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path / "media"
    _load_referrals()
    board = factories.board(
        world.coordinator, name="Health and Wellbeing Board", area_of_focus="Mental health"
    )
    item = factories.action_item(
        owner_agency=world.agency_a, description="Deliver WRAP to housing staff"
    )
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting(world, date(2020, 7, 2), attendance={world.agency_a: Attendance.Status.PRESENT})
    meeting(world, date(2020, 8, 6), attendance={world.agency_a: Attendance.Status.APOLOGIES})
    wrap = TrainingType.objects.get(name="WRAP")
    quarter = training.reporting_period_for_end(end=date(2020, 6, 30), acting_user=None)
    training.compliance_return_submit(
        agency=world.agency_a, training_type=wrap, period=quarter,
        eligible=480, compliant=422, acting_user=world.coordinator,
    )  # fmt: skip

    # The worker has counted the year's figures (issue 18: never while the manager waits).
    from governance.services.dashboard import dashboard_figures_refresh, dashboard_period_want
    from referrals.views.statistics import manager_suppress_below

    dashboard_period_want(
        area_id=world.council.areas.get().pk,
        date_from=date(2020, 4, 1),
        date_to=date(2021, 3, 31),
        suppress=manager_suppress_below(),
    )
    dashboard_figures_refresh()

    # 1. A manager opens the dashboard and filters a financial year.
    manager = open_page(world.manager)
    manager.set_viewport_size(VIEWPORT)
    manager.goto("/")
    follow_menu(manager, "Dashboard")
    assert_page_is_usable(manager, browsing, "Management dashboard")
    manager.get_by_label("Financial year").select_option(label="April 2020 to March 2021")
    manager.get_by_role("button", name="Show figures").click()
    expect(manager).to_have_url(re.compile(r"year=2020"))
    assert_page_is_usable(manager, browsing, "Management dashboard")
    main = manager.locator("main")
    expect(main).to_contain_text("1 April 2020 to 31 March 2021")
    expect(manager.locator("#referrals-total")).to_have_text("10")
    concern = manager.get_by_role("table", name=re.compile("type of concern", re.I))
    expect(concern.get_by_role("row", name=re.compile("^Islamist"))).to_contain_text("80%")
    expect(concern.get_by_role("row", name=re.compile("^Extreme Right-Wing"))).to_contain_text(
        "hidden"
    )
    chart = manager.get_by_role("img", name="Chart: Referrals by type of concern")
    expect(chart).to_contain_text("hidden")
    expect(manager.locator("#meetings-held")).to_have_text("2")
    attendance = manager.get_by_role("table", name=re.compile("attendance", re.I))
    expect(attendance.get_by_role("row", name=re.compile("^Agency A"))).to_contain_text("50%")
    wrap_table = manager.get_by_role("table", name=re.compile("^WRAP: totals by sector"))
    sector = re.compile("^" + re.escape(world.agency_a.sector.name))
    sector_row = wrap_table.get_by_role("row", name=sector)
    expect(sector_row).to_contain_text("88% meets target")
    text = manager.content()
    for canary in CANARIES:
        assert canary not in text, f"{canary} is on the manager's dashboard"
    _save(manager, "governance-dashboard.png", tmp_path)
    # A manager reads the board reports too (aggregates only; issue 13 point 5).
    assert manager.goto(reverse("governance:report_list")).status == 200

    # 2. The Coordinator adds an action-plan update.
    page = open_page(world.coordinator)
    page.set_viewport_size(VIEWPORT)
    page.goto(reverse("governance:item_detail", args=[item.pk]))
    page.get_by_role("button", name="Add a progress update").click()
    assert_page_is_usable(page, browsing, "Add a progress update")
    page.get_by_label("Progress", exact=True).fill("Three of four sessions delivered")
    page.get_by_label("Amber: at risk").check()
    page.get_by_role("button", name="Add update").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Progress update added")
    assert_page_is_usable(page, browsing, "Action item")

    # 3. The Coordinator asks for the Health and Wellbeing Board's report ...
    page.goto("/")
    follow_menu(page, "Board reports")
    assert_page_is_usable(page, browsing, "Board reports")
    page.get_by_role("button", name="Generate a report").click()
    assert_page_is_usable(page, browsing, "Generate a board report")
    page.get_by_label("Board", exact=True).select_option(label="Health and Wellbeing Board")
    page.get_by_label("Financial year").select_option(label="Choose dates instead")
    fill_date(page, "From", "1/4/2020")
    fill_date(page, "To", f"{date.today():%d/%m/%Y}")
    page.get_by_role("button", name="Generate report").click()

    # ... sees it waiting (the request only queued it) ...
    expect(page.get_by_label("Waiting for the report to start")).to_be_visible()
    assert_page_is_usable(page, browsing, "Prevent update to the Health and Wellbeing Board")
    report = BoardReport.objects.get()
    assert report.status == "queued"

    # ... and, once the worker's sweep has built it, the page refreshes itself to the preview.
    monkeypatch.setattr(report_views, "REFRESH_SECONDS", 1)
    response = page.reload()
    assert response.headers["refresh"] == "1"
    assert services.board_reports_sweep() == 1
    expect(page.get_by_role("button", name="Download the PDF")).to_be_visible(timeout=15_000)
    assert_page_is_usable(page, browsing, "Prevent update to the Health and Wellbeing Board")
    preview = page.locator("#report-preview")
    expect(preview).to_contain_text("1. Referral profile")
    expect(preview).to_contain_text("hidden")
    expect(preview).to_contain_text("Three of four sessions delivered")
    expect(preview).to_contain_text("Health and Wellbeing Board")
    expect(preview.get_by_role("table", name=re.compile("WRAP, Agency A"))).to_contain_text(
        "Meets target"
    )
    for canary in CANARIES:
        assert canary not in page.content()
    _save(page, "governance-board-report.png", tmp_path)

    # The PDF, its pages looked at as images.
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="Download the PDF").click()
    download = download_info.value
    assert download.suggested_filename == (
        f"prevent-update-health-and-wellbeing-board-2020-04-01-to-{date.today()}.pdf"
    )
    pdf = tmp_path / "report.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert shutil.which("pdftoppm"), "poppler-utils is needed (apt-get install poppler-utils)"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2, f"the report has {len(pages)} page(s)"
    first = _ink_share(pages[0])
    assert first > INK_THRESHOLD, f"the first page looks blank ({first:.3f} not white)"

    # The Coordinator writes the narrative; the PDF and the DOCX are made again with it.
    page.get_by_role("button", name="Write the narrative").click()
    assert_page_is_usable(page, browsing, "Write the report's narrative")
    page.get_by_label("Recommendations").fill("x" * 10_001)
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Recommendations must be 10,000 characters or fewer"
    )
    assert_page_is_usable(page, browsing, "Write the report's narrative")
    page.get_by_label("Introduction").fill("This paper updates the Board on Prevent.")
    page.get_by_label("Commentary on training compliance").fill("Agency A met its target.")
    page.get_by_label("Recommendations").fill("That the Board note the figures.")
    page.get_by_role("button", name="Save the narrative").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Narrative saved")
    assert services.board_reports_sweep() == 1
    expect(page.get_by_role("button", name="Download the DOCX")).to_be_visible(timeout=15_000)
    assert_page_is_usable(page, browsing, "Prevent update to the Health and Wellbeing Board")
    expect(page.locator("#commentary-training")).to_contain_text("Agency A met its target.")
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="Download the DOCX").click()
    docx_path = tmp_path / "report.docx"
    download_info.value.save_as(docx_path)
    document = Document(str(docx_path))
    docx_text = "\n".join(
        [p.text for p in document.paragraphs]
        + [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    )
    with page.expect_download(timeout=PDF_TIMEOUT_MS) as download_info:
        page.get_by_role("button", name="Download the PDF").click()
    download_info.value.save_as(pdf)
    pdf_text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for text in (docx_text, pdf_text):
        words = " ".join(text.split())
        assert "This paper updates the Board on Prevent." in words
        assert "Agency A met its target." in words
        assert "That the Board note the figures." in words
        assert "422" in words and "480" in words  # seed 002 Table 1's first row
        for canary in CANARIES:
            assert canary not in words

    # Presented: the report becomes the board's update, its PDF the paper.
    page.get_by_role("button", name="Mark as presented").click()
    assert_page_is_usable(page, browsing, "Record the report as presented")
    fill_date(page, "Date presented", f"{date.today():%d/%m/%Y}")
    page.get_by_role("button", name="Record as presented").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Report recorded as presented"
    )
    assert_page_is_usable(page, browsing, "Health and Wellbeing Board")
    update = BoardUpdate.objects.get(board=board)
    expect(page.locator("#updates")).to_contain_text(update.attachment_name)
    assert update.attachment.read() == pdf.read_bytes()
    assert item.updates.get().rag == Rag.AMBER
