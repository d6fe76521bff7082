"""Issue 5's journey in Chromium: a SPOC at the mental health trust enters a quarter's WRAP
return, makes a mistake (compliant above eligible) and sees it explained, corrects it, then
uploads a CSV for the next quarter; the Coordinator sees both quarters in the table and the
chart and downloads the XLSX. axe runs on every page opened.

Also the kwargs helpers the page walk (test_pages.py) uses to reach the training pages.

To refresh the screenshots in docs/screenshots/:

    PREVENT_UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_training_journey.py"
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from prevent_portal.accounts.models import Role
from tests import factories
from tests.browser.pages import assert_page_is_usable, follow_menu
from tests.browser.test_screenshots import VIEWPORT, _save
from training import services
from training.models import ComplianceReturn, DeliveryMode, TrainingType

TRUST = "Barnet Enfield and Haringey Mental Health Trust"
Q1, Q2 = date(2018, 6, 30), date(2018, 9, 30)


@pytest.mark.browser
def test_spoc_returns_two_quarters_and_the_coordinator_downloads_them(
    open_page, browsing, world, tmp_path
):
    trust = factories.AgencyFactory(name=TRUST, short_code="beh-mht")
    spoc = factories.member(Role.SPOC, trust, username="trust-spoc")
    services.reporting_period_for_end(end=Q1, acting_user=None)

    # 1. The trust's SPOC enters the June quarter's WRAP return and slips.
    page = open_page(spoc)
    page.set_viewport_size(VIEWPORT)
    page.goto("/")
    follow_menu(page, "Training returns")
    assert_page_is_usable(page, browsing, "Training returns")
    page.get_by_role("link", name="Enter a return").click()
    assert_page_is_usable(page, browsing, "Enter a training return")
    expect(page.locator("main")).to_contain_text(TRUST)
    page.get_by_label("WRAP").check()
    page.get_by_label("Quarter").select_option(label="Q1 2018/19 (April to June 2018)")
    page.get_by_label("Eligible staff").fill("480")
    page.get_by_label("Compliant staff").fill("500")
    page.get_by_role("button", name="Save return").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Compliant staff cannot be more than eligible staff")
    expect(page.locator("#id_compliant-error")).to_contain_text("you entered 500 compliant")
    assert page.title().startswith("Error: ")
    assert_page_is_usable(page, browsing, "Enter a training return")
    _save(page, "training-return-error.png", tmp_path)
    assert not ComplianceReturn.objects.exists()

    # 2. The SPOC corrects it: 422 of 480 is 88%, above the 85% target.
    page.get_by_label("Compliant staff").fill("422")
    page.get_by_role("button", name="Save return").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "WRAP return for Q1 2018/19 saved: 88%, meets target"
    )
    assert_page_is_usable(page, browsing, "Training returns")
    expect(page.get_by_role("row", name="WRAP")).to_contain_text("Meets target")

    # 3. The September quarter comes from a spreadsheet.
    page.get_by_role("link", name="Upload a spreadsheet").click()
    assert_page_is_usable(page, browsing, "Upload training returns")
    content = (
        "agency,training_type,period_end,eligible,compliant\n"
        f"{TRUST.lower()},wrap,{Q2.isoformat()},479,402\n"
    ).encode()
    page.get_by_label("File to upload").set_input_files(
        {"name": "september.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload returns").click()
    assert_page_is_usable(page, browsing, "Returns uploaded")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Q2 2018/19")
    assert ComplianceReturn.objects.filter(agency=trust).count() == 2

    # 4. The Coordinator sees both quarters in the table and the chart.
    coordinator = open_page(world.coordinator)
    coordinator.set_viewport_size(VIEWPORT)
    coordinator.goto("/")
    follow_menu(coordinator, "Training compliance")
    assert_page_is_usable(coordinator, browsing, "Training compliance")
    wrap_table = coordinator.get_by_role("table").filter(has_text="WRAP: percentage").first
    row = wrap_table.get_by_role("row", name=TRUST)
    expect(row).to_contain_text("88%")
    expect(row).to_contain_text("84%")
    expect(row).to_contain_text("Below target")
    expect(row).to_contain_text("Down 4 points")
    chart = coordinator.get_by_role("img", name="WRAP compliance by agency and quarter")
    expect(chart).to_contain_text("88%, meets target")
    expect(chart).to_contain_text("84%, below target")
    expect(wrap_table.get_by_role("row", name="Agency A")).to_contain_text("Missing")
    _save(coordinator, "training-compliance.png", tmp_path)

    # 5. ... and downloads the same figures as XLSX.
    with coordinator.expect_download() as download_info:
        coordinator.get_by_role("link", name="XLSX (Excel)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == TRUST]
    assert [(r[2].date(), r[3], r[4], r[5], r[7]) for r in rows] == [
        (Q1, 480, 422, 88, True),
        (Q2, 479, 402, 84, False),
    ]

    # 6. A return's history says who changed what.
    wrap_table.get_by_role("link", name=f"84% for {TRUST}, Q2 2018/19").click()
    assert_page_is_usable(coordinator, browsing, "WRAP return")
    expect(coordinator.locator("main")).to_contain_text("84%, below the 85% target")


# --- Reaching the training pages in the page walk (tests/browser/test_pages.py) -----------------
def training_figures(scene) -> dict:
    """A quarter with agency A's and B's WRAP returns, a session and a coverage entry.
    Called more than once per visit: later calls find what the first made."""
    world = scene.world
    period = services.reporting_period_for_end(end=Q1, acting_user=None)
    wrap = TrainingType.objects.get(name="WRAP")
    found = {r.agency_id: r for r in ComplianceReturn.objects.filter(period=period)}
    for agency, compliant in ((world.agency_a, 422), (world.agency_b, 400)):
        if agency.pk not in found:
            found[agency.pk] = services.compliance_return_submit(
                agency=agency,
                training_type=wrap,
                period=period,
                eligible=480,
                compliant=compliant,
                acting_user=None,
            )
    from training.models import DepartmentCoverage, TrainingSession

    session = TrainingSession.objects.first() or services.training_session_record(
        data={
            "delivered_on": date(2018, 5, 14),
            "training_type": wrap,
            "trainers": "Prevent Coordinator",
            "other_organisations": "Youth Offending Service",
            "audience": "Frontline practitioners",
            "attendees": 9,
            "mode": DeliveryMode.IN_PERSON,
            "feedback": "Asked for a follow-up on online harms.",
        },
        agencies=[world.agency_a],
        acting_user=None,
    )
    coverage = DepartmentCoverage.objects.first() or services.department_coverage_record(
        data={
            "department": "Children and Family Services",
            "training_type": wrap,
            "covers_from": date(2017, 11, 1),
            "as_at": date(2019, 1, 1),
            "staff_requiring_training": 462,
            "staff_trained": 228,
            "sessions_delivered": 27,
        },
        acting_user=None,
    )
    return {
        "return_a": found[world.agency_a.pk],
        "period": period,
        "type": wrap,
        "session": session,
        "coverage": coverage,
    }


def training_no_kwargs(scene) -> dict:
    training_figures(scene)
    return {}


def training_return_a(scene) -> dict:
    return {"pk": training_figures(scene)["return_a"].pk}


def training_session(scene) -> dict:
    return {"pk": training_figures(scene)["session"].pk}


def training_coverage(scene) -> dict:
    return {"pk": training_figures(scene)["coverage"].pk}


def training_type(scene) -> dict:
    return {"pk": training_figures(scene)["type"].pk}


def training_period(scene) -> dict:
    return {"pk": training_figures(scene)["period"].pk}


def _nothing(scene) -> dict:
    return {}


# training url name -> (persona, h1, kwargs): every training page the walk opens.
TRAINING_PAGES = {
    "compliance": ("manager", "Training compliance", training_no_kwargs),
    "returns": ("spoc_a", "Training returns", training_no_kwargs),
    "return_add": ("spoc_a", "Enter a training return", training_no_kwargs),
    "return_detail": ("manager", "WRAP return", training_return_a),
    "return_edit": ("spoc_a", "Change the WRAP return", training_return_a),
    "upload": ("spoc_a", "Upload training returns", _nothing),
    "upload_result": ("spoc_a", "Returns uploaded", _nothing),
    "sessions": ("chair", "Training sessions delivered", training_no_kwargs),
    "session_add": ("coordinator", "Log a training session", training_no_kwargs),
    "session_edit": ("coordinator", "Change a training session", training_session),
    "coverage": ("manager", "Department coverage", training_no_kwargs),
    "coverage_add": ("coordinator", "Record department coverage", training_no_kwargs),
    "coverage_edit": ("coordinator", "Change department coverage", training_coverage),
    "types": ("coordinator", "Training types and targets", training_no_kwargs),
    "type_add": ("coordinator", "Add a training type", _nothing),
    "type_edit": ("coordinator", "Change a training type", training_type),
    "periods": ("coordinator", "Quarters and deadlines", training_no_kwargs),
    "period_add": ("coordinator", "Add a quarter", _nothing),
    "period_edit": ("coordinator", "Change the deadline for Q1 2018/19", training_period),
}


def _upload_with_bad_rows(page, scene):
    from django.urls import reverse

    page.goto(reverse("training:upload"))
    content = (
        b"agency,training_type,period_end,eligible,compliant\n"
        b"Agency A,WRAP,2018-06-30,480,500\n"
        b"Agency B,WRAP,2018-06-30,536,495\n"
    )
    page.get_by_label("File to upload").set_input_files(
        {"name": "returns.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Upload returns").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Line 2: compliant (500) is more than eligible (480)")
    expect(summary).to_contain_text("Line 3: agency 'Agency B' is not one you return figures for")


def _compliance_bad_range(page, scene):
    from django.urls import reverse

    training_figures(scene)
    services.reporting_period_for_end(end=Q2, acting_user=None)
    page.goto(reverse("training:compliance"))
    page.get_by_label("From").select_option(label="Q2 2018/19")
    page.get_by_label("To", exact=True).select_option(label="Q1 2018/19")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The last quarter must be the same as or after the first"
    )


def _empty_session(page, scene):
    from django.urls import reverse

    page.goto(reverse("training:session_add"))
    page.get_by_role("button", name="Log session").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date of the session")
    expect(summary).to_contain_text("Choose how the session was delivered")


# state -> (persona, how to reach it, the page's h1), for test_pages.STATES.
TRAINING_STATES = {
    "training_upload_bad_rows": ("spoc_a", _upload_with_bad_rows, "Upload training returns"),
    "training_compliance_bad_range": ("coordinator", _compliance_bad_range, "Training compliance"),
    "training_session_empty": ("coordinator", _empty_session, "Log a training session"),
}
